import CGit2
import Foundation

/// A migration file read from git: its path below the migrations folder (raw bytes decoded as
/// UTF-8, invalid sequences repaired), its blob id and its content.
public struct GitFile: Sendable {
    public var path: String
    public var blob: ObjectID
    public var bytes: [UInt8]
}

extension Repository {
    /// The files below `folder` (a path relative to the repository root, no trailing slash;
    /// "" for the root) at `commit`: `recursive` descends into sub-folders. A missing folder
    /// yields no files. Only files whose name `include` accepts are listed; their content is read
    /// unless `content` is false.
    public func files(in folder: String, at commit: ObjectID, recursive: Bool, include: (String) -> Bool,
                      content: Bool = true) throws(GitError) -> [GitFile] {
        let root = try tree(of: commit)
        defer { git_tree_free(root) }
        var tree: OpaquePointer? = root
        var subtree: OpaquePointer?
        if !folder.isEmpty {
            var entry: OpaquePointer?
            let code = git_tree_entry_bypath(&entry, root, folder)
            if code == GIT_ENOTFOUND.rawValue { return [] }
            try LibGit2.check(code, "cannot read \(folder) at \(commit.short)")
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return [] }
            try LibGit2.check(git_tree_lookup(&subtree, handle, git_tree_entry_id(entry)), "cannot read \(folder)")
            tree = subtree
        }
        defer { if subtree != nil { git_tree_free(subtree) } }
        var result: [GitFile] = []
        try collect(tree!, prefix: "", recursive: recursive, include: include, into: &result)
        if content { try fillContent(&result) }
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    private func collect(_ tree: OpaquePointer, prefix: String, recursive: Bool, include: (String) -> Bool,
                         into result: inout [GitFile]) throws(GitError) {
        for i in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, i) else { continue }
            let name = prefix + String(cString: git_tree_entry_name(entry))
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_BLOB where include(name):
                let id = ObjectID(git_tree_entry_id(entry).pointee)
                result.append(GitFile(path: name, blob: id, bytes: []))
            case GIT_OBJECT_TREE where recursive:
                var child: OpaquePointer?
                try LibGit2.check(git_tree_lookup(&child, handle, git_tree_entry_id(entry)), "cannot read \(name)")
                defer { git_tree_free(child) }
                try collect(child!, prefix: name + "/", recursive: recursive, include: include, into: &result)
            default:
                break
            }
        }
    }

    /// The tree of a commit; the caller frees it.
    func tree(of commit: ObjectID) throws(GitError) -> OpaquePointer {
        var commitHandle: OpaquePointer?
        var oid = commit.raw
        try LibGit2.check(git_commit_lookup(&commitHandle, handle, &oid), "cannot read commit \(commit.short)")
        defer { git_commit_free(commitHandle) }
        var tree: OpaquePointer?
        try LibGit2.check(git_commit_tree(&tree, commitHandle), "cannot read the tree of \(commit.short)")
        return tree!
    }

    /// The id of the tree of `folder` at `commit` (nil when the folder is missing): equal ids
    /// mean equal contents, without listing them.
    public func treeID(of folder: String, at commit: ObjectID) throws(GitError) -> ObjectID? {
        let root = try tree(of: commit)
        defer { git_tree_free(root) }
        if folder.isEmpty { return ObjectID(git_tree_id(root).pointee) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, root, folder)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try LibGit2.check(code, "cannot read \(folder) at \(commit.short)")
        defer { git_tree_entry_free(entry) }
        return ObjectID(git_tree_entry_id(entry).pointee)
    }

    /// The id git would give `bytes` as a blob (to compare a file on disk with a tree entry).
    public func blobID(of bytes: [UInt8]) throws(GitError) -> ObjectID {
        var oid = git_oid()
        let code = bytes.withUnsafeBytes { git_odb_hash(&oid, $0.baseAddress, $0.count, GIT_OBJECT_BLOB) }
        try LibGit2.check(code, "cannot hash a file")
        return ObjectID(oid)
    }

    /// The content of a blob.
    public func blob(_ id: ObjectID) throws(GitError) -> [UInt8] {
        var blob: OpaquePointer?
        var oid = id.raw
        try LibGit2.check(git_blob_lookup(&blob, handle, &oid), "cannot read blob \(id.short)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// The staged files below `folder` (what the next commit would hold), read from the index.
    public func stagedFiles(in folder: String, recursive: Bool, include: (String) -> Bool) throws(GitError) -> [GitFile] {
        let index = try openIndex()
        defer { git_index_free(index) }
        let prefix = folder.isEmpty ? "" : folder + "/"
        var result: [GitFile] = []
        for i in 0..<git_index_entrycount(index) {
            guard let entry = git_index_get_byindex(index, i), git_index_entry_stage(entry) == 0 else { continue }
            let full = String(cString: entry.pointee.path)
            guard full.hasPrefix(prefix) else { continue }
            let path = String(full.dropFirst(prefix.count))
            guard recursive || !path.contains("/"), include(path) else { continue }
            result.append(GitFile(path: path, blob: ObjectID(entry.pointee.id), bytes: []))
        }
        try fillContent(&result)
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// Reads the blobs of `files` into them, on every core for a large set: each worker opens
    /// its own repository handle, as libgit2 handles must not be shared between threads.
    func fillContent(_ files: inout [GitFile]) throws(GitError) {
        guard files.count >= 256 else {
            for i in files.indices { files[i].bytes = try blob(files[i].blob) }
            return
        }
        let ids = files.map(\.blob)
        let gitDirectory = self.gitDirectory
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))
        let slots = BlobSlots(count: ids.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let repository: Repository
            do throws(GitError) {
                repository = try Repository(discoveringFrom: gitDirectory)
            } catch {
                for i in stride(from: worker, to: ids.count, by: workers) { slots.set(i, .failure(error)) }
                return
            }
            for i in stride(from: worker, to: ids.count, by: workers) {
                do throws(GitError) { slots.set(i, .success(try repository.blob(ids[i]))) } catch { slots.set(i, .failure(error)) }
            }
        }
        for i in files.indices { files[i].bytes = try slots.get(i) }
    }
}

/// Results written by one worker each, read after all finished (raw storage: concurrent writes
/// through an array property would trip Swift's exclusivity checks).
private final class BlobSlots: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Result<[UInt8], GitError>?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func set(_ index: Int, _ value: Result<[UInt8], GitError>) { slots[index] = value }

    func get(_ index: Int) throws(GitError) -> [UInt8] {
        guard let value = slots[index] else { throw GitError(message: "a blob was not read") }
        return try value.get()
    }
}

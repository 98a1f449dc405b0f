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
        var commitHandle: OpaquePointer?
        var oid = commit.raw
        try LibGit2.check(git_commit_lookup(&commitHandle, handle, &oid), "cannot read commit \(commit.short)")
        defer { git_commit_free(commitHandle) }
        var root: OpaquePointer?
        try LibGit2.check(git_commit_tree(&root, commitHandle), "cannot read the tree of \(commit.short)")
        defer { git_tree_free(root) }
        var tree = root
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
        try collect(tree!, prefix: "", recursive: recursive, include: include, content: content, into: &result)
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    private func collect(_ tree: OpaquePointer, prefix: String, recursive: Bool, include: (String) -> Bool,
                         content: Bool, into result: inout [GitFile]) throws(GitError) {
        for i in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, i) else { continue }
            let name = prefix + String(cString: git_tree_entry_name(entry))
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_BLOB where include(name):
                let id = ObjectID(git_tree_entry_id(entry).pointee)
                result.append(GitFile(path: name, blob: id, bytes: content ? try blob(id) : []))
            case GIT_OBJECT_TREE where recursive:
                var child: OpaquePointer?
                try LibGit2.check(git_tree_lookup(&child, handle, git_tree_entry_id(entry)), "cannot read \(name)")
                defer { git_tree_free(child) }
                try collect(child!, prefix: name + "/", recursive: recursive, include: include, content: content, into: &result)
            default:
                break
            }
        }
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
            let id = ObjectID(entry.pointee.id)
            result.append(GitFile(path: path, blob: id, bytes: try blob(id)))
        }
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}

import CGit2
import Foundation

/// Where the content being checked comes from.
public enum ContentSource: Sendable, Equatable {
    /// The files on disk (default): what the developer is editing.
    case workingTree
    /// The index: what the next commit will hold (pre-commit hooks).
    case index
    /// A commit (CI on a detached checkout).
    case commit(ObjectID)
}

extension Repository {
    /// Files renamed below `folder` between commit `base` and `source`, as libgit2's similarity
    /// detection sees them (paths relative to the repository root), so a rename is not taken for
    /// a deletion plus an addition.
    public func renames(in folder: String, from base: ObjectID, to source: ContentSource) throws(GitError) -> [(from: String, to: String)] {
        let baseTree = try tree(of: base)
        defer { git_tree_free(baseTree) }

        var options = git_diff_options()
        git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
        options.flags = GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
        // No pathspec for the root: libgit2, unlike git, does not read "." as "everything"
        // (it matched nothing, so every rename at the root looked like a deletion).
        let spec = folder.isEmpty ? nil : strdup(folder + "/")
        defer { free(spec) }
        var specs: [UnsafeMutablePointer<CChar>?] = [spec]
        var diff: OpaquePointer?
        let index: OpaquePointer? = source == .index ? try openIndex() : nil
        defer { if index != nil { git_index_free(index) } }
        let code: Int32 = specs.withUnsafeMutableBufferPointer { buffer in
            options.pathspec = git_strarray(strings: buffer.baseAddress, count: spec == nil ? 0 : 1)
            switch source {
            case .workingTree:
                return git_diff_tree_to_workdir_with_index(&diff, handle, baseTree, &options)
            case .index:
                return git_diff_tree_to_index(&diff, handle, baseTree, index, &options)
            case .commit(let id):
                guard let newTree = try? tree(of: id) else { return GIT_ENOTFOUND.rawValue }
                defer { git_tree_free(newTree) }
                return git_diff_tree_to_tree(&diff, handle, baseTree, newTree, &options)
            }
        }
        try LibGit2.check(code, "cannot compare \(folder) with \(base.short)")
        defer { git_diff_free(diff) }

        var find = git_diff_find_options()
        git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION))
        find.flags = GIT_DIFF_FIND_RENAMES.rawValue | GIT_DIFF_FIND_FOR_UNTRACKED.rawValue
        try LibGit2.check(git_diff_find_similar(diff, &find), "cannot detect renames")

        var result: [(from: String, to: String)] = []
        for i in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, i), delta.pointee.status == GIT_DELTA_RENAMED else { continue }
            result.append((String(cString: delta.pointee.old_file.path), String(cString: delta.pointee.new_file.path)))
        }
        return result
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
}

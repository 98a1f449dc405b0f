import CGit2
import Foundation

/// A git repository opened through libgit2. Owns its handle and frees it; not Sendable, as
/// libgit2 handles must stay on the thread that uses them. Hand out only Sendable values.
public final class Repository {
    let handle: OpaquePointer

    /// Opens the repository that contains `path` (searching upwards, as git does).
    public init(discoveringFrom path: String) throws(GitError) {
        LibGit2.ensure()
        var repository: OpaquePointer?
        let code = git_repository_open_ext(&repository, path, 0, nil)
        if code == GIT_ENOTFOUND.rawValue {
            throw GitError(message: "not inside a git repository (\(path))", code: code)
        }
        try LibGit2.check(code, "cannot open the git repository at \(path)")
        handle = repository!
    }

    /// An index file to read instead of the repository's: git's GIT_INDEX_FILE, which the caller
    /// passes on (relative to the process's working directory, as git reads it). `git commit -a`
    /// and `git commit PATH` stage into a temporary index and run the pre-commit hook with
    /// GIT_INDEX_FILE pointing at it: `.git/index` then does not hold what is being committed.
    public var indexFile: String?

    /// The index (the caller frees it): `indexFile` when set, else the repository's.
    func openIndex() throws(GitError) -> OpaquePointer {
        var index: OpaquePointer?
        if let file = indexFile, !file.isEmpty {
            let path = URL(fileURLWithPath: file).standardizedFileURL.path
            try LibGit2.check(git_index_open(&index, path), "cannot read the index \(file) (GIT_INDEX_FILE)")
        } else {
            try LibGit2.check(git_repository_index(&index, handle), "cannot read the index")
        }
        return index!
    }

    deinit { git_repository_free(handle) }

    /// The working directory (with a trailing `/`), or nil for a bare repository.
    public var workdir: String? { git_repository_workdir(handle).map { String(cString: $0) } }

    /// The `.git` folder (with a trailing `/`).
    public var gitDirectory: String { String(cString: git_repository_path(handle)) }

    /// The folder shared by all worktrees (with a trailing `/`): `.git/` itself, also from a
    /// linked worktree whose `gitDirectory` is `.git/worktrees/NAME/`. Hooks live here.
    public var commonDirectory: String { String(cString: git_repository_commondir(handle)) }

    public var isShallow: Bool { git_repository_is_shallow(handle) == 1 }

    /// HEAD's commit, or nil in a repository with no commit yet.
    public func headCommit() throws(GitError) -> ObjectID? {
        if git_repository_head_unborn(handle) == 1 { return nil }
        return try resolveCommit("HEAD")
    }

    /// The short name of the branch HEAD is on (`feature`), nil when HEAD is detached or unborn.
    public func currentBranch() -> String? {
        var reference: OpaquePointer?
        guard git_repository_head(&reference, handle) == 0, let reference else { return nil }
        defer { git_reference_free(reference) }
        guard git_reference_is_branch(reference) == 1, let name = git_reference_shorthand(reference) else { return nil }
        return String(cString: name)
    }

    /// Where a symbolic reference points, short (`origin/HEAD` → `origin/main`); the name itself
    /// when it is not symbolic; nil when there is no such reference.
    public func symbolicTarget(_ name: String) -> String? {
        var reference: OpaquePointer?
        guard git_reference_dwim(&reference, handle, name) == 0, let reference else { return nil }
        defer { git_reference_free(reference) }
        var resolved: OpaquePointer?
        guard git_reference_resolve(&resolved, reference) == 0, let resolved else { return name }
        defer { git_reference_free(resolved) }
        return git_reference_shorthand(resolved).map { String(cString: $0) } ?? name
    }

    /// The commit a revision names (`main`, `origin/main`, `HEAD~2`, a sha), or nil when it names
    /// nothing.
    public func resolveCommit(_ revision: String) throws(GitError) -> ObjectID? {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, handle, revision)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EAMBIGUOUS.rawValue || code == GIT_EINVALIDSPEC.rawValue {
            return nil
        }
        try LibGit2.check(code, "cannot resolve '\(revision)'")
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        let peeled = git_object_peel(&commit, object, GIT_OBJECT_COMMIT)
        if peeled == GIT_ENOTFOUND.rawValue || peeled == GIT_EINVALIDSPEC.rawValue || peeled == GIT_EPEEL.rawValue { return nil }
        try LibGit2.check(peeled, "'\(revision)' is not a commit")
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit).pointee)
    }

    /// The best common ancestor of two commits, or nil when they share none.
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws(GitError) -> ObjectID? {
        var out = git_oid()
        var one = a.raw, two = b.raw
        let code = git_merge_base(&out, handle, &one, &two)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try LibGit2.check(code, "cannot find the merge base of \(a.short) and \(b.short)")
        return ObjectID(out)
    }

    /// A configuration value (`core.hooksPath`), or nil when unset.
    public func configValue(_ name: String) throws(GitError) -> String? {
        var config: OpaquePointer?
        try LibGit2.check(git_repository_config_snapshot(&config, handle), "cannot read the git configuration")
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        let code = git_config_get_string(&value, config, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try LibGit2.check(code, "cannot read \(name)")
        return value.map { String(cString: $0) }
    }
}

import ArgumentParser
import Foundation
import StrataCore
import StrataGit

struct Hooks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Install Strata's git hooks.",
        discussion: """
        Examples:
          strata hooks install
        """,
        subcommands: [Install.self])

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install",
            abstract: "Install the pre-commit hook (strata check --staged) into .git/hooks or core.hooksPath.",
            discussion: """
            A different pre-commit hook already there is kept unless --force.

            Examples:
              strata hooks install
              strata hooks install --force
            """)

        @Flag(name: .long, help: "Replace a different existing pre-commit hook.")
        var force = false

        func run() throws {
            let cwd = FileManager.default.currentDirectoryPath
            let folder = try { () throws(GitError) -> String in
                let repository = try Repository(discoveringFrom: cwd)
                if let value = try repository.configValue("core.hooksPath") {
                    let configured = Self.expandingTilde(value)
                    let base = repository.workdir ?? repository.gitDirectory
                    return configured.hasPrefix("/") ? configured : base + configured
                }
                // The common folder: a linked worktree's own git folder holds no hooks git runs.
                return repository.commonDirectory + "hooks"
            }()
            let path = (folder as NSString).appendingPathComponent("pre-commit")
            let fm = FileManager.default
            if let existing = fm.contents(atPath: path) {
                if existing == Data(PreCommitHook.script.utf8) {
                    print("the Strata pre-commit hook is already installed at \(path)")
                    return
                }
                if !force {
                    throw CommandFailure("\(path) already exists and is not Strata's hook; keep it, or replace it with --force", .refused)
                }
            }
            do {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try Data(PreCommitHook.script.utf8).write(to: URL(fileURLWithPath: path))
                try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            } catch {
                throw CommandFailure("cannot write \(path): \(error.localizedDescription)")
            }
            print("installed \(path)")
        }

        /// `~/x` → `$HOME/x` and `~user/x` → that user's home, as git expands paths in its
        /// configuration.
        static func expandingTilde(_ path: String) -> String {
            guard path.hasPrefix("~") else { return path }
            if path == "~" || path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
                return home + path.dropFirst()
            }
            return (path as NSString).expandingTildeInPath
        }
    }
}

/// The hook `strata hooks install` writes; `hooks/pre-commit` in the repository is the same
/// text (a test keeps them equal).
enum PreCommitHook {
    static let script = """
        #!/bin/sh
        # Strata pre-commit hook: lints the staged migrations and checks them against git history
        # (edited, deleted, renamed or out-of-order migrations) before each commit.
        # Installed by `strata hooks install`. Skip it once with `git commit --no-verify`.
        if ! command -v strata >/dev/null 2>&1; then
            echo "strata pre-commit: strata is not on PATH (install it, or skip once with git commit --no-verify)" >&2
            exit 1
        fi
        exec strata check --staged

        """
}

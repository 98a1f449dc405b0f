import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed `git` command in a fixture (its output says why).
struct GitCommandError: Error, CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var output: String
    var description: String { "git \(arguments.joined(separator: " ")) exited \(status): \(output)" }
}

/// A git repository built in a temporary `Project` folder by running the real `git` CLI, for
/// end-to-end runs of `strata check` and `strata hooks`. Global and system git configuration is
/// ignored and the identity is fixed, so fixtures do not depend on the machine.
final class GitFixture {
    let project: Project
    var root: URL { project.root }

    /// `git init -b branch` in a new project folder (nil: no `git init`, for a plain folder).
    init(branch: String? = "main") throws {
        project = try Project()
        if let branch { try git("init", "-q", "-b", branch) }
    }

    /// A fixture around an existing project folder (a clone).
    private init(project: Project) {
        self.project = project
    }

    /// The environment git runs with: no user or system configuration, a fixed identity.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("GIT_") { env[key] = nil }
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_AUTHOR_NAME"] = "t"
        env["GIT_AUTHOR_EMAIL"] = "t@t"
        env["GIT_COMMITTER_NAME"] = "t"
        env["GIT_COMMITTER_EMAIL"] = "t@t"
        env["GIT_TERMINAL_PROMPT"] = "0"
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// Runs `git args` in the repository and returns its outcome, whatever the exit status.
    func gitOutcome(_ args: [String], environment: [String: String] = [:]) throws -> CLI.Outcome {
        try Self.runGit(args, in: root, environment: environment)
    }

    /// Runs `git args` in the repository; throws when it fails; returns stdout without the last newline.
    @discardableResult
    func git(_ args: String...) throws -> String { try git(args) }

    @discardableResult
    func git(_ args: [String]) throws -> String {
        let outcome = try gitOutcome(args)
        guard outcome.status == 0 else { throw GitCommandError(arguments: args, status: outcome.status, output: outcome.stdout + outcome.stderr) }
        return outcome.stdout.hasSuffix("\n") ? String(outcome.stdout.dropLast()) : outcome.stdout
    }

    static func runGit(_ args: [String], in directory: URL, environment: [String: String] = [:]) throws -> CLI.Outcome {
        try run(URL(fileURLWithPath: "/usr/bin/env"), ["git"] + args, in: directory, environment: Self.environment(environment))
    }

    /// Runs the built `strata` as `CLI.run` does, but also without the GIT_* variables of
    /// the environment the tests run in (a GIT_INDEX_FILE or GIT_DIR inherited from an outer
    /// git command would point strata at another repository).
    static func runStrata(_ args: [String], in directory: URL, environment: [String: String] = [:]) throws -> CLI.Outcome {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("GIT_") || key == "DATABASE_URL" || key == "NO_COLOR" || key == "STRATA_RULE_DOCS_URL" { env[key] = nil }
        for (key, value) in environment { env[key] = value }
        return try run(CLI.binary, args, in: directory, environment: env)
    }

    private static func run(_ executable: URL, _ args: [String], in directory: URL, environment: [String: String]) throws -> CLI.Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = args
        process.currentDirectoryURL = directory
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                           stderr: String(decoding: stderr, as: UTF8.self))
    }

    // MARK: - Files

    func write(_ path: String, _ text: String) throws { try project.write(path, text) }

    func read(_ path: String) throws -> String { try project.read(path) }

    /// Writes a file whose path is given as raw bytes (a name that is not valid UTF-8).
    func write(rawPath: [UInt8], _ text: String) throws {
        let full = Array(root.path.utf8) + [UInt8(ascii: "/")] + rawPath + [0]
        let fd = full.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
        }
        guard fd >= 0 else { throw GitCommandError(arguments: ["open"], status: errno, output: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// Deletes a file from the working tree only (git does not know).
    func remove(_ path: String) throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent(path))
    }

    /// Moves a file in the working tree only (git does not know).
    func move(_ from: String, _ to: String) throws {
        try FileManager.default.moveItem(at: root.appendingPathComponent(from), to: root.appendingPathComponent(to))
    }

    // MARK: - git commands

    func add(_ paths: String...) throws { try git(["add", "--"] + paths) }

    func addAll() throws { try git("add", "-A") }

    /// Commits what is staged.
    func commit(_ message: String) throws { try git("commit", "-q", "--no-verify", "-m", message) }

    /// Stages everything and commits it.
    func commitAll(_ message: String) throws {
        try addAll()
        try commit(message)
    }

    /// `git checkout [-b] branch`.
    func checkout(_ branch: String, create: Bool = false) throws {
        try git(create ? ["checkout", "-q", "-b", branch] : ["checkout", "-q", branch])
    }

    func branch(_ name: String, at start: String? = nil) throws {
        try git(["branch", name] + (start.map { [$0] } ?? []))
    }

    func mv(_ from: String, _ to: String) throws { try git("mv", from, to) }

    func rm(_ path: String) throws { try git("rm", "-q", path) }

    /// The full id of a revision.
    func revParse(_ revision: String) throws -> String { try git("rev-parse", "--verify", revision + "^{commit}") }

    /// The first ten characters of the merge base's id, as strata's messages show it.
    func mergeBase(_ a: String, _ b: String) throws -> String { String(try git("merge-base", a, b).prefix(10)) }

    /// `git clone [--depth N] [--branch B] [--no-single-branch] file://root` into a new project folder.
    func clone(depth: Int? = nil, branch: String? = nil, noSingleBranch: Bool = false) throws -> GitFixture {
        let target = try Project()
        var args = ["clone", "-q"]
        if let depth { args += ["--depth", String(depth)] }
        if let branch { args += ["--branch", branch] }
        if noSingleBranch { args.append("--no-single-branch") }
        // A file:// URL, not a path: git ignores --depth for local paths.
        args += [root.absoluteString, "."]
        let outcome = try Self.runGit(args, in: target.root)
        guard outcome.status == 0 else { throw GitCommandError(arguments: args, status: outcome.status, output: outcome.stderr) }
        return GitFixture(project: target)
    }

    // MARK: - strata

    /// Runs the built `strata` in the repository's root.
    func strata(_ args: String..., environment: [String: String] = [:]) throws -> CLI.Outcome {
        try Self.runStrata(args, in: root, environment: environment)
    }

    /// Runs `strata check --format json ARGS` and decodes its diagnostics.
    func checkJSON(_ args: String...) throws -> (status: Int32, diagnostics: [Finding], stderr: String) {
        let outcome = try Self.runStrata(["check", "--format", "json"] + args, in: root)
        return (outcome.status, try Finding.decode(outcome.stdout), outcome.stderr)
    }
}

/// One diagnostic of `--format json`, compared whole in tests.
struct Finding: Equatable, CustomStringConvertible {
    var file: String
    var line: Int
    var column: Int
    var severity: String
    var rule: String
    var message: String

    init(_ file: String, _ line: Int, _ column: Int, _ severity: String, _ rule: String, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.rule = rule
        self.message = message
    }

    var description: String { "\(file):\(line):\(column): \(severity): \(message) [\(rule)]" }

    static func decode(_ json: String) throws -> [Finding] {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let diagnostics = object["diagnostics"] as? [[String: Any]] else {
            throw GitCommandError(arguments: ["decode"], status: 0, output: "not a report: \(json)")
        }
        return diagnostics.map {
            Finding($0["file"] as? String ?? "", $0["line"] as? Int ?? 0, $0["column"] as? Int ?? 0,
                    $0["severity"] as? String ?? "", $0["rule"] as? String ?? "", $0["message"] as? String ?? "")
        }
    }
}

extension Fixtures {
    /// A clean migration that creates table `name` (no lint findings).
    static func table(_ name: String) -> String {
        migration(up: "CREATE TABLE \(name) (id INTEGER PRIMARY KEY);", down: "DROP TABLE \(name);")
    }

    /// A migration with one lint error (line 9: DROP TABLE in a rollback-safe file).
    static func destructive(_ table: String) -> String {
        migration(up: "DROP TABLE \(table);", down: "SELECT 1;")
    }
}

extension GitFixture {
    /// `main` holds 0001_users and 0002_posts (applied), and a branch `feature` is checked out
    /// at the same commit.
    static func withAppliedMigrations(folder: String = "migrations") throws -> GitFixture {
        let repo = try GitFixture()
        try repo.write("\(folder)/0001_users.sql", Fixtures.table("users"))
        try repo.write("\(folder)/0002_posts.sql", Fixtures.table("posts"))
        try repo.commitAll("applied migrations")
        try repo.checkout("feature", create: true)
        return repo
    }

    /// Replaces `old` with `new` in a file of the working tree.
    func edit(_ path: String, replacing old: String, with new: String) throws {
        let text = try read(path)
        precondition(text.contains(old), "\(path) does not contain \(old)")
        try write(path, text.replacingOccurrences(of: old, with: new))
    }
}

import Foundation

/// Runs the built `strata` binary as a user would, in a folder of its own.
struct CLI {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary next to the test bundle (`swift build` puts both in the same folder).
    static let binary: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("strata")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/strata")
    }()

    /// Runs `strata args` in `directory`. The environment is cleared of what changes defaults
    /// (DATABASE_URL, NO_COLOR, STRATA_RULE_DOCS_URL) unless given in `environment`.
    @discardableResult
    static func run(_ args: [String], in directory: URL, environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = args
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        env["NO_COLOR"] = nil
        env["STRATA_RULE_DOCS_URL"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a large report cannot fill the pipe and stall the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A temporary project folder, removed when the test ends.
final class Project {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func write(_ path: String, _ text: String) throws {
        try write(path, Data(text.utf8))
    }

    func write(_ path: String, _ data: Data) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    func run(_ args: String..., environment: [String: String] = [:]) throws -> CLI.Outcome {
        try CLI.run(args, in: root, environment: environment)
    }
}

enum Fixtures {
    static func migration(name: String = "Example", up: String, down: String = "SELECT 1;",
                          rollbackSafe: Bool = true, dependencies: String = "[]") -> String {
        """
        -- @name: \(name)
        -- @description: A fixture
        -- @timestamp: 2024-05-01T12:00:00Z
        -- @rollbackSafe: \(rollbackSafe)
        -- @performanceImpact: low
        -- @dependencies: \(dependencies)

        -- UP MIGRATION
        \(up)

        -- DOWN MIGRATION
        \(down)

        """
    }
}

import Foundation
import StrataApply
import Testing

/// The databases the `up` / `status` / `deploy` tests run against: SQLite always, PostgreSQL
/// when `make test` started one (DATABASE_URL), and under CI, where its absence fails.
enum Backend: String, CustomStringConvertible, Sendable {
    case sqlite, postgres

    static let serverURL: String? = {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else { return nil }
        return url
    }()

    static var postgresRuns: Bool { serverURL != nil || ProcessInfo.processInfo.environment["CI"] != nil }
    static var all: [Backend] { postgresRuns ? [.sqlite, .postgres] : [.sqlite] }

    var description: String { rawValue }

    static func requireServerURL() throws -> String {
        try #require(serverURL, "no PostgreSQL: run the tests through `make test`, which starts one")
    }
}

/// A project folder with an empty database of its own: `data/app.db` (not created yet), or a
/// PostgreSQL database created for the test and dropped afterwards.
final class ApplyProject {
    let backend: Backend
    let project: Project
    let url: String
    private let databaseName: String?

    init(_ backend: Backend) throws {
        self.backend = backend
        project = try Project()
        switch backend {
        case .sqlite:
            url = "sqlite:" + project.root.appendingPathComponent("data/app.db").path
            databaseName = nil
        case .postgres:
            let name = "strata_c_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try DatabaseConnector.connect(DatabaseURL(try Backend.requireServerURL())).execute("CREATE DATABASE \(name)")
            var components = try #require(URLComponents(string: try Backend.requireServerURL()))
            components.path = "/" + name
            url = try #require(components.string)
            databaseName = String(name)
        }
    }

    deinit {
        if let databaseName, let server = Backend.serverURL {
            try? DatabaseConnector.connect(DatabaseURL(server)).execute("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
        }
    }

    var sqlitePath: String { project.root.appendingPathComponent("data/app.db").path }

    func write(_ path: String, _ text: String) throws { try project.write(path, text) }

    func remove(_ path: String) throws { try FileManager.default.removeItem(at: project.root.appendingPathComponent(path)) }

    /// `strata args --database URL`.
    func run(_ args: String...) throws -> CLI.Outcome { try CLI.run(args + ["--database", url], in: project.root) }

    /// `strata args` with the URL in DATABASE_URL.
    func runWithEnvironment(_ args: String...) throws -> CLI.Outcome {
        try CLI.run(args, in: project.root, environment: ["DATABASE_URL": url])
    }

    /// A process running `strata args --database URL`, started; its output goes to files.
    func start(_ args: [String]) throws -> RunningCLI { try RunningCLI(args + ["--database", url], in: project.root) }

    func connect() throws -> any Database { try DatabaseConnector.connect(DatabaseURL(url)) }

    func tableExists(_ table: String) throws -> Bool {
        if backend == .sqlite, !FileManager.default.fileExists(atPath: sqlitePath) { return false }
        let db = try connect()
        let sql = backend == .sqlite
            ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1"
            : "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
        return try db.query(sql, [.text(table)]).first?.first?.integer == 1
    }

    /// The values of a one-column query, as text.
    func column(_ sql: String) throws -> [String] {
        try connect().query(sql).map { row in
            switch row.first {
            case .integer(let i): "\(i)"
            case .text(let t): t
            default: "?"
            }
        }
    }

    /// `id status` of every tracking row, by id.
    func rows() throws -> [String] {
        guard try tableExists("__migrations__") else { return [] }
        return try column("SELECT id || ' ' || status FROM __migrations__ ORDER BY id")
    }
}

/// A `strata` process running in the background, its output in temporary files (so that any
/// number can run at once without pipes to drain).
final class RunningCLI {
    let process = Process()
    private let outURL: URL
    private let errURL: URL

    init(_ args: [String], in directory: URL) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("strata-run-\(UUID().uuidString)")
        outURL = base.appendingPathExtension("out")
        errURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = CLI.binary
        process.arguments = args
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }

    /// What the process has written to standard output so far.
    var stdoutSoFar: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func wait() -> CLI.Outcome {
        process.waitUntilExit()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return CLI.Outcome(status: process.terminationStatus, stdout: out, stderr: err)
    }
}

/// Polls `condition` every 20 ms for up to `seconds`; whether it came true.
func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

extension ApplyProject {
    /// `0001_fast`, then `0002_long`, which runs outside a transaction and never ends (it
    /// sleeps or counts forever after a first INSERT): `up` started on them and SIGKILLed once
    /// the long statement runs (each statement commits on its own, so the INSERT tells). The
    /// run's claim on 0002_long stays behind. Returns the killed run.
    func upKilledInsideALongMigrationOutsideATransaction() throws -> RunningCLI {
        try write("migrations/0001_fast.sql", Fixtures.migration(up: "CREATE TABLE filler (x INT);", down: "DROP TABLE filler;"))
        let long = switch backend {
        case .postgres: "SELECT pg_sleep(30);"
        case .sqlite: "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c);"
        }
        try write("migrations/0002_long.sql", "-- @transaction: false\n" + Fixtures.migration(
            up: "CREATE TABLE made_by_long (x INT);\nINSERT INTO made_by_long VALUES (1);\n" + long, down: "DROP TABLE made_by_long;"))
        let run = try start(["up"])
        let started = try eventually(30) {
            guard try tableExists("made_by_long"), try column("SELECT count(*) FROM made_by_long") == ["1"] else { return false }
            return try backend == .sqlite || column(Self.sleepingLong + " AND state = 'active'") == ["1"]
        }
        try #require(started)
        #expect(run.process.isRunning)
        run.kill9()
        return run
    }

    /// PostgreSQL sessions sleeping in `0002_long` (`upKilledInsideALongMigrationOutsideATransaction`).
    static let sleepingLong = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep(30)%'"
}

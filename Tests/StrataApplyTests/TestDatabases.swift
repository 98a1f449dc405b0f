import Foundation
import StrataApply
import Testing

/// The PostgreSQL server `make test` starts (`scripts/pg-test-server.sh` exports DATABASE_URL).
/// Without one the PostgreSQL suites skip locally, but under CI (`CI` set) they run and fail:
/// a green CI must not hide a missing database.
enum TestPostgres {
    static let url: String? = {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else { return nil }
        return url
    }()

    static var runs: Bool { url != nil || ProcessInfo.processInfo.environment["CI"] != nil }

    /// The server's URL, or a recorded failure (under CI) when there is none.
    static func requireURL() throws -> String {
        try #require(url, "no PostgreSQL: run the tests through `make test`, which starts one")
    }

    static func connect() throws -> any Database {
        try DatabaseConnector.connect(DatabaseURL(try requireURL()))
    }

    /// A schema of its own for a test, dropped afterwards.
    static func withSchema<T>(_ body: (any Database, String) throws -> T) throws -> T {
        let db = try connect()
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        try db.execute("CREATE SCHEMA \(schema); SET search_path TO \(schema)")
        defer { try? db.execute("DROP SCHEMA \(schema) CASCADE") }
        return try body(db, String(schema))
    }

    /// The URL with its password replaced by `password`.
    static func url(withPassword password: String) throws -> String {
        let url = try requireURL()
        var components = try #require(URLComponents(string: url))
        components.password = password
        return try #require(components.string)
    }
}

/// A temporary folder for SQLite files.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-apply-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

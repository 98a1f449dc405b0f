import Foundation
import StrataApply
import StrataCore
import Testing

/// The databases the applier tests run against: SQLite always, PostgreSQL when `make test`
/// started one (and under CI, where its absence fails).
enum Backend: String, CustomStringConvertible, Sendable {
    case sqlite, postgres

    static var all: [Backend] { TestPostgres.runs ? [.sqlite, .postgres] : [.sqlite] }

    var description: String { rawValue }
}

/// An empty database of a test's own: an SQLite file in a temporary folder (not created yet),
/// or a PostgreSQL database created for the test and dropped afterwards.
final class ScratchDatabase {
    let backend: Backend
    let url: String
    let folder: TemporaryFolder
    private let databaseName: String?

    init(_ backend: Backend) throws {
        self.backend = backend
        folder = try TemporaryFolder()
        switch backend {
        case .sqlite:
            url = "sqlite:" + folder.path("app.db")
            databaseName = nil
        case .postgres:
            let name = "strata_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try TestPostgres.connect().execute("CREATE DATABASE \(name)")
            var components = try #require(URLComponents(string: try TestPostgres.requireURL()))
            components.path = "/" + name
            url = try #require(components.string)
            databaseName = String(name)
        }
    }

    deinit {
        if let databaseName { try? TestPostgres.connect().execute("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)") }
    }

    func connect() throws -> any Database { try DatabaseConnector.connect(DatabaseURL(url)) }

    /// A fresh connection and an applier over `inputs`.
    func applier(_ inputs: [MigrationInput]) throws -> Applier {
        let db = try connect()
        return try Applier(database: db, catalog: MigrationCatalog(inputs, dialect: db.dialect))
    }

    /// Whether a table exists (in the current schema).
    func tableExists(_ table: String, on db: any Database) throws -> Bool {
        let sql = backend == .sqlite
            ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1"
            : "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
        return try db.query(sql, [.text(table)]).first?.first?.integer == 1
    }

    /// `id, status` of every tracking row, by id.
    func rows(on db: any Database) throws -> [[String]] {
        guard try tableExists("__migrations__", on: db) else { return [] }
        return try db.query("SELECT id, status FROM __migrations__ ORDER BY id").map { $0.map { $0.text ?? "?" } }
    }
}

/// A migration file's bytes: a header, then UP and DOWN sections.
func migration(_ id: String, name: String? = nil, header: String = "", up: String, down: String = "SELECT 1;") -> MigrationInput {
    let text = """
        -- @name: \(name ?? id)
        \(header)
        -- UP MIGRATION
        \(up)

        -- DOWN MIGRATION
        \(down)

        """
    return MigrationInput(id: id, path: "migrations/\(id).sql", bytes: Array(text.utf8))
}

extension Result {
    var success: Success? { if case .success(let s) = self { s } else { nil } }
    var failure: Failure? { if case .failure(let f) = self { f } else { nil } }
}

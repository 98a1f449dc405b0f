import Foundation
import StrataSyntax

/// An empty database of `strata verify`'s own, created for the run and always dropped: an
/// SQLite file in a temporary folder, or on a PostgreSQL server a database (when the role may
/// CREATE DATABASE) or else a schema. The real database's data is never touched: its URL only
/// says which server and dialect to use.
public final class VerifyScratch {
    public enum Kind: Equatable, Sendable {
        case sqliteFile
        case postgresDatabase
        /// A schema in the real database, reached through `search_path` alone: only
        /// migrations that name no other schema and change nothing database-wide may run there
        /// (`VerifyScratchGuard`).
        case postgresSchema
    }

    public let kind: Kind
    /// The connection migrations run on.
    public private(set) var database: any Database
    /// The schema snapshots read (the scratch schema), or nil for every user schema.
    public var snapshotSchema: String? { kind == .postgresSchema ? name : nil }
    /// What to tell the user: `a temporary SQLite database`, `scratch database
    /// strata_verify_1a2b3c on postgresql://app:***@db/app`.
    public var description: String {
        switch kind {
        case .sqliteFile: "a temporary SQLite database"
        case .postgresDatabase: "scratch database \(name) on \(server?.redacted ?? "")"
        case .postgresSchema: "scratch schema \(name) in \(server?.redacted ?? "")"
        }
    }

    /// The SQLite folder, or the PostgreSQL server's URL and a connection to the real database
    /// that creates and drops the scratch.
    private let folder: URL?
    private let server: DatabaseURL?
    private let admin: (any Database)?
    private var name: String
    private var generation = 0
    private var dropped = false
    /// `drop` may come from a signal handler's thread while `reset` runs: one at a time.
    private let lock = NSLock()

    /// Creates a scratch for `url`'s dialect: on the same PostgreSQL server, or a temporary
    /// SQLite file whatever the SQLite URL names.
    public static func create(for url: DatabaseURL) throws(ApplyError) -> VerifyScratch {
        switch url.target {
        case .sqlite: return try VerifyScratch(sqliteIn: FileManager.default.temporaryDirectory)
        case .postgres: return try VerifyScratch(postgresServer: url)
        }
    }

    private init(sqliteIn temporary: URL) throws(ApplyError) {
        let folder = temporary.appendingPathComponent("strata-verify-\(UUID().uuidString.lowercased())")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ApplyError(.connection, "cannot create a temporary folder for the scratch database: \(error.localizedDescription)")
        }
        self.folder = folder
        kind = .sqliteFile
        name = "scratch-0.db"
        server = nil
        admin = nil
        do {
            database = try SQLiteDatabase(path: folder.appendingPathComponent(name).path)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
    }

    private init(postgresServer url: DatabaseURL) throws(ApplyError) {
        let admin = try DatabaseConnector.connect(url)
        let name = Self.randomName()
        (kind, database) = try Self.createPostgres(name, admin: admin, url: url)
        if kind == .postgresSchema { scratchSession = (try? database.query("SELECT pg_backend_pid()").first?.first?.integer) ?? 0 }
        self.admin = admin
        self.name = name
        server = url
        folder = nil
    }

    /// A scratch database, else (no CREATEDB) a scratch schema; whatever was made is dropped
    /// again when a later step fails.
    private static func createPostgres(_ name: String, admin: any Database, url: DatabaseURL) throws(ApplyError) -> (Kind, any Database) {
        do {
            try admin.execute("CREATE DATABASE \(name)")
        } catch where error.code == "42501" {
            do {
                try admin.execute("CREATE SCHEMA \(name)")
            } catch {
                throw ApplyError(.connection, "cannot create a scratch database or schema on \(url.redacted) (the role needs CREATEDB, or CREATE on the database): \(error.message)")
            }
            do {
                let database = try connect(to: nil, on: url)
                try database.execute("SET search_path TO \(name)")
                return (.postgresSchema, database)
            } catch {
                try? admin.execute("DROP SCHEMA IF EXISTS \(name) CASCADE")
                throw error
            }
        }
        do {
            return (.postgresDatabase, try connect(to: name, on: url))
        } catch {
            try? admin.execute("DROP DATABASE IF EXISTS \(name)")
            throw error
        }
    }

    deinit { drop() }

    /// An empty scratch again, for a run whose state can no longer be trusted.
    public func reset() throws(ApplyError) {
        lock.lock()
        defer { lock.unlock() }
        guard !dropped else { throw ApplyError(.connection, "the scratch database was dropped") }
        switch kind {
        case .sqliteFile:
            let old = name
            generation += 1
            name = "scratch-\(generation).db"
            database = try SQLiteDatabase(path: folder!.appendingPathComponent(name).path)
            removeSQLiteFiles(old)
        case .postgresDatabase:
            let old = name
            name = Self.randomName()
            try admin!.execute("CREATE DATABASE \(name)")
            database = try Self.connect(to: name, on: server!)
            dropDatabase(old)
        case .postgresSchema:
            try? database.execute("ROLLBACK")
            try admin!.execute("DROP SCHEMA IF EXISTS \(name) CASCADE; CREATE SCHEMA \(name)")
            try database.execute("SET search_path TO \(name)")
        }
    }

    /// Drops the scratch (also when a step failed, or from a signal handler while a statement
    /// runs); a second call does nothing.
    public func drop() {
        lock.lock()
        defer { lock.unlock() }
        guard !dropped else { return }
        dropped = true
        switch kind {
        case .sqliteFile:
            if let folder { try? FileManager.default.removeItem(at: folder) }
        case .postgresDatabase:
            dropDatabase(name)
        case .postgresSchema:
            // Through the real database's other connection: the scratch's may be mid-statement.
            // The lock on the schema waits for that statement's transaction; end its session.
            _ = try? admin!.query("SELECT pg_terminate_backend(\(scratchSession)) WHERE \(scratchSession) <> 0")
            try? admin!.execute("DROP SCHEMA IF EXISTS \(name) CASCADE")
        }
    }

    /// Drops a scratch database, ending its sessions first (`WITH (FORCE)` only exists from
    /// PostgreSQL 13).
    private func dropDatabase(_ database: String) {
        _ = try? admin!.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                          [.text(database)])
        try? admin!.execute("DROP DATABASE IF EXISTS \(database)")
    }

    /// The server process of the scratch connection (schema mode), read when it was opened:
    /// `drop` may run while that connection is busy.
    private var scratchSession: Int64 = 0

    private func removeSQLiteFiles(_ file: String) {
        guard let folder else { return }
        for suffix in ["", "-journal", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(file + suffix))
        }
    }

    /// `strata_verify_` and 12 hex digits: a name no one else uses, that says who made it.
    private static func randomName() -> String {
        "strata_verify_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
    }

    /// A connection to database `name` on the server of `url` (nil: the URL's own database).
    private static func connect(to name: String?, on url: DatabaseURL) throws(ApplyError) -> any Database {
        guard let name, case .postgres(let connection) = url.target else { return try DatabaseConnector.connect(url) }
        guard var components = URLComponents(string: connection) else {
            throw ApplyError(.invalidURL, "malformed database URL \(url.redacted)")
        }
        components.path = "/" + name
        // A `dbname` parameter would win over the path.
        components.queryItems = components.queryItems?.filter { $0.name != "dbname" }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        guard let string = components.string else { throw ApplyError(.invalidURL, "malformed database URL \(url.redacted)") }
        return try DatabaseConnector.connect(try DatabaseURL(string))
    }
}

import Foundation
import StrataSyntax

/// A value bound to, or read from, a statement.
public enum DatabaseValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    public var text: String? { if case .text(let s) = self { s } else { nil } }
    public var integer: Int64? { if case .integer(let i) = self { i } else { nil } }
}

/// SQL text the database runs as one piece: one statement, or a block of several that a tool
/// sends together (a goose `StatementBegin` … `StatementEnd`), with how many it holds.
public struct SQLUnit: Sendable, Equatable {
    public var sql: String
    public var statements: Int

    public init(_ sql: String, statements: Int = 1) {
        self.sql = sql
        self.statements = max(1, statements)
    }
}

/// Where `Database.execute(units:)` stopped.
public struct ExecutionFailure: Error, Sendable, Equatable {
    /// The unit that failed, by index.
    public var unit: Int
    /// Which statement of that unit failed (0: its first), as the database counted them.
    public var statement: Int
    /// Where in that unit's SQL (a UTF-8 offset) the database placed the error, when it said
    /// (PostgreSQL's error position): a better guide than the count when a block holds text the
    /// database and Strata cut into statements differently.
    public var offset: Int?
    public var error: ApplyError

    public init(unit: Int, statement: Int = 0, offset: Int? = nil, error: ApplyError) {
        self.unit = unit
        self.statement = statement
        self.offset = offset
        self.error = error
    }
}

/// One connection to a database. Not Sendable: a connection belongs to the thread that opened
/// it (SQLite and libpq handles must not be shared); put one behind an actor to share it.
///
/// Every value goes through `query`'s parameters, never into SQL text: ids and names in
/// migrations are data to the applier.
public protocol Database: AnyObject {
    var dialect: Dialect { get }
    /// The server's version (`15.18`, `3.40.1`).
    var serverVersion: String { get }
    /// Runs SQL text as it is (one or several statements, no parameters): migration SQL, DDL.
    func execute(_ sql: String) throws(ApplyError)
    /// Runs one statement with bound parameters, written as `placeholder(1)`, `placeholder(2)`...
    /// and returns its rows, each a list of values in column order.
    @discardableResult
    func query(_ sql: String, _ parameters: [DatabaseValue]) throws(ApplyError) -> [[DatabaseValue]]
    /// The parameter marker for position `n` (1-based): `?1` (SQLite), `$1` (PostgreSQL).
    func placeholder(_ n: Int) -> String
    /// Runs units in order, stopping at the first statement that fails: which unit, which of
    /// its statements and the error, or nil when all ran. Several units only inside the
    /// caller's transaction (a driver may send them together); a single one may run outside
    /// one, sent as one piece of text as its tool sends it.
    func execute(units: [SQLUnit]) -> ExecutionFailure?
    /// A number that changes whenever anything is committed to the database (by this
    /// connection or another), read without a query; nil when the driver has none. The applier
    /// keeps the tracking rows it read while this stays the same.
    func dataVersion() -> UInt32?
}

extension Database {
    public func dataVersion() -> UInt32? { nil }

    /// Statements of one statement each, run as `execute(units:)` runs them.
    public func execute(statements: [String]) -> ExecutionFailure? {
        execute(units: statements.map { SQLUnit($0) })
    }

    @discardableResult
    public func query(_ sql: String) throws(ApplyError) -> [[DatabaseValue]] { try query(sql, []) }
}

public enum DatabaseConnector {
    /// Opens a connection. With `wait`, retries a refused or unreachable server until it
    /// answers or the time is up (for deploy steps that start with the database).
    /// `readOnly` (status, dry runs) writes nothing, and does not create an SQLite file.
    /// `applicationName` names a PostgreSQL session (`strata up alice@ci-4`).
    public static func connect(_ url: DatabaseURL, wait: Duration? = nil, readOnly: Bool = false,
                               applicationName: String? = nil) throws(ApplyError) -> any Database {
        let deadline = wait.map { ContinuousClock.now + $0 }
        while true {
            do {
                switch url.target {
                case .sqlite(let path): return try SQLiteDatabase(path: path, readOnly: readOnly)
                case .postgres: return try PostgresDatabase(url: url, applicationName: applicationName)
                }
            } catch where error.kind == .connection {
                guard let deadline, ContinuousClock.now < deadline, isRetryable(error) else { throw error }
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
    }

    /// A server that is not up yet; wrong credentials or a missing database are final.
    static func isRetryable(_ error: ApplyError) -> Bool {
        let message = error.message.lowercased()
        return message.contains("connection refused") || message.contains("could not connect")
            || message.contains("the database system is starting up") || message.contains("no such file or directory")
            || message.contains("timeout") || message.contains("could not translate host name")
    }
}

extension Database {
    /// The server's major version on PostgreSQL (`15` of `15.4`), which the catalog reads to
    /// know what runs in a transaction; nil on SQLite.
    public var postgresMajor: Int? {
        dialect == .postgresql ? Int(serverVersion.prefix { $0 != "." }) : nil
    }
}

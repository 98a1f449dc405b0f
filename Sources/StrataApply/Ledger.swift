import Foundation
import StrataSyntax

/// One row of `__migrations__`.
public struct LedgerEntry: Sendable, Equatable {
    public enum Status: String, Sendable {
        case applied
        /// A non-transactional migration that stopped midway; `strata repair` resolves it.
        case failed
    }

    public var id: String
    public var name: String
    public var checksum: String
    public var downChecksum: String?
    /// ISO-8601, UTC, with milliseconds.
    public var appliedAt: String
    public var executionMilliseconds: Int64
    public var appliedBy: String
    public var status: Status
    /// For a failed migration: the statement that failed and the database's message.
    public var failedStatement: String?
    public var error: String?
    /// The process id of the run that wrote the row (on the host named in `appliedBy`); nil in
    /// rows written before layout 2.
    public var pid: Int64?
}

/// The tracking tables: `__migrations__` (what is applied), `__migration_rollbacks__` (what was
/// undone), `__migration_events__` (every failure, rollback and repair, and every apply no
/// tracking row shows any more, for `history`),
/// plus `__strata_schema__`, whose version lets later releases change the tables in
/// place. Every reference names the schema they live in, so a migration's `SET search_path`
/// cannot send a row elsewhere. All values are bound parameters.
public struct Ledger {
    public static let table = "__migrations__"
    public static let rollbacks = "__migration_rollbacks__"
    public static let schemaTable = "__strata_schema__"
    /// The tables' layout version this release writes (`Ledger+Layout.swift`).
    public static let version: Int64 = 5

    let database: any Database
    /// The schema holding the tables: `main` on SQLite; on PostgreSQL the current schema when
    /// the applier connected (`Applier.init`).
    public let schema: String
    /// `"schema"."__migrations__"` and the others, quoted.
    let migrationsTable: String, rollbacksTable: String, layoutTable: String, eventsTable: String
    /// The INSERTs of a tracking row and of an event, written once: a run inserts one of each
    /// per migration, and the database's statement cache finds them by their text.
    let insertRowSQL: String, insertEventSQL: String

    public init(_ database: any Database, schema: String) {
        self.database = database
        self.schema = schema
        migrationsTable = Self.qualified(schema, Self.table)
        rollbacksTable = Self.qualified(schema, Self.rollbacks)
        layoutTable = Self.qualified(schema, Self.schemaTable)
        eventsTable = Self.qualified(schema, Self.events)
        let parameters = (1...11).map(database.placeholder).joined(separator: ", ")
        insertRowSQL = "INSERT INTO \(migrationsTable) (\(Self.rowColumns)) VALUES (\(parameters))"
        insertEventSQL = "INSERT INTO \(eventsTable) (\(Self.eventColumns)) VALUES (\(parameters))"
    }

    /// The columns `insertRowSQL` writes, in `values`' order.
    static let rowColumns = "id, name, checksum, down_checksum, applied_at, execution_ms, applied_by, status, failed_statement, error, pid"

    /// `"schema"."name"`, each part quoted as an identifier.
    static func qualified(_ schema: String, _ name: String) -> String { "\(quoted(schema)).\(quoted(name))" }

    static func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The columns a row is read from, in `decode`'s order, as `layout` has them.
    static func columns(_ layout: Int64 = version) -> String {
        "id, name, checksum, down_checksum, applied_at, execution_ms, applied_by, status, failed_statement, error, "
            + (layout >= 2 ? "pid" : "NULL")
    }

    /// Every row, in the order applied. Read as the tables are, whatever earlier layout they
    /// have (status and plans never write, so they do not upgrade them).
    public func entries() throws(ApplyError) -> [LedgerEntry] {
        guard let layout = try layout() else { return [] }
        return Self.decode(try database.query("SELECT \(Self.columns(layout)) FROM \(migrationsTable) ORDER BY applied_at, id"))
    }

    static func decode(_ rows: [[DatabaseValue]]) -> [LedgerEntry] {
        rows.map { row in
            LedgerEntry(id: row[0].text ?? "", name: row[1].text ?? "", checksum: row[2].text ?? "",
                        downChecksum: row[3].text, appliedAt: row[4].text ?? "", executionMilliseconds: Self.integer(row[5]),
                        appliedBy: row[6].text ?? "", status: LedgerEntry.Status(rawValue: row[7].text ?? "") ?? .failed,
                        failedStatement: row[8].text, error: row[9].text, pid: row[10].integer)
        }
    }

    /// The row of one migration, read inside the lock to decide whether it still has to run
    /// (the tables exist by then: `ensure` ran).
    public func entry(_ id: String) throws(ApplyError) -> LedgerEntry? {
        Self.decode(try database.query("SELECT \(Self.columns()) FROM \(migrationsTable) WHERE id = \(database.placeholder(1))", [.text(id)])).first
    }

    public func record(_ entry: LedgerEntry) throws(ApplyError) {
        try database.query(insertRowSQL, Self.values(entry))
    }

    /// A row's values, in `insertRowSQL`'s order.
    private static func values(_ entry: LedgerEntry) -> [DatabaseValue] {
        [.text(entry.id), .text(entry.name), .text(entry.checksum), entry.downChecksum.map(DatabaseValue.text) ?? .null,
         .text(entry.appliedAt), .integer(entry.executionMilliseconds), .text(entry.appliedBy),
         .text(entry.status.rawValue), entry.failedStatement.map(DatabaseValue.text) ?? .null,
         entry.error.map(DatabaseValue.text) ?? .null, entry.pid.map(DatabaseValue.integer) ?? .null]
    }

    /// Rows per INSERT when many go in together: 90 rows of 11 values stay under the 999
    /// parameters SQLite allowed before 3.32 (PostgreSQL allows 65,535).
    static let rowsPerInsert = 90

    /// Inserts many rows: `up --single-transaction` writes its rows together at the end, up to
    /// `rowsPerInsert` in one statement (a thousand single-row INSERTs were a thousand round
    /// trips to a PostgreSQL server).
    public func record(_ entries: [LedgerEntry]) throws(ApplyError) {
        var start = entries.startIndex
        while start < entries.endIndex {
            let chunk = entries[start..<min(entries.endIndex, start + Self.rowsPerInsert)]
            start = chunk.endIndex
            let p = database.placeholder
            let rows = (0..<chunk.count).map { r in "(" + (1...11).map { p(r * 11 + $0) }.joined(separator: ", ") + ")" }
            try database.query("INSERT INTO \(migrationsTable) (\(Self.rowColumns)) VALUES " + rows.joined(separator: ", "),
                               chunk.flatMap(Self.values))
        }
    }

    /// Rewrites the row of `entry.id` (a claim, with its outcome) in one statement, so that the
    /// row is never missing in between. An applied row's apply is written to the events
    /// first (`keepAppliedEvent`).
    public func update(_ entry: LedgerEntry) throws(ApplyError) {
        try keepAppliedEvent(of: entry.id)
        let p = database.placeholder
        try database.query("""
            UPDATE \(migrationsTable) SET name = \(p(2)), checksum = \(p(3)), down_checksum = \(p(4)), applied_at = \(p(5)),
              execution_ms = \(p(6)), applied_by = \(p(7)), status = \(p(8)), failed_statement = \(p(9)), error = \(p(10)), pid = \(p(11))
            WHERE id = \(p(1))
            """, [.text(entry.id), .text(entry.name), .text(entry.checksum), entry.downChecksum.map(DatabaseValue.text) ?? .null,
                  .text(entry.appliedAt), .integer(entry.executionMilliseconds), .text(entry.appliedBy),
                  .text(entry.status.rawValue), entry.failedStatement.map(DatabaseValue.text) ?? .null,
                  entry.error.map(DatabaseValue.text) ?? .null, entry.pid.map(DatabaseValue.integer) ?? .null])
    }

    /// Deletes the row of `id`, its apply written to the events first (`keepAppliedEvent`).
    public func remove(_ id: String) throws(ApplyError) {
        try keepAppliedEvent(of: id)
        try database.query("DELETE FROM \(migrationsTable) WHERE id = \(database.placeholder(1))", [.text(id)])
    }

    public func markApplied(_ id: String) throws(ApplyError) {
        try database.query("UPDATE \(migrationsTable) SET status = 'applied', failed_statement = NULL, error = NULL WHERE id = \(database.placeholder(1))",
                           [.text(id)])
    }

    /// Marks a row applied with the checksums of its file as it is now.
    public func markApplied(_ id: String, checksum: String, downChecksum: String?) throws(ApplyError) {
        let p = database.placeholder
        try database.query("""
            UPDATE \(migrationsTable) SET status = 'applied', failed_statement = NULL, error = NULL, checksum = \(p(2)), down_checksum = \(p(3))
            WHERE id = \(p(1))
            """, [.text(id), .text(checksum), downChecksum.map(DatabaseValue.text) ?? .null])
    }

    static func integer(_ value: DatabaseValue) -> Int64 {
        switch value {
        case .integer(let i): i
        case .text(let t): Int64(t) ?? 0
        case .double(let d): Int64(d)
        default: 0
        }
    }

    /// Now, as ISO-8601 UTC with milliseconds (sorts as text, on both databases).
    public static func timestamp(_ date: Date = Date()) -> String {
        // By hand, into 24 bytes: a formatter per row cost more than the row's insert, and
        // string padding per field still showed in a profile of a thousand-migration run.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var at = 0
            func put(_ value: Int, _ width: Int, then separator: UInt8) {
                var rest = value
                for i in stride(from: at + width - 1, through: at, by: -1) {
                    buffer[i] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                buffer[at + width] = separator
                at += width + 1
            }
            put(Int(parts.tm_year) + 1900, 4, then: UInt8(ascii: "-"))
            put(Int(parts.tm_mon) + 1, 2, then: UInt8(ascii: "-"))
            put(Int(parts.tm_mday), 2, then: UInt8(ascii: "T"))
            put(Int(parts.tm_hour), 2, then: UInt8(ascii: ":"))
            put(Int(parts.tm_min), 2, then: UInt8(ascii: ":"))
            put(Int(parts.tm_sec), 2, then: UInt8(ascii: "."))
            put(Int(milliseconds % 1000), 3, then: UInt8(ascii: "Z"))
            return at
        }
    }

    /// This process's id, for `pid`.
    public static let pid = Int64(ProcessInfo.processInfo.processIdentifier)

    /// `user@host`, for applied_by.
    public static let actor: String = {
        let account = getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
        let user = ProcessInfo.processInfo.environment["USER"] ?? account ?? "unknown"
        return "\(user)@\(host)"
    }()

    /// This machine's name, as applied_by ends.
    public static let host = ProcessInfo.processInfo.hostName

    /// The host of an applied_by value (after its last `@`).
    static func host(of appliedBy: String) -> Substring {
        appliedBy.lastIndex(of: "@").map { appliedBy[appliedBy.index(after: $0)...] } ?? ""
    }
}

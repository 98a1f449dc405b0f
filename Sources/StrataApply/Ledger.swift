import Foundation
import StrataSyntax

/// One row of `__migrations__`: where a migration stands now.
public struct LedgerEntry: Sendable, Equatable {
    public enum Status: String, Sendable {
        case applied
        /// A non-transactional migration that stopped midway, or a claim on one running now
        /// (`Applier.isClaim`); `strata repair` resolves it.
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
    /// rows no run of Strata wrote (those `strata baseline` adopts).
    public var pid: Int64?
}

/// The tracking tables, as the tracking schema has them (`Ledger+TrackingSchema.swift`, which
/// describes the design): `__migrations__`, where each migration stands now, and
/// `__migration_events__`, everything that happened, written together by `record`. Every
/// reference names the schema they live in, so a migration's `SET search_path` cannot send a
/// row elsewhere. All values are bound parameters.
public struct Ledger {
    public static let table = "__migrations__"
    public static let events = "__migration_events__"
    /// A view of the rollbacks among the events, for people reading the database.
    public static let rollbacks = "__migration_rollbacks__"
    /// The table holding the tracking schema's version.
    public static let schemaTable = "__strata_schema__"

    let database: any Database
    /// The schema holding the tables: `main` on SQLite; on PostgreSQL the current schema when
    /// the applier connected (`Applier.init`).
    public let schema: String
    /// `"schema"."__migrations__"` and the others, quoted.
    let migrationsTable: String, eventsTable: String, rollbacksView: String, versionTable: String
    /// The statements a run sends once per migration, written once: the database's statement
    /// cache finds them by their text. `insertRowAndEventSQL`: both INSERTs as one PostgreSQL
    /// statement (nil on SQLite, which runs the two).
    let insertRowSQL: String, insertEventSQL: String, insertRowAndEventSQL: String?

    public init(_ database: any Database, schema: String) {
        self.database = database
        self.schema = schema
        migrationsTable = Self.qualified(schema, Self.table)
        eventsTable = Self.qualified(schema, Self.events)
        rollbacksView = Self.qualified(schema, Self.rollbacks)
        versionTable = Self.qualified(schema, Self.schemaTable)
        let parameters = Self.placeholders(database, count: 11)
        insertRowSQL = "INSERT INTO \(migrationsTable) (\(Self.rowColumns)) VALUES \(parameters)"
        insertEventSQL = "INSERT INTO \(eventsTable) (\(Self.eventColumns)) VALUES \(parameters)"
        insertRowAndEventSQL = database.dialect == .postgresql
            ? "WITH row AS (\(insertRowSQL)) INSERT INTO \(eventsTable) (\(Self.eventColumns)) VALUES \(Self.placeholders(database, count: 11, after: 11))"
            : nil
    }

    /// `(p1, p2, ...)`: `count` parameters numbered from `after + 1`.
    static func placeholders(_ database: any Database, count: Int, after: Int = 0) -> String {
        "(" + (after + 1...after + count).map(database.placeholder).joined(separator: ", ") + ")"
    }

    /// The columns of a row, in `values` and `decode` order.
    static let rowColumns = "id, name, checksum, down_checksum, applied_at, execution_ms, applied_by, status, failed_statement, error, pid"

    /// `"schema"."name"`, each part quoted as an identifier.
    static func qualified(_ schema: String, _ name: String) -> String { "\(quoted(schema)).\(quoted(name))" }

    static func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    // MARK: - Reading rows

    /// Every row, in the order applied; none before the tracking tables exist.
    public func entries() throws(ApplyError) -> [LedgerEntry] {
        guard try trackingSchema() != nil else { return [] }
        return Self.decode(try database.query("SELECT \(Self.rowColumns) FROM \(migrationsTable) ORDER BY applied_at, id"))
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
        Self.decode(try database.query("SELECT \(Self.rowColumns) FROM \(migrationsTable) WHERE id = \(database.placeholder(1))", [.text(id)])).first
    }

    // MARK: - Writing rows and events

    /// What an event does to its migration's row in `__migrations__`.
    enum RowChange {
        /// Nothing: a failure in a transaction, which rolled back with everything it did.
        case unchanged
        /// A new row: an apply, or a claim.
        case insert(LedgerEntry)
        /// The row of `id` rewritten whole: an outcome over its claim, a repair, a rollback's claim.
        case update(LedgerEntry)
        /// The row of this id deleted: a rollback, or a failed row removed by a repair.
        case delete(String)
    }

    /// The one writer of the tracking tables: appends `event` to `__migration_events__` and makes
    /// the change it brings to its migration's row, in the caller's transaction (on PostgreSQL
    /// in one statement, one round trip). `event` is nil only for a claim on a migration about
    /// to run, or be rolled back, outside a transaction: a claim is not something that
    /// happened, and its outcome, recorded over it, is an event.
    func record(_ change: RowChange, _ event: HistoryEvent?) throws(ApplyError) {
        switch (rowStatement(change), event) {
        case (nil, nil):
            return
        case (let row?, nil):
            try database.query(row.sql, row.values)
        case (nil, let event?):
            try database.query(insertEventSQL, values(event))
        case (let row?, let event?) where database.dialect == .postgresql:
            // A data-modifying WITH runs whether or not the statement reads what it returns.
            let sql = if case .insert = change, let insertRowAndEventSQL { insertRowAndEventSQL } else {
                "WITH row AS (\(row.sql)) INSERT INTO \(eventsTable) (\(Self.eventColumns)) VALUES \(Self.placeholders(database, count: 11, after: row.values.count))"
            }
            try database.query(sql, row.values + values(event))
        case (let row?, let event?):
            try database.query(row.sql, row.values)
            try database.query(insertEventSQL, values(event))
        }
    }

    /// The statement that makes `change` to `__migrations__`, with its values.
    private func rowStatement(_ change: RowChange) -> (sql: String, values: [DatabaseValue])? {
        let p = database.placeholder
        return switch change {
        case .unchanged: nil
        case .insert(let entry): (insertRowSQL, Self.values(entry))
        case .update(let entry):
            ("""
             UPDATE \(migrationsTable) SET name = \(p(2)), checksum = \(p(3)), down_checksum = \(p(4)), applied_at = \(p(5)),
               execution_ms = \(p(6)), applied_by = \(p(7)), status = \(p(8)), failed_statement = \(p(9)), error = \(p(10)), pid = \(p(11))
             WHERE id = \(p(1))
             """, Self.values(entry))
        case .delete(let id): ("DELETE FROM \(migrationsTable) WHERE id = \(p(1))", [.text(id)])
        }
    }

    /// A migration applied: its row, and its `applied` event (the row's time, duration, actor
    /// and checksum).
    public func record(_ entry: LedgerEntry) throws(ApplyError) {
        try record(.insert(entry), HistoryEvent(entry))
    }

    /// Rows per INSERT when many go in together: 90 rows of 11 values stay under the 999
    /// parameters SQLite allowed before 3.32 (PostgreSQL allows 65,535).
    static let rowsPerInsert = 90

    /// Many migrations applied, as `record(_ entry:)` each: `up --single-transaction` writes
    /// its rows and events together at the end, up to `rowsPerInsert` of each in one INSERT,
    /// on PostgreSQL both INSERTs in one statement (a thousand single-row INSERTs were a
    /// thousand round trips to a PostgreSQL server).
    public func record(_ entries: [LedgerEntry]) throws(ApplyError) {
        var start = entries.startIndex
        while start < entries.endIndex {
            let chunk = entries[start..<min(entries.endIndex, start + Self.rowsPerInsert)]
            start = chunk.endIndex
            let tuples = { (after: Int) in
                (0..<chunk.count).map { Self.placeholders(database, count: 11, after: after + $0 * 11) }.joined(separator: ", ")
            }
            let rows = "INSERT INTO \(migrationsTable) (\(Self.rowColumns)) VALUES " + tuples(0)
            let rowValues = chunk.flatMap(Self.values), eventValues = chunk.flatMap { values(HistoryEvent($0)) }
            if database.dialect == .postgresql {
                try database.query("WITH rows AS (\(rows)) INSERT INTO \(eventsTable) (\(Self.eventColumns)) VALUES \(tuples(rowValues.count))",
                                   rowValues + eventValues)
            } else {
                try database.query(rows, rowValues)
                try database.query("INSERT INTO \(eventsTable) (\(Self.eventColumns)) VALUES " + tuples(0), eventValues)
            }
        }
    }

    /// A row's values, in `rowColumns` order.
    private static func values(_ entry: LedgerEntry) -> [DatabaseValue] {
        [.text(entry.id), .text(entry.name), .text(entry.checksum), entry.downChecksum.map(DatabaseValue.text) ?? .null,
         .text(entry.appliedAt), .integer(entry.executionMilliseconds), .text(entry.appliedBy),
         .text(entry.status.rawValue), entry.failedStatement.map(DatabaseValue.text) ?? .null,
         entry.error.map(DatabaseValue.text) ?? .null, entry.pid.map(DatabaseValue.integer) ?? .null]
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

import Foundation

/// Something `up`, `rollback` or `repair` did to a migration, kept for good: a row of
/// `__migration_events__`, or an apply that its `__migrations__` row still shows (layout 5).
/// `__migrations__` holds what is applied now (a rollback deletes the row, an `up` after it
/// writes a new one); the events table keeps the rest, so `strata history` shows an apply that
/// a later rollback undid.
public struct HistoryEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Applied and committed with its tracking row.
        case applied
        /// A statement of its UP failed. In a transaction of its own nothing was kept and the
        /// migration is still pending; outside one its row was left `failed` for `strata
        /// repair`. (In `up --single-transaction` nothing at all is kept, this event included.)
        case failed
        case rolledBack = "rolled_back"
        /// A statement of its DOWN failed: in a transaction the migration stays applied;
        /// outside one its row was left `failed`.
        case rollbackFailed = "rollback_failed"
        /// `strata repair`: a failed row marked applied, or removed for `up` to run again.
        case repaired
        /// `strata mark-applied`: recorded as applied without Strata running it (a goose Go
        /// migration its tool ran).
        case markedApplied = "marked_applied"
    }

    public var kind: Kind
    public var migrationID: String
    /// ISO-8601, UTC, with milliseconds.
    public var occurredAt: String
    /// `user@host`.
    public var actor: String
    public var executionMilliseconds: Int64?
    /// The file's checksum as it ran (applies and failures).
    public var checksum: String?
    /// A rollback's `--reason`; what a repair did.
    public var reason: String?
    /// A rollback's assessed risk (`low`, `medium`, `high`, `blocked`) and whether it was forced.
    public var risk: String?
    public var forced: Bool?
    /// The backup taken before a rollback.
    public var backupPath: String?
    /// The database's message, for a failure.
    public var error: String?

    public init(kind: Kind, migrationID: String, occurredAt: String, actor: String, executionMilliseconds: Int64? = nil,
                checksum: String? = nil, reason: String? = nil, risk: String? = nil, forced: Bool? = nil,
                backupPath: String? = nil, error: String? = nil) {
        self.kind = kind
        self.migrationID = migrationID
        self.occurredAt = occurredAt
        self.actor = actor
        self.executionMilliseconds = executionMilliseconds
        self.checksum = checksum
        self.reason = reason
        self.risk = risk
        self.forced = forced
        self.backupPath = backupPath
        self.error = error
    }

    /// The event of a tracking row's outcome: applied, or failed midway.
    init(_ row: LedgerEntry) {
        self.init(kind: row.status == .applied ? .applied : .failed, migrationID: row.id, occurredAt: row.appliedAt,
                  actor: row.appliedBy, executionMilliseconds: row.executionMilliseconds, checksum: row.checksum,
                  error: row.status == .failed ? row.error : nil)
    }

    /// The event of a `__migration_rollbacks__` row.
    init(_ record: RollbackRecord) {
        self.init(kind: .rolledBack, migrationID: record.migrationID, occurredAt: record.rolledBackAt, actor: record.rolledBackBy,
                  executionMilliseconds: record.executionMilliseconds, reason: record.reason, risk: record.risk,
                  forced: record.forced, backupPath: record.backupPath)
    }
}

/// What `history` read, and whether it is the whole story.
public struct History: Sendable, Equatable {
    /// Oldest first.
    public var events: [HistoryEvent]
    /// False for tracking tables older than layout 3, which kept no events: the history is
    /// rebuilt from `__migrations__` and `__migration_rollbacks__`, so the apply of a
    /// migration rolled back since, and failures repaired since, are not in it.
    public var complete: Bool
}

// MARK: - __migration_events__

extension Ledger {
    public static let events = "__migration_events__"

    static let eventColumns = "occurred_at, event, migration_id, actor, execution_ms, checksum, reason, risk, forced, backup_path, error"

    func createEventsTable() throws(ApplyError) {
        try database.execute("CREATE TABLE IF NOT EXISTS \(eventsTable) \(eventsTableDefinition())")
    }

    /// `__migration_events__`'s columns, as `layout` (3 or later) creates the table.
    func eventsTableDefinition(layout: Int64 = version) -> String {
        // SQLite, layout 4: a plain INTEGER PRIMARY KEY is the rowid, and a new row gets the
        // largest rowid + 1. AUTOINCREMENT differs only in never giving again the id of a row
        // deleted since, which costs a write of its `sqlite_sequence` row, one more page, per
        // event. Nothing deletes events (Strata only ever inserts them), and even after a
        // deletion a new id is above every remaining one: ids still increase in the order the
        // events were written, which `history` orders ties of `occurred_at` by.
        let key = switch database.dialect {
        case .sqlite: layout >= 4 ? "INTEGER PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        case .postgresql: "BIGSERIAL PRIMARY KEY"
        }
        return """
            (
              event_id \(key),
              occurred_at TEXT NOT NULL,
              event TEXT NOT NULL,
              migration_id TEXT NOT NULL,
              actor TEXT NOT NULL,
              execution_ms BIGINT,
              checksum TEXT,
              reason TEXT,
              risk TEXT,
              forced BOOLEAN,
              backup_path TEXT,
              error TEXT
            )
            """
    }

    public func recordEvent(_ event: HistoryEvent) throws(ApplyError) {
        try database.query(insertEventSQL, values(event))
    }

    /// Inserts events in order (the upgrade to layout 3 writes what the older tables show). On
    /// SQLite one cached INSERT per event, as `record(_ entries:)` does: a many-row INSERT's
    /// numbered parameters cost SQLite more to bind than the statements they save. On
    /// PostgreSQL a few hundred per statement, where each statement is a round trip.
    public func recordEvents(_ events: [HistoryEvent]) throws(ApplyError) {
        guard database.dialect == .postgresql else {
            for event in events { try recordEvent(event) }
            return
        }
        let perStatement = 500  // 11 values an event, far below PostgreSQL's 65,535 parameters
        var start = 0
        while start < events.count {
            let chunk = events[start..<min(start + perStatement, events.count)]
            var values: [DatabaseValue] = []
            var tuples: [String] = []
            for event in chunk {
                let first = values.count
                tuples.append("(" + (1...11).map { database.placeholder(first + $0) }.joined(separator: ", ") + ")")
                values += self.values(event)
            }
            try database.query("INSERT INTO \(eventsTable) (\(Self.eventColumns)) VALUES \(tuples.joined(separator: ", "))", values)
            start += perStatement
        }
    }

    /// Layout 5: while a migration's tracking row shows it applied, that row is the event of
    /// its apply (`history` reads it from there), so `up` writes one row per migration, not
    /// two. Before the row is changed or deleted (a rollback, a claim), the apply is written
    /// here, unless an event of that migration at that moment is here already: an apply done
    /// outside a transaction, the failure a repair marked applied, or a row of layout 4,
    /// which wrote every apply.
    func keepAppliedEvent(of id: String) throws(ApplyError) {
        try database.query("""
            INSERT INTO \(eventsTable) (occurred_at, event, migration_id, actor, execution_ms, checksum)
            SELECT m.applied_at, 'applied', m.id, m.applied_by, m.execution_ms, m.checksum FROM \(migrationsTable) m
            WHERE m.id = \(database.placeholder(1)) AND m.status = 'applied'
              AND NOT EXISTS (SELECT 1 FROM \(eventsTable) e WHERE e.migration_id = m.id AND e.occurred_at = m.applied_at)
            """, [.text(id)])
    }

    /// An event's values, in `eventColumns` order.
    private func values(_ event: HistoryEvent) -> [DatabaseValue] {
        let forced: DatabaseValue = event.forced.map { database.dialect == .sqlite ? .integer($0 ? 1 : 0) : .text($0 ? "true" : "false") } ?? .null
        return [.text(event.occurredAt), .text(event.kind.rawValue), .text(event.migrationID), .text(event.actor),
                event.executionMilliseconds.map(DatabaseValue.integer) ?? .null, Self.optional(event.checksum),
                Self.optional(event.reason), Self.optional(event.risk), forced, Self.optional(event.backupPath),
                Self.optional(event.error)]
    }

    /// Every event, oldest first; rebuilt from the other tables when they predate the events
    /// table (status and history never write, so they do not upgrade it). The applies that
    /// only their tracking rows hold (`keepAppliedEvent`) are merged in by time (`ordered`).
    public func history() throws(ApplyError) -> History {
        guard let layout = try layout() else { return History(events: [], complete: true) }
        guard layout >= 3 else { return History(events: try reconstructedEvents(), complete: false) }
        let forced = database.dialect == .sqlite ? "forced" : "CASE WHEN forced THEN 1 WHEN NOT forced THEN 0 END"
        let rows = try database.query("""
            SELECT occurred_at, event, migration_id, actor, execution_ms, checksum, reason, risk, \(forced), backup_path, error
            FROM \(eventsTable) ORDER BY occurred_at, event_id
            """)
        let recorded = rows.map { row in
            HistoryEvent(kind: HistoryEvent.Kind(rawValue: row[1].text ?? "") ?? .failed, migrationID: row[2].text ?? "",
                         occurredAt: row[0].text ?? "", actor: row[3].text ?? "", executionMilliseconds: row[4].integer,
                         checksum: row[5].text, reason: row[6].text, risk: row[7].text,
                         forced: row[8] == .null ? nil : Self.integer(row[8]) != 0, backupPath: row[9].text, error: row[10].text)
        }
        let moments = Set(recorded.map { Moment(migrationID: $0.migrationID, occurredAt: $0.occurredAt) })
        // In `applied_at` order (`entries`), as the recorded events are in `occurred_at` order.
        let heldByRows = try entries()
            .filter { $0.status == .applied && !moments.contains(Moment(migrationID: $0.id, occurredAt: $0.appliedAt)) }
            .map(HistoryEvent.init)
        return History(events: Self.ordered(heldByRows, recorded), complete: true)
    }

    /// A migration at a moment: an event of it then is the event of its row applied then.
    private struct Moment: Hashable {
        var migrationID: String
        var occurredAt: String
    }

    /// The applies held by rows and the recorded events in one time order. Times are
    /// milliseconds, and one `up` applies several migrations in one: at the same moment applies
    /// come first, by migration id (the order a run applies them in, dependencies aside),
    /// since an apply copied here when its row went (`keepAppliedEvent`) has a later
    /// event_id than what followed it; other events keep their order, the rows' before the
    /// recorded ones.
    static func ordered(_ heldByRows: [HistoryEvent], _ recorded: [HistoryEvent]) -> [HistoryEvent] {
        (heldByRows + recorded).enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if x.occurredAt != y.occurredAt { return x.occurredAt < y.occurredAt }
            let (xApplied, yApplied) = (x.kind == .applied, y.kind == .applied)
            if xApplied != yApplied { return xApplied }
            if xApplied, x.migrationID != y.migrationID { return x.migrationID < y.migrationID }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The events the tracking rows and rollback records still show: each row's apply (or
    /// failure), each rollback; not the claims of runs going on now, which have no outcome yet.
    func reconstructedEvents() throws(ApplyError) -> [HistoryEvent] {
        let fromRows = try entries().filter { !Applier.isClaim($0) }.map(HistoryEvent.init)
        // The first releases' tables (layout 1) may have no rollbacks table yet.
        let fromRollbacks = try hasRollbacksTable() ? try rollbacks().map(HistoryEvent.init) : []
        // A stable sort by time: the rows' own order breaks ties.
        return (fromRows + fromRollbacks).enumerated()
            .sorted { ($0.element.occurredAt, $0.offset) < ($1.element.occurredAt, $1.offset) }
            .map(\.element)
    }

    private func hasRollbacksTable() throws(ApplyError) -> Bool {
        let sql = database.dialect == .sqlite
            ? "SELECT count(*) FROM \(Self.quoted(schema)).sqlite_schema WHERE type = 'table' AND name = ?1"
            : "SELECT (to_regclass($1) IS NOT NULL)::int"
        return try database.query(sql, [.text(database.dialect == .sqlite ? Self.rollbacks : rollbacksTable)]).first?.first?.integer == 1
    }

    private static func optional(_ text: String?) -> DatabaseValue { text.map(DatabaseValue.text) ?? .null }
}

import Foundation

/// Something `up`, `rollback`, `repair`, `mark-applied` or `baseline` did to a migration, kept
/// for good: a row of `__migration_events__`. `__migrations__` holds where each migration
/// stands now (a rollback deletes its row, an `up` after it writes a new one); the events keep
/// everything, so `strata history` shows an apply that a later rollback undid.
public struct HistoryEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Applied and committed with its tracking row.
        case applied
        /// A statement of its UP failed. In a transaction of its own nothing was kept and the
        /// migration is still pending; outside one its row was left `failed` for `strata
        /// repair`. (In `up --single-transaction` nothing at all is kept, this event included.)
        case failed
        /// A statement of its UP waited longer than the lock timeout for a table's lock
        /// (PostgreSQL), and the migration was tried again (`reason`: which attempt, and the
        /// wait): nothing of the attempt was kept (outside a transaction, the statement that
        /// timed out ran again). `strata metrics` counts these.
        case lockTimeout = "lock_timeout"
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

    /// The event of a rollback.
    init(_ record: RollbackRecord) {
        self.init(kind: .rolledBack, migrationID: record.migrationID, occurredAt: record.rolledBackAt, actor: record.rolledBackBy,
                  executionMilliseconds: record.executionMilliseconds, reason: record.reason, risk: record.risk,
                  forced: record.forced, backupPath: record.backupPath)
    }
}

/// What `history` read.
public struct History: Sendable, Equatable {
    /// Oldest first.
    public var events: [HistoryEvent]
    /// Whether the events are the whole story: always, since every change to a tracking row is
    /// recorded with its event (`--format json` keeps the field).
    public var complete: Bool
}

// MARK: - __migration_events__

extension Ledger {
    /// The columns of an event, in `values(_ event:)` order (`event_id` is the database's).
    static let eventColumns = "occurred_at, event, migration_id, actor, execution_ms, checksum, reason, risk, forced, backup_path, error"

    /// An event's values, in `eventColumns` order.
    func values(_ event: HistoryEvent) -> [DatabaseValue] {
        let forced: DatabaseValue = event.forced.map { database.dialect == .sqlite ? .integer($0 ? 1 : 0) : .text($0 ? "true" : "false") } ?? .null
        return [.text(event.occurredAt), .text(event.kind.rawValue), .text(event.migrationID), .text(event.actor),
                event.executionMilliseconds.map(DatabaseValue.integer) ?? .null, Self.optional(event.checksum),
                Self.optional(event.reason), Self.optional(event.risk), forced, Self.optional(event.backupPath),
                Self.optional(event.error)]
    }

    /// Every event, oldest first: by time, and events of the same millisecond in the order they
    /// were written (one `up` can apply several migrations within one). Read as they are; none
    /// before the tracking tables exist.
    public func history() throws(ApplyError) -> History {
        guard try trackingSchema() != nil else { return History(events: [], complete: true) }
        let forced = database.dialect == .sqlite ? "forced" : "CASE WHEN forced THEN 1 WHEN NOT forced THEN 0 END"
        let rows = try database.query("""
            SELECT occurred_at, event, migration_id, actor, execution_ms, checksum, reason, risk, \(forced), backup_path, error
            FROM \(eventsTable) ORDER BY occurred_at, event_id
            """)
        let events = rows.map { row in
            HistoryEvent(kind: HistoryEvent.Kind(rawValue: row[1].text ?? "") ?? .failed, migrationID: row[2].text ?? "",
                         occurredAt: row[0].text ?? "", actor: row[3].text ?? "", executionMilliseconds: row[4].integer,
                         checksum: row[5].text, reason: row[6].text, risk: row[7].text,
                         forced: row[8] == .null ? nil : Self.integer(row[8]) != 0, backupPath: row[9].text, error: row[10].text)
        }
        return History(events: events, complete: true)
    }

    private static func optional(_ text: String?) -> DatabaseValue { text.map(DatabaseValue.text) ?? .null }
}

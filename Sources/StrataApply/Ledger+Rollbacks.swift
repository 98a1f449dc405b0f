import Foundation

/// A migration undone by `strata rollback` (or recorded as undone by `strata mark-applied
/// --rolled-back`): its `rolled_back` event, as the `__migration_rollbacks__` view shows it.
public struct RollbackRecord: Sendable, Equatable {
    public var migrationID: String
    /// ISO-8601, UTC, with milliseconds.
    public var rolledBackAt: String
    public var reason: String?
    /// Run with `--force` over a high or blocked risk.
    public var forced: Bool
    /// The assessed risk level (`low`, `medium`, `high`, `blocked`).
    public var risk: String
    /// The backup taken before it, when one was.
    public var backupPath: String?
    public var executionMilliseconds: Int64
    public var rolledBackBy: String
}

extension Ledger {
    /// Every rollback, oldest first.
    public func rollbacks() throws(ApplyError) -> [RollbackRecord] {
        guard try trackingSchema() != nil else { return [] }
        let forced = database.dialect == .sqlite ? "forced" : "CASE WHEN forced THEN 1 ELSE 0 END"
        return try database.query("""
            SELECT migration_id, occurred_at, reason, \(forced), risk, backup_path, execution_ms, actor
            FROM \(eventsTable) WHERE event = \(database.placeholder(1)) ORDER BY event_id
            """, [.text(HistoryEvent.Kind.rolledBack.rawValue)]).map { row in
            RollbackRecord(migrationID: row[0].text ?? "", rolledBackAt: row[1].text ?? "", reason: row[2].text,
                           forced: Self.integer(row[3]) != 0, risk: row[4].text ?? "", backupPath: row[5].text,
                           executionMilliseconds: Self.integer(row[6]), rolledBackBy: row[7].text ?? "")
        }
    }
}

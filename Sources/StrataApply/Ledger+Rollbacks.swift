import Foundation

/// One row of `__migration_rollbacks__`: a migration undone by `strata rollback`.
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
    public func recordRollback(_ record: RollbackRecord) throws(ApplyError) {
        let p = database.placeholder
        try database.query("""
            INSERT INTO \(rollbacksTable) (migration_id, rolled_back_at, reason, forced, risk, backup_path, execution_ms, rolled_back_by)
            VALUES (\(p(1)), \(p(2)), \(p(3)), \(p(4)), \(p(5)), \(p(6)), \(p(7)), \(p(8)))
            """, [.text(record.migrationID), .text(record.rolledBackAt), record.reason.map(DatabaseValue.text) ?? .null,
                  database.dialect == .sqlite ? .integer(record.forced ? 1 : 0) : .text(record.forced ? "true" : "false"),
                  .text(record.risk), record.backupPath.map(DatabaseValue.text) ?? .null,
                  .integer(record.executionMilliseconds), .text(record.rolledBackBy)])
    }

    /// Every rollback, oldest first.
    public func rollbacks() throws(ApplyError) -> [RollbackRecord] {
        guard try layout() != nil else { return [] }
        let forced = database.dialect == .sqlite ? "forced" : "CASE WHEN forced THEN 1 ELSE 0 END"
        return try database.query("""
            SELECT migration_id, rolled_back_at, reason, \(forced), risk, backup_path, execution_ms, rolled_back_by
            FROM \(rollbacksTable) ORDER BY rollback_id
            """).map { row in
            RollbackRecord(migrationID: row[0].text ?? "", rolledBackAt: row[1].text ?? "", reason: row[2].text,
                           forced: Self.integer(row[3]) != 0, risk: row[4].text ?? "", backupPath: row[5].text,
                           executionMilliseconds: Self.integer(row[6]), rolledBackBy: row[7].text ?? "")
        }
    }
}

import Foundation
import StrataSyntax

/// What lock and rewrite rules ask about a table: a table that holds no production data yet
/// cannot be locked for long or rewritten at cost, so those rules stay quiet on it.
extension RuleContext {
    /// Why `table` holds no production data when the statement at `index` of the UP section
    /// runs: created earlier in this file, or (under `strata check`) by a migration that is new
    /// on this branch. Nil when it may be a busy table.
    public func newTableReason(_ table: ObjectName, beforeStatement index: Int) -> String? {
        for statement in upStatements.prefix(index) {
            if case .createTable(let create) = statement.kind, create.name.key == table.key {
                return "\(table) is created earlier in this file"
            }
        }
        if let history, let created = schema.tables[table.key]?.createdBy ?? schema.lastCreatedBy[table.key],
           created != file.id, history.isNew(created) {
            return "\(table) is created by \(created), which is new on this branch"
        }
        return nil
    }

    /// A table as it was before this file ran (its columns' types and NOT NULL, its
    /// constraints and indexes), when an earlier migration of the set created it.
    public func tableBeforeFile(_ table: ObjectName) -> SchemaModel.Table? {
        if let recorded = tablesBefore[table.key] { return recorded }
        return schema.tables[table.key]
    }

    /// The whole schema as it was before this file (a copy: for the rare rule that replays
    /// part of the file on it).
    public var schemaBeforeFile: SchemaModel { schema.restored(to: tablesBefore) }

    /// Whether `SET lock_timeout` (plain or LOCAL, to anything but 0) runs before the statement
    /// at `index` of the UP section.
    public func lockTimeoutSet(beforeStatement index: Int) -> Bool {
        for statement in upStatements.prefix(index) {
            if case .set(let set) = statement.kind, set.name.lowercased() == "lock_timeout" {
                let value = set.value.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")).lowercased()
                if value != "0", value != "default", value != "0ms", value != "0s" { return true }
            }
        }
        return false
    }

    /// The note a lock or rewrite rule leaves, shown with `--verbose`, when it stays quiet only
    /// because the table is new.
    public func skipped(_ rule: String, at range: SourceRange, reason: String) -> Violation {
        Violation(range: range, message: "\(rule) skipped: \(reason), so it holds no production data yet", severity: .note)
    }
}

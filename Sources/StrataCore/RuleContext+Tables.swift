import Foundation
import StrataSyntax

/// What lock and rewrite rules ask about a table: a table that holds no production data yet
/// cannot be locked for long or rewritten at cost, so those rules stay quiet on it.
extension RuleContext {
    /// Why `table` holds no production data when the statement at `index` of the UP section
    /// runs: created earlier in this file, or (under `strata check`) by a migration that is new
    /// on this branch. Nil when it may be a busy table.
    public func newTableReason(_ table: ObjectName, beforeStatement index: Int) -> String? {
        if let created = upFacts.firstCreate[table.key], created < index {
            return "\(table) is created earlier in this file"
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
        // The first SET lock_timeout to a non-zero value (a later reset to 0 is rare and not
        // modelled, as before).
        guard let first = upFacts.firstLockTimeout else { return false }
        return first < index
    }

    /// The note a lock or rewrite rule leaves, shown with `--verbose`, when it stays quiet only
    /// because the table is new.
    public func skipped(_ rule: String, at range: SourceRange, reason: String) -> Violation {
        Violation(range: range, message: "\(rule) skipped: \(reason), so it holds no production data yet", severity: .note)
    }
}

/// What `newTableReason` and `lockTimeoutSet` need, found in one pass over the UP section so
/// that rules asking per statement stay linear in the file's length.
struct UpSectionFacts: Sendable {
    /// The first CREATE TABLE of each table key.
    var firstCreate: [String: Int] = [:]
    /// The first SET lock_timeout to a non-zero value.
    var firstLockTimeout: Int?

    init(_ statements: [Statement]) {
        for (index, statement) in statements.enumerated() {
            switch statement.kind {
            case .createTable(let create):
                if firstCreate[create.name.key] == nil { firstCreate[create.name.key] = index }
            case .set(let set) where firstLockTimeout == nil && set.name.lowercased() == "lock_timeout":
                let value = set.value.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")).lowercased()
                if value != "0", value != "default", value != "0ms", value != "0s" { firstLockTimeout = index }
            default:
                break
            }
        }
    }
}

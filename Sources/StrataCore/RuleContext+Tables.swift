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
    public func skipped(_ rule: String, at range: SourceRange, reason: @autoclosure () -> String) -> Violation {
        Violation(range: range, message: notesWanted ? "\(rule) skipped: \(reason()), so it holds no production data yet" : "",
                  severity: .note)
    }
}

extension RuleContext {
    /// The kinds of statement and ALTER TABLE action the UP section holds: a rule about one
    /// kind returns at once on the many files without it.
    public var upFeatures: UpFeatures { upFacts.features }
}

/// Kinds of statement and of ALTER TABLE action, as a set.
public struct UpFeatures: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let createTable = UpFeatures(rawValue: 1 << 0)
    public static let alterTable = UpFeatures(rawValue: 1 << 1)
    public static let createIndex = UpFeatures(rawValue: 1 << 2)
    public static let drop = UpFeatures(rawValue: 1 << 3)
    public static let truncate = UpFeatures(rawValue: 1 << 4)
    public static let delete = UpFeatures(rawValue: 1 << 5)
    public static let update = UpFeatures(rawValue: 1 << 6)
    public static let insert = UpFeatures(rawValue: 1 << 7)
    public static let transaction = UpFeatures(rawValue: 1 << 8)
    public static let set = UpFeatures(rawValue: 1 << 9)
    public static let pragma = UpFeatures(rawValue: 1 << 10)
    public static let other = UpFeatures(rawValue: 1 << 11)
    // ALTER TABLE actions.
    public static let addColumn = UpFeatures(rawValue: 1 << 12)
    public static let dropColumn = UpFeatures(rawValue: 1 << 13)
    public static let alterColumnType = UpFeatures(rawValue: 1 << 14)
    public static let setNotNull = UpFeatures(rawValue: 1 << 15)
    public static let dropNotNull = UpFeatures(rawValue: 1 << 16)
    public static let setDefault = UpFeatures(rawValue: 1 << 17)
    public static let dropDefault = UpFeatures(rawValue: 1 << 18)
    public static let addConstraint = UpFeatures(rawValue: 1 << 19)
    public static let dropConstraint = UpFeatures(rawValue: 1 << 20)
    public static let validateConstraint = UpFeatures(rawValue: 1 << 21)
    public static let renameTable = UpFeatures(rawValue: 1 << 22)
    public static let renameColumn = UpFeatures(rawValue: 1 << 23)
    public static let renameConstraint = UpFeatures(rawValue: 1 << 24)
    public static let otherAction = UpFeatures(rawValue: 1 << 25)
    /// A `CREATE MATERIALIZED VIEW` (an "other" statement the lock rules still look for).
    public static let createMaterializedView = UpFeatures(rawValue: 1 << 26)
    /// A `CREATE VIEW` (labelled `create view`, OR REPLACE and TEMP included).
    public static let createView = UpFeatures(rawValue: 1 << 27)

    /// The feature of a statement's kind.
    public init(_ kind: StatementKind) {
        switch kind {
        case .createTable: self = .createTable
        case .alterTable: self = .alterTable
        case .createIndex: self = .createIndex
        case .drop: self = .drop
        case .truncate: self = .truncate
        case .delete: self = .delete
        case .update: self = .update
        case .insert: self = .insert
        case .transaction: self = .transaction
        case .set: self = .set
        case .pragma: self = .pragma
        case .other: self = .other
        }
    }

    /// The feature of an ALTER TABLE action.
    public init(_ action: AlterTableAction) {
        switch action {
        case .addColumn: self = .addColumn
        case .dropColumn: self = .dropColumn
        case .alterColumnType: self = .alterColumnType
        case .setNotNull: self = .setNotNull
        case .dropNotNull: self = .dropNotNull
        case .setDefault: self = .setDefault
        case .dropDefault: self = .dropDefault
        case .addConstraint: self = .addConstraint
        case .dropConstraint: self = .dropConstraint
        case .validateConstraint: self = .validateConstraint
        case .renameTable: self = .renameTable
        case .renameColumn: self = .renameColumn
        case .renameConstraint: self = .renameConstraint
        case .other: self = .otherAction
        }
    }
}

/// What `newTableReason`, `lockTimeoutSet` and `upFeatures` need, found in one pass over the
/// UP section so that rules asking per statement stay linear in the file's length.
struct UpSectionFacts: Sendable {
    /// The first CREATE TABLE of each table key.
    var firstCreate: [String: Int] = [:]
    /// The first SET lock_timeout to a non-zero value.
    var firstLockTimeout: Int?
    var features: UpFeatures = []

    init(_ statements: [Statement]) {
        for (index, statement) in statements.enumerated() {
            features.insert(UpFeatures(statement.kind))
            switch statement.kind {
            case .alterTable(let alter):
                for (action, _) in alter.actions { features.insert(UpFeatures(action)) }
            case .createTable(let create):
                if firstCreate[create.name.key] == nil { firstCreate[create.name.key] = index }
            case .other(let words) where words == "create materialized view":
                features.insert(.createMaterializedView)
            case .other(let words) where words == "create view":
                features.insert(.createView)
            case .set(let set) where firstLockTimeout == nil && set.name.lowercased() == "lock_timeout":
                let value = set.value.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")).lowercased()
                if value != "0", value != "default", value != "0ms", value != "0s" { firstLockTimeout = index }
            default:
                break
            }
        }
    }
}

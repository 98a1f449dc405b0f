import StrataSyntax

/// Whether the applier wraps a migration in a transaction. One answer, read by the applier
/// (which runs the file statement by statement otherwise) and by the rules that must know
/// what the applier will do with the file.
extension MigrationFile {
    /// Why the applier runs this file outside a transaction: `@transaction: false`, or the
    /// first UP statement PostgreSQL refuses in a transaction block. Nil when it wraps it.
    public var nonTransactionalReason: String? {
        if !runsInTransaction { return "@transaction: false" }
        guard let source else { return nil }
        for statement in up?.statements ?? [] {
            if let reason = Self.nonTransactionalReason(statement, source) { return reason }
        }
        return nil
    }

    /// Statements PostgreSQL refuses inside a transaction block (and SQLite's VACUUM).
    public static func nonTransactionalReason(_ statement: Statement, _ source: SourceText) -> String? {
        switch statement.kind {
        case .createIndex(let index) where index.concurrently: return "CREATE INDEX CONCURRENTLY"
        case .drop(let drop) where drop.concurrently: return "DROP INDEX CONCURRENTLY"
        case .drop(let drop) where drop.objectKind == .database: return "DROP DATABASE"
        case .other(let words):
            if words.hasPrefix("vacuum") { return "VACUUM" }
            if words.hasPrefix("alter system") { return "ALTER SYSTEM" }
            if words.hasPrefix("create database") { return "CREATE DATABASE" }
            if words.hasPrefix("reindex"), source.text(statement.range.byteRange).uppercased().contains("CONCURRENTLY") {
                return "REINDEX CONCURRENTLY"
            }
            return nil
        default:
            return nil
        }
    }
}

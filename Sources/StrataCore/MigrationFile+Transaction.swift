import StrataSyntax

/// Whether the applier wraps a migration in a transaction. One answer, read by the applier
/// (which runs the file statement by statement otherwise) and by the rules that must know
/// what the applier will do with the file.
extension MigrationFile {
    /// Why the applier runs this file outside a transaction: `@transaction: false` (or the
    /// layout's way of saying it, `+goose NO TRANSACTION`), or, when the header does not say,
    /// the first UP statement PostgreSQL refuses in a transaction block. Nil when it wraps it
    /// (always with `@transaction: true`: the author asked for one, and
    /// `concurrently-in-transaction` reports what cannot run in it).
    public var nonTransactionalReason: String? { nonTransactionalReason(postgresMajor: nil) }

    /// `nonTransactionalReason` for a PostgreSQL server of that major version: before 12,
    /// `ALTER TYPE ... ADD VALUE` cannot run in a transaction block either. Nil: not known.
    public func nonTransactionalReason(postgresMajor: Int?) -> String? {
        switch transactionDeclared {
        case false?: return transactionSetting?.declaration ?? layout.noTransactionDeclaration
        case true?: return nil
        case nil: break
        }
        guard let source else { return nil }
        for statement in up?.statements ?? [] {
            if let reason = Self.nonTransactionalReason(statement, source, postgresMajor: postgresMajor) { return reason }
        }
        return nil
    }

    /// `@transaction` as the header gives it (or the layout's line for it), or as the settings
    /// file beside the migration gives it (diesel's `run_in_transaction`, Flyway's
    /// `executeInTransaction`); nil when neither says.
    public var transactionDeclared: Bool? {
        if let setting = transactionSetting { return setting.runsInTransaction }
        return value(MetadataKey.transaction.rawValue).flatMap(MetadataValue.parseBool)
    }

    /// `transactionDeclared` for the DOWN SQL: the same, except for a layout whose DOWN file
    /// has a settings file of its own (Flyway's undo script), where that file says.
    public var downTransactionDeclared: Bool? {
        layout.downFileHasOwnSettings ? downTransactionSetting?.runsInTransaction : transactionDeclared
    }

    /// How DOWN is declared to run outside a transaction, in the tool's words, when it is.
    public var downNoTransactionDeclaration: String? {
        guard downTransactionDeclared == false else { return nil }
        let setting = layout.downFileHasOwnSettings ? downTransactionSetting : transactionSetting
        return setting?.declaration ?? layout.noTransactionDeclaration
    }

    /// Statements PostgreSQL refuses inside a transaction block (and SQLite's VACUUM).
    public static func nonTransactionalReason(_ statement: Statement, _ source: SourceText, postgresMajor: Int? = nil) -> String? {
        switch statement.kind {
        case .createIndex(let index) where index.concurrently: return "CREATE INDEX CONCURRENTLY"
        case .drop(let drop) where drop.concurrently: return "DROP INDEX CONCURRENTLY"
        case .drop(let drop) where drop.objectKind == .database: return "DROP DATABASE"
        case .alterTable(let alter):
            for (action, range) in alter.actions {
                guard case .other(let label) = action, label.hasPrefix("detach partition") else { continue }
                if significantWords(source, range.byteRange, of: statement.tokens).contains("concurrently") {
                    return "DETACH PARTITION CONCURRENTLY"
                }
            }
            return nil
        case .other(let words) where words.hasPrefix("alter type"):
            guard let major = postgresMajor, major < 12 else { return nil }
            let tokens = significantWords(source, statement.range.byteRange, of: statement.tokens)
            if let add = tokens.firstIndex(of: "add"), tokens.dropFirst(add + 1).first == "value" {
                return "ALTER TYPE ... ADD VALUE (PostgreSQL \(major))"
            }
            return nil
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

    /// The lower-cased words among a statement's tokens that start in `bytes`.
    private static func significantWords(_ source: SourceText, _ bytes: Range<Int>, of tokens: Range<Int>) -> [String] {
        source.significantTokens(startingIn: bytes, of: tokens).compactMap { index in
            source.tokens[index].kind == .word ? source.text(of: source.tokens[index]).lowercased() : nil
        }
    }
}

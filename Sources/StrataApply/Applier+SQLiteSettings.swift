import StrataSyntax

/// On SQLite each migration starts from the connection's own settings, as on PostgreSQL it
/// starts from Strata's session (`sessionReset`): a PRAGMA that sets one of SQLite's
/// connection settings (`foreign_keys`, `recursive_triggers`, `cache_size`...) holds for the
/// migration that set it and is put back after it, so a migration behaves the same whether it
/// is applied in one run with the files before it or in a run of its own. Settings SQLite
/// keeps in the database file (`user_version`, `application_id`, `auto_vacuum`, a WAL
/// `journal_mode`) are the migration's to change and stay; `journal_mode` has its own handling
/// (`Applier+Journal`). Within `--single-transaction` settings carry over, as on PostgreSQL.
extension Applier {
    /// SQLite's settings that live on the connection, not in the file (SQLite's PRAGMA
    /// documentation), that can be read back to be put back.
    static let sqliteConnectionSettings: Set<String> = [
        "analysis_limit", "automatic_index", "busy_timeout", "cache_size", "cache_spill", "cell_size_check",
        "checkpoint_fullfsync", "defer_foreign_keys", "foreign_keys", "fullfsync", "ignore_check_constraints",
        "journal_size_limit", "legacy_alter_table", "locking_mode", "mmap_size", "query_only", "read_uncommitted",
        "recursive_triggers", "reverse_unordered_selects", "secure_delete", "synchronous", "temp_store", "threads",
        "trusted_schema", "wal_autocheckpoint", "writable_schema",
    ]

    /// The connection setting a statement sets, as the target of a PRAGMA (`foreign_keys`,
    /// `temp.temp_store`): from the statement reader's `.pragma` with a value; nil for any
    /// other statement, a PRAGMA that only reads, or a setting kept in the file. Worked out
    /// when the file is read (`MigrationCatalog`, `RollbackPlanner`), not from the SQL text.
    static func connectionSetting(_ statement: Statement, in source: SourceText) -> String? {
        guard case .pragma(let pragma) = statement.kind, !pragma.value.isEmpty else { return nil }
        let name = pragma.name.lowercased()
        guard sqliteConnectionSettings.contains(name) else { return nil }
        // The reader keeps the name only: a schema is the word before a `.` (PRAGMA, schema, ., name).
        let tokens = source.significantTokens(startingIn: statement.range.byteRange, of: statement.tokens)
        guard tokens.count > 3, source.text(of: source.tokens[tokens[2]]) == "." else { return name }
        return source.text(of: source.tokens[tokens[1]]).lowercased() + "." + name
    }

    /// Runs one migration's statements (`body`: its UP or DOWN, in a transaction or not) and
    /// then puts back the connection settings they set (`settings`, `connectionSetting`'s),
    /// failed or not.
    func keepingSQLiteSettings<T>(_ settings: [String], _ body: () throws(ApplyError) -> T) throws(ApplyError) -> T {
        guard database.dialect == .sqlite else { return try body() }
        let saved = savedSQLiteSettings(settings)
        guard !saved.isEmpty else { return try body() }
        let result: T
        do {
            result = try body()
        } catch {
            for statement in saved { try? database.execute(statement) }
            throw error
        }
        for statement in saved {
            do {
                try database.execute(statement)
            } catch {
                throw ApplyError(.statement, "putting the connection's setting back (\(statement)) failed: \(error.message)", code: error.code)
            }
        }
        return result
    }

    /// The statements that put `settings` back as they are now.
    func savedSQLiteSettings(_ settings: [String]) -> [String] {
        var restore: [String] = []
        for target in Set(settings) {
            guard let value = (try? database.query("PRAGMA \(target)"))?.first?.first else { continue }
            switch value {
            case .integer(let n): restore.append("PRAGMA \(target) = \(n)")
            // A keyword (locking_mode's `normal`): SQLite's own answer, checked before it is
            // written into the statement.
            case .text(let word) where !word.isEmpty && word.utf8.allSatisfy({ Self.isWordByte($0) }):
                restore.append("PRAGMA \(target) = \(word)")
            default: continue
            }
        }
        return restore
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }
}

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

    /// Runs one migration's statements (`body`: its UP or DOWN, in a transaction or not) and
    /// then puts back the connection settings its PRAGMA statements set, failed or not.
    func keepingSQLiteSettings<T>(_ statements: [String], _ body: () throws(ApplyError) -> T) throws(ApplyError) -> T {
        guard database.dialect == .sqlite else { return try body() }
        let saved = savedSQLiteSettings(statements)
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

    /// The statements that put back, as they are now, the connection settings `statements`
    /// set; none when they set none.
    func savedSQLiteSettings(_ statements: [String]) -> [String] {
        var seen = Set<String>()
        var restore: [String] = []
        for sql in statements {
            guard let (schema, name) = Self.pragmaSetting(sql), Self.sqliteConnectionSettings.contains(name) else { continue }
            let target = schema.map { "\($0).\(name)" } ?? name
            guard seen.insert(target).inserted,
                  let value = (try? database.query("PRAGMA \(target)"))?.first?.first else { continue }
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

    /// The schema (when named) and lowercased name of the setting a `PRAGMA name = value` or
    /// `PRAGMA name(value)` statement sets; nil for any other statement, a PRAGMA that only
    /// reads included.
    static func pragmaSetting(_ sql: String) -> (schema: String?, name: String)? {
        var text = sql
        // The statement's own bytes, not a copy: every statement of every migration comes here.
        return text.withUTF8 { pragmaSetting(in: $0) }
    }

    private static func pragmaSetting(in bytes: UnsafeBufferPointer<UInt8>) -> (schema: String?, name: String)? {
        var i = skipSpaceAndComments(bytes, from: 0)
        let keyword = Array("pragma".utf8)
        guard bytes.count >= i + keyword.count,
              zip(bytes[i..<(i + keyword.count)], keyword).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        i += keyword.count
        let afterKeyword = skipSpaceAndComments(bytes, from: i)
        guard afterKeyword > i else { return nil }  // `PRAGMAfoo` is not a PRAGMA
        i = afterKeyword
        func word() -> String? {
            let start = i
            while i < bytes.count, isWordByte(bytes[i]) { i += 1 }
            return i > start ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self).lowercased() : nil
        }
        guard var name = word() else { return nil }
        var schema: String?
        i = skipSpaceAndComments(bytes, from: i)
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i = skipSpaceAndComments(bytes, from: i + 1)
            guard let setting = word() else { return nil }
            schema = name
            name = setting
            i = skipSpaceAndComments(bytes, from: i)
        }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "=") || bytes[i] == UInt8(ascii: "(") else { return nil }
        return (schema, name)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    private static func skipSpaceAndComments(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < bytes.count {
            if bytes[i] == 0x20 || (bytes[i] >= 0x09 && bytes[i] <= 0x0D) {
                i += 1
            } else if bytes[i] == UInt8(ascii: "-"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "-") {
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
            } else if bytes[i] == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i = min(bytes.count, i + 2)
            } else {
                break
            }
        }
        return i
    }
}

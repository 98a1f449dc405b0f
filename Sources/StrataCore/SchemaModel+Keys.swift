import StrataSyntax

/// What DROP CONSTRAINT removes besides the name: the primary or unique key it names, or the
/// key PostgreSQL named for a constraint written without a name (`users_pkey`,
/// `users_email_key`, `users_age_check`). An unnamed foreign key stays (see `dropKey`).
extension SchemaModel {
    /// Keeps the columns of a named PRIMARY KEY or UNIQUE constraint under its name.
    static func rememberKeyName(_ constraint: TableConstraint, in table: inout Table) {
        guard let name = constraint.name else { return }
        switch constraint.kind {
        case .primaryKey(let columns), .unique(let columns): table.keyNames[name] = columns.map(\.name)
        default: break
        }
    }

    /// Removes what constraint `name` stood for (the caller removes the name itself). A name
    /// the model cannot tie to a key, foreign key or check marks the table's keys uncertain.
    static func dropKey(named name: String, from table: inout Table) {
        if let columns = table.keyNames.removeValue(forKey: name) {
            if table.primaryKey == columns {
                table.primaryKey = []
            } else if let i = table.uniqueKeys.firstIndex(of: columns) {
                table.uniqueKeys.remove(at: i)
            }
            return
        }
        // Named foreign keys and checks: removed by name by the caller. Other names given in
        // CREATE or ALTER TABLE are checks or exclusions, which hold no key.
        if table.constraintNames.contains(name) { return }
        let bare = table.name.split(separator: ".").last.map(String.init) ?? table.name
        func generated(_ columns: [String], _ suffix: String) -> String {
            postgresIdentifier("\(bare)_\(columns.joined(separator: "_"))_\(suffix)")
        }
        if name == postgresIdentifier("\(bare)_pkey"), !table.primaryKey.isEmpty {
            table.primaryKey = []
        } else if let i = table.uniqueKeys.firstIndex(where: { generated($0, "key") == name }) {
            table.uniqueKeys.remove(at: i)
        } else if table.foreignKeys.contains(where: { $0.name == nil && generated($0.columns, "fkey") == name }) {
            // Kept: `relax-constraint` asks the schema after UP which foreign key a dropped
            // generated name stood for.
            return
        } else if let i = table.notNullChecks.firstIndex(where: { $0.name == nil && generated([$0.column], "check") == name }) {
            table.notNullChecks.remove(at: i)
        } else {
            table.keysUncertain = true
        }
    }

    /// Forgets the names of the constraints PostgreSQL drops with column `name`: its foreign
    /// keys, NOT NULL checks and named keys.
    static func forgetConstraints(of name: String, in table: inout Table) {
        for key in table.foreignKeys where key.columns.contains(name) { if let n = key.name { table.constraintNames.remove(n) } }
        for check in table.notNullChecks where check.column == name { if let n = check.name { table.constraintNames.remove(n) } }
        for (n, columns) in table.keyNames where columns.contains(name) {
            table.keyNames[n] = nil
            table.constraintNames.remove(n)
        }
    }

    /// The name PostgreSQL gives an index created without one (`t_a_b_idx`); nil for a named
    /// one, or one on an expression (named after the expression).
    public static func generatedName(of index: Index, on table: Table) -> String? {
        guard index.name == nil, !index.columns.contains(nil) else { return nil }
        let bare = table.name.split(separator: ".").last.map(String.init) ?? table.name
        return postgresIdentifier("\(bare)_\(index.columns.compactMap { $0 }.joined(separator: "_"))_idx")
    }

    /// Whether `bytes` hold `null` in any case.
    static func containsNull(_ bytes: String.UTF8View) -> Bool {
        var matched = 0
        for byte in bytes {
            let lower = byte | 0x20
            let expected = matched == 0 ? UInt8(ascii: "n") : matched == 1 ? UInt8(ascii: "u") : UInt8(ascii: "l")
            if lower == expected {
                matched += 1
                if matched == 4 { return true }
            } else {
                matched = lower == UInt8(ascii: "n") ? 1 : 0
            }
        }
        return false
    }

    /// Whether a DEFAULT expression is the NULL constant (`NULL`, `(NULL)`, `NULL::text`), for
    /// which PostgreSQL stores no default at all.
    public static func isNullDefault(_ expression: String) -> Bool {
        // By bytes, without allocating: every replayed column with a default comes here.
        var letters = 0
        var previousColon = false
        for byte in expression.utf8 {
            switch byte {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: " "): previousColon = false
            case UInt8(ascii: ":"):
                if previousColon { return letters == 4 }   // a cast: `NULL::text`
                previousColon = true
            default:
                let expected = letters == 0 ? UInt8(ascii: "n") : letters == 1 ? UInt8(ascii: "u") : UInt8(ascii: "l")
                guard letters < 4, byte | 0x20 == expected else { return false }
                letters += 1
                previousColon = false
            }
        }
        return letters == 4
    }

    /// A name as PostgreSQL keeps it: at most 63 bytes (NAMEDATALEN - 1), cut at a character.
    public static func postgresIdentifier(_ name: String) -> String {
        guard name.utf8.count > 63 else { return name }
        var out = ""
        for character in name {
            if out.utf8.count + String(character).utf8.count > 63 { break }
            out.append(character)
        }
        return out
    }
}

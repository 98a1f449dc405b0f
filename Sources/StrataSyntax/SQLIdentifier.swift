/// Names written back as SQL: the one place rules, hints and `strata optimize` turn a name the
/// statement reader read (unquoted words folded to lower case, quoted ones kept as written)
/// into text a database reads as that same name.
///
/// PostgreSQL folds an unquoted name to lower case, so `Post` must stay `"Post"`; a keyword
/// (`user`, `order`) must be quoted in either dialect. A name that needs neither is written
/// bare, as people write it.
public enum SQLIdentifier {
    /// PostgreSQL keeps the first 63 bytes of a name (NAMEDATALEN - 1) and drops the rest.
    public static let postgresNameLimit = 63

    /// `name` as the dialect reads it back: bare when it is a plain word that is no keyword,
    /// else double-quoted with its own double quotes doubled.
    public static func quoted(_ name: String, for dialect: Dialect) -> String {
        needsQuotes(name, for: dialect) ? enclosed(name, in: "\"") : name
    }

    /// Whether `name` must be quoted to be read back as itself. PostgreSQL: anything but
    /// `[a-z_][a-z0-9_$]*` that is no keyword it restricts; SQLite (which ignores case):
    /// anything but `[A-Za-z_][A-Za-z0-9_]*` that is no SQLite keyword.
    public static func needsQuotes(_ name: String, for dialect: Dialect) -> Bool {
        guard let first = name.utf8.first else { return true }
        let lowerOnly = dialect == .postgresql
        func letter(_ b: UInt8) -> Bool {
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (!lowerOnly && b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
        }
        func digit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard letter(first) || first == UInt8(ascii: "_") else { return true }
        for b in name.utf8 where !(letter(b) || digit(b) || b == UInt8(ascii: "_") || (lowerOnly && b == UInt8(ascii: "$"))) {
            return true
        }
        // A plain PostgreSQL name is lower case already: looked up without lowercasing it again.
        return lowerOnly ? postgresKeywords.contains(name) : isKeyword(name, for: dialect)
    }

    /// Whether `word` is a keyword the dialect will not take as a bare name everywhere.
    public static func isKeyword(_ word: String, for dialect: Dialect) -> Bool {
        let lower = word.lowercased()
        return dialect == .postgresql ? postgresKeywords.contains(lower) : sqliteKeywords.contains(lower)
    }

    /// A possibly schema-qualified name as SQL: `"Post"`, `public."Post"`, `billing.invoices`.
    public static func qualified(_ name: String, schema: String?, for dialect: Dialect) -> String {
        guard let schema else { return quoted(name, for: dialect) }
        return quoted(schema, for: dialect) + "." + quoted(name, for: dialect)
    }

    /// `text` as a string literal: `'it''s'`.
    public static func literal(_ text: String) -> String {
        enclosed(text, in: "'")
    }

    /// `text` between two `quote`s, each `quote` inside doubled.
    private static func enclosed(_ text: String, in quote: Character) -> String {
        // Most names hold no quote at all (`"Post"`): then there is nothing to double.
        if let byte = quote.asciiValue, !text.utf8.contains(byte) { return "\(quote)\(text)\(quote)" }
        var out = String(quote)
        for character in text {
            out.append(character)
            if character == quote { out.append(quote) }
        }
        out.append(quote)
        return out
    }

    /// A name made of others, the way PostgreSQL and ORMs name what they create
    /// (`Post_authorId_idx` for an index on `"Post" ("authorId")`): the parts joined with `_`,
    /// then `_suffix`; on PostgreSQL cut to 63 bytes, with a hash of the whole name kept so
    /// that two long names stay apart. Quote it with `quoted` when writing it.
    public static func derivedName(_ parts: [String], suffix: String, for dialect: Dialect) -> String {
        let name = (parts + [suffix]).joined(separator: "_")
        return dialect == .postgresql ? fitted(name, limit: postgresNameLimit) : name
    }

    /// `base + ending` within `limit` bytes: unchanged when it fits, else `base` cut at a
    /// character boundary, `_`, 8 hex digits of `base`'s FNV-1a hash, then `ending`.
    public static func fitted(_ base: String, ending: String = "", limit: Int) -> String {
        guard base.utf8.count + ending.utf8.count > limit else { return base + ending }
        let hash = "_" + fnv1a(base)
        let room = max(0, limit - hash.utf8.count - ending.utf8.count)
        var kept = ""
        var used = 0
        for scalar in base.unicodeScalars {
            let size = String(scalar).utf8.count
            if used + size > room { break }
            kept.unicodeScalars.append(scalar)
            used += size
        }
        return kept + hash + ending
    }

    /// FNV-1a, 32 bits, as 8 lower-case hex digits: stable across runs and platforms (Swift's
    /// own hashes are seeded per process).
    public static func fnv1a(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// PostgreSQL's keywords outside its "unreserved" category (reserved, type or function
    /// name, column name), which `quote_ident` quotes too: each is refused as a bare name in
    /// some place a name can stand.
    static let postgresKeywords: Set<String> = [
        // reserved
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check",
        "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time",
        "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except",
        "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into",
        "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order",
        "placing", "primary", "references", "returning", "select", "session_user", "some", "symmetric", "system_user",
        "table", "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where",
        "window", "with",
        // type or function names
        "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full", "ilike",
        "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps", "right", "similar",
        "tablesample", "verbose",
        // column names
        "between", "bigint", "bit", "boolean", "char", "character", "coalesce", "dec", "decimal", "exists", "extract",
        "float", "graph_table", "greatest", "grouping", "inout", "int", "integer", "interval", "json", "json_array",
        "json_arrayagg", "json_exists", "json_object", "json_objectagg", "json_query", "json_scalar", "json_serialize",
        "json_table", "json_value", "least", "merge_action", "national", "nchar", "none", "normalize", "nullif",
        "numeric", "out", "overlay", "position", "precision", "real", "row", "setof", "smallint", "substring", "time",
        "timestamp", "treat", "trim", "values", "varchar", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists",
        "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",
    ]

    /// SQLite's keywords (https://www.sqlite.org/lang_keywords.html): SQLite takes many of
    /// them as names where it can tell, but not everywhere.
    static let sqliteKeywords: Set<String> = [
        "abort", "action", "add", "after", "all", "alter", "always", "analyze", "and", "as", "asc", "attach",
        "autoincrement", "before", "begin", "between", "by", "cascade", "case", "cast", "check", "collate", "column",
        "commit", "conflict", "constraint", "create", "cross", "current", "current_date", "current_time",
        "current_timestamp", "database", "default", "deferrable", "deferred", "delete", "desc", "detach", "distinct",
        "do", "drop", "each", "else", "end", "escape", "except", "exclude", "exclusive", "exists", "explain", "fail",
        "filter", "first", "following", "for", "foreign", "from", "full", "generated", "glob", "group", "groups",
        "having", "if", "ignore", "immediate", "in", "index", "indexed", "initially", "inner", "insert", "instead",
        "intersect", "into", "is", "isnull", "join", "key", "last", "left", "like", "limit", "match", "materialized",
        "natural", "no", "not", "nothing", "notnull", "null", "nulls", "of", "offset", "on", "or", "order", "others",
        "outer", "over", "partition", "plan", "pragma", "preceding", "primary", "query", "raise", "range", "recursive",
        "references", "regexp", "reindex", "release", "rename", "replace", "restrict", "returning", "right",
        "rollback", "row", "rows", "savepoint", "select", "set", "table", "temp", "temporary", "then", "ties", "to",
        "transaction", "trigger", "unbounded", "union", "unique", "update", "using", "vacuum", "values", "view",
        "virtual", "when", "where", "window", "with", "without",
    ]
}

extension ObjectName {
    /// The name as SQL of `dialect`, schema included when it was written: `"Post"`,
    /// `public."Post"`.
    public func sql(_ dialect: Dialect) -> String {
        SQLIdentifier.qualified(name, schema: schema, for: dialect)
    }
}

extension ColumnName {
    /// The column as SQL of `dialect`: `"authorId"`, `author_id`.
    public func sql(_ dialect: Dialect) -> String { SQLIdentifier.quoted(name, for: dialect) }
}

/// One SQL statement of a file: where it is, and what the statement reader understood of it.
///
/// `tokens` indexes into the file's token array (trivia included); `range` runs from the first
/// non-trivia token to the end of the last one before the `;` (the `;` itself is not included).
public struct Statement: Sendable {
    public var kind: StatementKind
    public var range: SourceRange
    public var tokens: Range<Int>

    public init(kind: StatementKind, range: SourceRange, tokens: Range<Int>) {
        self.kind = kind
        self.range = range
        self.tokens = tokens
    }
}

/// A possibly schema-qualified name (`public.users`). Unquoted parts are folded to lower case
/// (both dialects compare them case-insensitively); quoted parts keep their case.
public struct ObjectName: Sendable, Hashable, CustomStringConvertible {
    public var schema: String?
    public var name: String
    public var range: SourceRange

    public init(schema: String? = nil, name: String, range: SourceRange) {
        self.schema = schema
        self.name = name
        self.range = range
    }

    /// The name as the schema model keys it: the default schema (`public`, `main`) is dropped.
    public var key: String {
        if let schema, schema != "public", schema != "main" { return "\(schema).\(name)" }
        return name
    }

    public var description: String { schema.map { "\($0).\(name)" } ?? name }

    public static func == (a: ObjectName, b: ObjectName) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

/// A column name with the place it was written.
public struct ColumnName: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var range: SourceRange

    public init(name: String, range: SourceRange) {
        self.name = name
        self.range = range
    }

    public var description: String { name }
    public static func == (a: ColumnName, b: ColumnName) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// `REFERENCES table (columns) [ON DELETE ...]`.
public struct ForeignKeyReference: Sendable, Hashable {
    public var table: ObjectName
    public var columns: [ColumnName]
    public var onDelete: String?
    public var onUpdate: String?

    public init(table: ObjectName, columns: [ColumnName] = [], onDelete: String? = nil, onUpdate: String? = nil) {
        self.table = table
        self.columns = columns
        self.onDelete = onDelete
        self.onUpdate = onUpdate
    }
}

/// A column definition in CREATE TABLE or ALTER TABLE ... ADD COLUMN.
public struct ColumnDefinition: Sendable, Hashable {
    public var name: ColumnName
    /// The type as written, lower-cased with single spaces: `varchar(255)`, `timestamp with time
    /// zone`, `integer[]`; nil when omitted (SQLite allows that).
    public var type: String?
    public var notNull: Bool = false
    public var primaryKey: Bool = false
    public var unique: Bool = false
    /// The DEFAULT expression's text, trivia folded to single spaces (`now()`, `'x'`, `(1 + 2)`).
    public var defaultExpression: String?
    public var references: ForeignKeyReference?
    public var hasCheck: Bool = false
    /// `GENERATED ALWAYS AS (...) STORED|VIRTUAL` (not identity columns).
    public var generated: Bool = false
    /// `GENERATED ... AS IDENTITY` (PostgreSQL) or `AUTOINCREMENT` (SQLite).
    public var identity: Bool = false
    public var collation: String?
    public var range: SourceRange

    public init(name: ColumnName, type: String? = nil, range: SourceRange) {
        self.name = name
        self.type = type
        self.range = range
    }
}

public enum TableConstraintKind: Sendable, Hashable {
    case primaryKey(columns: [ColumnName])
    case unique(columns: [ColumnName])
    case foreignKey(columns: [ColumnName], references: ForeignKeyReference)
    case check(expression: String)
    /// EXCLUDE and anything else the reader does not model.
    case other(String)
}

/// A table constraint (CREATE TABLE body or ALTER TABLE ... ADD CONSTRAINT).
public struct TableConstraint: Sendable, Hashable {
    public var name: String?
    public var kind: TableConstraintKind
    /// PostgreSQL `NOT VALID`.
    public var notValid: Bool = false
    /// `ADD CONSTRAINT ... UNIQUE USING INDEX name` / `PRIMARY KEY USING INDEX name`.
    public var usingIndex: String?
    public var range: SourceRange

    public init(name: String? = nil, kind: TableConstraintKind, range: SourceRange) {
        self.name = name
        self.kind = kind
        self.range = range
    }
}

public struct CreateTable: Sendable, Hashable {
    public var name: ObjectName
    public var ifNotExists = false
    public var temporary = false
    public var unlogged = false
    public var columns: [ColumnDefinition] = []
    public var constraints: [TableConstraint] = []
    /// `CREATE TABLE ... AS SELECT` (columns unknown to the reader).
    public var asSelect = false
    /// `CREATE TABLE ... AS ... WITH NO DATA`: the table is created empty (without it, AS fills
    /// the table with the query's rows).
    public var withNoData = false
    /// PostgreSQL `PARTITION OF parent` / `(LIKE other)` / `INHERITS`: columns come from elsewhere.
    public var derivesColumns = false

    public init(name: ObjectName) { self.name = name }
}

public enum AlterTableAction: Sendable, Hashable {
    case addColumn(ColumnDefinition, ifNotExists: Bool)
    case dropColumn(ColumnName, ifExists: Bool, cascade: Bool)
    /// `ALTER COLUMN c [SET DATA] TYPE t [USING expr]`.
    case alterColumnType(ColumnName, type: String, using: String?)
    case setNotNull(ColumnName)
    case dropNotNull(ColumnName)
    case setDefault(ColumnName, expression: String)
    case dropDefault(ColumnName)
    case addConstraint(TableConstraint)
    case dropConstraint(name: String, ifExists: Bool, cascade: Bool)
    case validateConstraint(name: String)
    case renameTable(to: ObjectName)
    case renameColumn(from: ColumnName, to: ColumnName)
    case renameConstraint(from: String, to: String)
    /// Anything else (`SET SCHEMA`, `OWNER TO`, `ENABLE TRIGGER`, ...): its first words.
    case other(String)
}

public struct AlterTable: Sendable, Hashable {
    public var name: ObjectName
    public var ifExists = false
    public var only = false
    /// Each action with the range it covers (PostgreSQL allows several, comma-separated).
    public var actions: [(action: AlterTableAction, range: SourceRange)] = []

    public init(name: ObjectName) { self.name = name }

    public static func == (a: AlterTable, b: AlterTable) -> Bool {
        a.name == b.name && a.ifExists == b.ifExists && a.only == b.only
            && a.actions.map(\.action) == b.actions.map(\.action)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(actions.map(\.action))
    }
}

/// One element of an index: a column, or an expression (`lower(email)`), with its direction.
public struct IndexElement: Sendable, Hashable {
    /// The column name when the element is a bare column, else nil.
    public var column: ColumnName?
    /// The element's text, trivia folded (`lower(email)`, `created_at desc`).
    public var text: String
    public var range: SourceRange

    public init(column: ColumnName?, text: String, range: SourceRange) {
        self.column = column
        self.text = text
        self.range = range
    }
}

public struct CreateIndex: Sendable, Hashable {
    /// Nil when the index is unnamed (PostgreSQL generates one).
    public var name: ObjectName?
    public var table: ObjectName
    public var unique = false
    public var concurrently = false
    public var ifNotExists = false
    /// `USING gin` etc., lower-cased.
    public var method: String?
    public var elements: [IndexElement] = []
    /// The partial-index predicate's text.
    public var whereClause: String?

    public init(table: ObjectName) { self.table = table }
}

public enum DropObjectKind: String, Sendable, Hashable {
    case table, index, view, materializedView = "materialized view", schema, database, trigger,
         function, procedure, type, sequence, `extension`, other
}

public struct DropStatement: Sendable, Hashable {
    public var objectKind: DropObjectKind
    public var names: [ObjectName] = []
    public var ifExists = false
    public var cascade = false
    public var concurrently = false

    public init(objectKind: DropObjectKind) { self.objectKind = objectKind }
}

public struct TruncateStatement: Sendable, Hashable {
    public var tables: [ObjectName] = []
    public var cascade = false

    public init() {}
}

/// DELETE or UPDATE: the target table and whether a WHERE clause limits it.
public struct DataChange: Sendable, Hashable {
    public var table: ObjectName
    public var hasWhere: Bool
    /// The WHERE clause's text, trivia folded (the rollback issue counts affected rows with it).
    public var whereClause: String?

    public init(table: ObjectName, hasWhere: Bool, whereClause: String? = nil) {
        self.table = table
        self.hasWhere = hasWhere
        self.whereClause = whereClause
    }
}

public struct InsertStatement: Sendable, Hashable {
    public var table: ObjectName
    public var columns: [ColumnName] = []
    /// `INSERT ... SELECT` rather than `VALUES`.
    public var fromSelect = false

    public init(table: ObjectName) { self.table = table }
}

public enum TransactionControl: String, Sendable, Hashable {
    case begin, commit, rollback, savepoint, release
}

/// `SET [LOCAL|SESSION] name = value` / `SET name TO value` (PostgreSQL), `PRAGMA name = value`
/// is `.pragma` (SQLite).
public struct SetStatement: Sendable, Hashable {
    public var name: String
    public var value: String
    public var local = false

    public init(name: String, value: String, local: Bool = false) {
        self.name = name
        self.value = value
        self.local = local
    }
}

/// What the reader understood. A statement it does not know is `.other` with its leading
/// keywords, never an error.
public indirect enum StatementKind: Sendable, Hashable {
    case createTable(CreateTable)
    case alterTable(AlterTable)
    case createIndex(CreateIndex)
    case drop(DropStatement)
    case truncate(TruncateStatement)
    case delete(DataChange)
    case update(DataChange)
    case insert(InsertStatement)
    case transaction(TransactionControl)
    case set(SetStatement)
    case pragma(SetStatement)
    /// Anything else: the first one to three keywords, lower-cased (`create function`, `grant`).
    case other(String)
}

import Foundation
import StrataCore
import StrataSyntax

/// What the optimisation checks read from a live database, in the same shape for both
/// dialects: tables with their columns, indexes with what makes two of them interchangeable,
/// and foreign keys. Strata's own tracking tables are left out.
struct LiveSchema {
    struct Column: Equatable {
        var name: String
        /// The type as declared (SQLite) or as PostgreSQL prints it (`bigint`).
        var type: String
        /// The column's own collation when it declares one (`NOCASE`, upper-cased on SQLite);
        /// nil for the default (BINARY on SQLite, the type's on PostgreSQL).
        var collation: String?
    }

    /// PostgreSQL's activity counters for a table (`pg_stat_user_tables`).
    struct TableActivity {
        var sequentialScans: Int64
        var indexScans: Int64?
        var liveRows: Int64
        var modifiedSinceAnalyze: Int64
        var lastAnalyze: String?
        var lastAutoanalyze: String?
    }

    struct Table {
        /// How reports name it: bare in the current schema (always on SQLite), else qualified.
        var key: String
        /// Nil on SQLite.
        var schema: String?
        var name: String
        var columns: [Column]
        var hasPrimaryKey: Bool
        /// SQLite: the INTEGER PRIMARY KEY column, which is the rowid itself (no index, but
        /// lookups by it are as fast as by one).
        var rowidAlias: String?
        /// PostgreSQL: a partitioned parent, on which CREATE INDEX CONCURRENTLY is refused.
        var partitioned = false
        /// PostgreSQL: nil when the statistics collector has nothing for it.
        var activity: TableActivity?

        func column(_ name: String) -> Column? { columns.first { $0.name == name } }
    }

    struct Index {
        struct Element: Equatable {
            /// The column, or nil for an expression.
            var column: String?
            /// The collation the element sorts by, upper-cased on SQLite (`BINARY`, `NOCASE`);
            /// nil on PostgreSQL when it is the column's own.
            var collation: String?
            /// Everything that decides what the element sorts by (column or expression, operator
            /// class, collation, order): two indexes agree on an element when this is equal.
            var identity: String
        }

        var name: String
        /// The table's key (`LiveSchema.Table.key`).
        var table: String
        var schema: String?
        var elements: [Element]
        /// INCLUDE columns (PostgreSQL).
        var included: [String] = []
        var unique: Bool
        var primary: Bool
        /// False for an INVALID index (a failed CREATE INDEX CONCURRENTLY, or one being built).
        var valid = true
        /// The WHERE of a partial index, as the database prints it; nil for a full index.
        var predicate: String?
        /// `btree`, `hash`, `gin`... (SQLite: always `btree`).
        var method = "btree"
        /// A constraint owns it (a primary key, a UNIQUE or exclusion constraint, SQLite's
        /// automatic indexes) or depends on it (a foreign key referencing its columns): DROP
        /// INDEX cannot remove it.
        var backsConstraint: Bool
        /// The CREATE INDEX statement as the database gives it; nil for automatic indexes.
        var definition: String?
        /// PostgreSQL: `pg_stat_user_indexes.idx_scan`.
        var scans: Int64?
        var sizeBytes: Int64?
        /// Creation order (oid, or position in sqlite_schema): of two equal indexes the older stays.
        var order: Int64

        var columns: [String] { elements.map { $0.column ?? "(expression)" } }

        /// Unique in the database (index names are unique per schema on PostgreSQL).
        var id: String { "\(schema ?? "").\(name)" }

        /// Whether an equality lookup by `columns` (in any order) can use this index: valid,
        /// whole-table, ordered, and led by exactly those columns.
        func leads(on columns: [String]) -> Bool {
            guard valid, predicate == nil, method == "btree" || (method == "hash" && columns.count == 1),
                  elements.count >= columns.count else { return false }
            let prefix = elements.prefix(columns.count).map(\.column)
            return prefix.allSatisfy { $0 != nil } && Set(prefix.compactMap { $0 }) == Set(columns)
        }
    }

    struct ForeignKey {
        /// The child table's key.
        var table: String
        var name: String?
        var columns: [String]
        /// The parent table's key.
        var referencedTable: String
        var referencedColumns: [String]
    }

    var dialect: Dialect
    /// PostgreSQL: the schema unqualified names resolve to (`current_schema()`).
    var currentSchema: String?
    var tables: [Table] = []
    var indexes: [Index] = []
    var foreignKeys: [ForeignKey] = []
    /// Every relation name in use (SQLite: lower-cased, as it compares them; PostgreSQL:
    /// `schema.name` as spelt), so a new index gets a free name.
    var relationNames: Set<String> = []

    init(dialect: Dialect) { self.dialect = dialect }

    func table(_ key: String) -> Table? { tables.first { $0.key == key } }

    func indexes(on table: String) -> [Index] { indexes.filter { $0.table == table } }

    /// The live table a name from the migrations' schema model stands for: the model drops
    /// `public` and `main`, the database may qualify it with another current schema.
    func table(modelKey: String) -> Table? {
        if let exact = table(modelKey) { return exact }
        return tables.first { table in
            guard let schema = table.schema else { return table.name.lowercased() == modelKey.lowercased() }
            return "\(schema).\(table.name)" == modelKey || (!modelKey.contains(".") && table.name == modelKey && schema == "public")
        }
    }

    /// Strata's tracking tables, never analysed: they are the applier's, not the application's.
    static func isStrataTable(_ name: String) -> Bool {
        [Ledger.table, Ledger.rollbacks, Ledger.schemaTable].contains(name)
            || (name.hasPrefix("__") && name.hasSuffix("__") && (name.hasPrefix("__migration") || name.hasPrefix("__strata")))
    }
}

import Foundation
import StrataCore
import StrataSyntax

/// What `strata optimize --analyze` may be told.
public struct OptimizeOptions: Sendable {
    /// PostgreSQL schemas to read; empty for every schema that is not the system's.
    public var schemas: [String] = []
    /// Tables with fewer live rows are never called sequentially scanned: reading a small
    /// table whole is as fast as any index.
    public var sequentialScanMinimumRows: Int64 = 10_000
    /// How many of pg_stat_statements' slowest statements the report lists.
    public var slowStatementLimit = 10

    public init() {}
}

/// Reads a live database and reports what would make it faster or leaner: foreign keys no
/// index serves, indexes that repeat others, tables without a primary key, columns the
/// migrations index that are gone, and what each dialect's statistics tell (see the
/// `OptimizeFinding.Kind` cases). It only reads: on PostgreSQL the session is read-only while
/// it runs, and SQLite's `PRAGMA optimize` is asked in its report-only mode.
///
/// ```swift
/// let report = try OptimizeAnalyzer(database: db, migrations: files, applied: ["0001_init"]).analyze()
/// report.findings.map(\.kind)   // [.foreignKeyWithoutIndex, .redundantIndex]
/// ```
public struct OptimizeAnalyzer {
    let database: any Database
    /// The project's migrations in the order they apply.
    let migrations: [MigrationFile]
    /// The ids of the migrations the database has applied.
    let applied: Set<String>
    let options: OptimizeOptions

    public init(database: any Database, migrations: [MigrationFile], applied: Set<String>, options: OptimizeOptions = OptimizeOptions()) {
        self.database = database
        self.migrations = migrations
        self.applied = applied
        self.options = options
    }

    public func analyze() throws(ApplyError) -> OptimizeReport {
        switch database.dialect {
        case .sqlite:
            return try run(LiveSchema.sqlite(database))
        case .postgresql:
            // Nothing below writes; a read-only session makes sure of it.
            try database.execute("SET default_transaction_read_only = on")
            defer { try? database.execute("RESET default_transaction_read_only") }
            return try run(LiveSchema.postgres(database, schemas: options.schemas))
        }
    }

    private func run(_ live: LiveSchema) throws(ApplyError) -> OptimizeReport {
        var analysis = OptimizeAnalysis(live: live, database: database, options: options)
        analysis.foreignKeys()
        analysis.redundantIndexes()
        analysis.primaryKeys()
        analysis.migrationIndexes(migrations, applied: applied)
        var report = OptimizeReport(dialect: live.dialect, findings: [])
        switch live.dialect {
        case .postgresql: try analysis.postgresActivity(into: &report)
        case .sqlite: try analysis.sqliteStatistics(into: &report)
        }
        let order = Dictionary(uniqueKeysWithValues: OptimizeFinding.Kind.allCases.enumerated().map { ($1, $0) })
        report.findings = analysis.findings.sorted { a, b in
            (order[a.kind] ?? 0, a.table ?? "", a.index ?? "", a.columns.joined(separator: ","))
                < (order[b.kind] ?? 0, b.table ?? "", b.index ?? "", b.columns.joined(separator: ","))
        }
        report.notes += analysis.notes
        return report
    }
}

/// One analysis in progress: the schema read, the names given out so far, what was found.
struct OptimizeAnalysis {
    let live: LiveSchema
    let database: any Database
    let options: OptimizeOptions
    var sql: OptimizeSQL
    var findings: [OptimizeFinding] = []
    var notes: [String] = []
    /// Indexes reported redundant, which the unused-index check does not report again.
    var redundant: Set<String> = []
    /// The indexes reported redundant to each index kept: dropping them moves their scans
    /// to it, so it is unused only if they are too.
    var kept: [String: [String]] = [:]

    init(live: LiveSchema, database: any Database, options: OptimizeOptions) {
        self.live = live
        self.database = database
        self.options = options
        sql = OptimizeSQL(live)
    }

    var dialect: Dialect { live.dialect }

    /// SQLite: whether the database keeps planner statistics (has `sqlite_stat1`).
    var keepsStatistics: Bool {
        (try? database.query("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'"))?.first?.first?.integer == 1
    }

    // MARK: - Foreign keys

    /// Each foreign key whose child columns no index leads on: deleting a parent row, or
    /// changing its key, then reads the whole child table. On SQLite an index serves the
    /// lookup only if it sorts each column by the parent key's collation, and not at all when
    /// a numeric parent key meets a TEXT or BLOB child column (SQLite converts before it
    /// compares); both were measured on SQLite 3.40 and are reported on their own.
    mutating func foreignKeys() {
        var seen = Set<String>()
        for key in live.foreignKeys {
            guard let child = live.table(key.table), seen.insert("\(key.table)(\(key.columns.sorted()))").inserted else { continue }
            let parent = live.table(key.referencedTable)
            let described = "\(key.table) (\(key.columns.joined(separator: ", "))) → \(key.referencedTable) (\(key.referencedColumns.joined(separator: ", ")))"
            if dialect == .sqlite, let parent, let mismatch = affinityMismatch(key, child: child, parent: parent) {
                findings.append(mismatch)
                continue
            }
            if dialect == .sqlite, key.columns.count == 1, key.columns[0] == child.rowidAlias { continue }
            let wanted = parentCollations(key, parent: parent)
            let indexes = live.indexes(on: child.key)
            if indexes.contains(where: { $0.leads(on: key.columns) && sortsBy(wanted, $0) }) { continue }
            let columns = key.columns.map { column in
                (name: column, collation: wanted[column].flatMap { $0 == effectiveCollation(child, column) ? nil : $0 })
            }
            let name = sql.newIndexName(table: child, columns: key.columns)
            var fix = child.partitioned ? nil : sql.createIndex(name, on: child, columns: columns)
            if dialect == .sqlite, keepsStatistics { fix?.analyzeAfter = sql.analyze(child).up }
            let fixSQL = fix.map { [$0.up] } ?? ["-- \(child.key) is partitioned, where CREATE INDEX CONCURRENTLY is refused: create the index CONCURRENTLY on each partition, then CREATE INDEX ON ONLY \(sql.reference(child)) and ALTER INDEX ... ATTACH PARTITION each"]
            var details = ["references": key.referencedTable, "referenced_columns": key.referencedColumns.joined(separator: ",")]
            if let name = key.name { details["constraint"] = name }
            if let unusable = indexes.first(where: { $0.leads(on: key.columns) }), let collation = unusable.elements.first?.collation {
                details["unusable_index"] = unusable.name
                findings.append(OptimizeFinding(
                    kind: .foreignKeyCollationMismatch, table: child.key, index: unusable.name, columns: key.columns,
                    message: "foreign key \(described): \(unusable.name) leads on \(key.columns.joined(separator: ", ")) but sorts by \(collation), and SQLite looks child rows up with the parent key's collation (\(wanted.values.compactMap { $0 }.sorted().joined(separator: ", ")))",
                    why: "each DELETE of a row of \(key.referencedTable), or change of its key, reads all of \(child.key) to find the rows that reference it: \(unusable.name) cannot serve that lookup",
                    sql: fixSQL, details: details, fix: fix))
                continue
            }
            findings.append(OptimizeFinding(
                kind: .foreignKeyWithoutIndex, table: child.key, columns: key.columns,
                message: "foreign key \(described) has no index led by \(key.columns.joined(separator: ", "))",
                why: "each DELETE of a row of \(key.referencedTable), or change of its key, reads all of \(child.key) to find the rows that reference it (holding its locks meanwhile), and joins from \(key.referencedTable) to \(child.key) scan it too",
                sql: fixSQL, details: details, fix: fix))
        }
    }

    /// SQLite: the collation each child column is compared with in foreign-key lookups (the
    /// parent key column's, BINARY when it declares none). Empty on PostgreSQL.
    private func parentCollations(_ key: LiveSchema.ForeignKey, parent: LiveSchema.Table?) -> [String: String?] {
        guard dialect == .sqlite else { return [:] }
        var wanted: [String: String?] = [:]
        for (child, parentColumn) in zip(key.columns, key.referencedColumns) {
            wanted[child] = parent?.column(parentColumn)?.collation ?? "BINARY"
        }
        return wanted
    }

    /// Whether `index` sorts each wanted column by the wanted collation.
    private func sortsBy(_ wanted: [String: String?], _ index: LiveSchema.Index) -> Bool {
        index.elements.allSatisfy { element in
            guard let column = element.column, let collation = wanted[column] else { return true }
            return collation == nil || element.collation == collation
        }
    }

    /// SQLite: a column's collation, BINARY when it declares none.
    func effectiveCollation(_ table: LiveSchema.Table, _ column: String) -> String {
        table.column(column)?.collation ?? "BINARY"
    }

    /// SQLite: a foreign key whose child and parent columns fall in different affinity
    /// classes (numeric: INTEGER, REAL, NUMERIC; TEXT; BLOB, which is also no type).
    private func affinityMismatch(_ key: LiveSchema.ForeignKey, child: LiveSchema.Table, parent: LiveSchema.Table) -> OptimizeFinding? {
        func affinityClass(_ affinity: String) -> String { ["INTEGER", "REAL", "NUMERIC"].contains(affinity) ? "numeric" : affinity }
        for (childColumn, parentColumn) in zip(key.columns, key.referencedColumns) {
            guard let c = child.column(childColumn), let p = parent.column(parentColumn) else { continue }
            let childAffinity = LiveSchema.sqliteAffinity(c.type), parentAffinity = LiveSchema.sqliteAffinity(p.type)
            guard affinityClass(childAffinity) != affinityClass(parentAffinity) else { continue }
            let defeatsIndex = affinityClass(parentAffinity) == "numeric"
            let why = defeatsIndex
                ? "SQLite converts \(child.key).\(childColumn) to \(parentAffinity) before comparing it with the parent key, so no index on \(childColumn) serves the lookup when a row of \(parent.key) is deleted or its key changes: it reads all of \(child.key); and values that look alike ('1' and 1) may not match"
                : "the two columns store values differently (\(childAffinity) affinity against \(parentAffinity)): a value that looks the same on both sides may be stored as another type, and then neither matches in joins nor satisfies the key"
            return OptimizeFinding(
                kind: .foreignKeyAffinityMismatch, table: child.key, columns: [childColumn],
                message: "foreign key \(child.key) (\(childColumn)) → \(parent.key) (\(parentColumn)): the child column is declared \(c.type.isEmpty ? "without a type" : c.type) (\(childAffinity) affinity), the parent key \(p.type.isEmpty ? "without a type" : p.type) (\(parentAffinity) affinity)",
                why: why,
                sql: ["-- declare \(child.key).\(childColumn) with the parent key's type (\(p.type.isEmpty ? "no type" : p.type)): SQLite changes a column's type only by rebuilding the table (CREATE TABLE new, INSERT INTO new SELECT ..., DROP TABLE, ALTER TABLE new RENAME TO \(sql.identifier(child.name)))"],
                details: ["references": parent.key, "child_affinity": childAffinity, "parent_affinity": parentAffinity,
                          "index_usable": defeatsIndex ? "false" : "true"])
        }
        return nil
    }

    // MARK: - Primary keys

    mutating func primaryKeys() {
        for table in live.tables where !table.hasPrimaryKey {
            let why = dialect == .postgresql
                ? "nothing identifies a row: duplicates can creep in, tools and ORMs cannot update one row safely, and logical replication refuses UPDATE and DELETE on it without a replica identity"
                : "nothing identifies a row but its rowid, which VACUUM may renumber: duplicates can creep in, and references to rows are not stable"
            let suggestion = dialect == .postgresql
                ? "-- once a column (or columns) identifies each row: ALTER TABLE \(sql.reference(table)) ADD PRIMARY KEY (column)"
                : "-- SQLite adds a primary key only by rebuilding the table: CREATE TABLE new (... PRIMARY KEY ...), INSERT INTO new SELECT ... FROM \(sql.reference(table)), DROP TABLE, ALTER TABLE new RENAME TO \(sql.identifier(table.name))"
            findings.append(OptimizeFinding(kind: .tableWithoutPrimaryKey, table: table.key, message: "\(table.key) has no primary key",
                                            why: why, sql: [suggestion]))
        }
    }
}

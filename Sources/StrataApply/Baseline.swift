import StrataCore

/// Another tool whose tracking table `strata baseline` reads.
public enum BaselineSource: String, CaseIterable, Sendable {
    case dbmate
    case goose
    case golangMigrate = "golang-migrate"
    case flyway
    case diesel
    case sqlx
    case prisma
    case drizzle
    case atlas
    case sqlMigrate = "sql-migrate"
    case liquibaseSQL = "liquibase-sql"
    case sqitch
    /// The Supabase CLI (`supabase migration up`, `supabase db push`): sqlx's file shape.
    case supabase

    /// The table the tool keeps its applied migrations in.
    public var table: String {
        switch self {
        case .dbmate, .golangMigrate: "schema_migrations"
        case .goose: "goose_db_version"
        case .flyway: "flyway_schema_history"
        case .diesel: "__diesel_schema_migrations"
        case .sqlx: "_sqlx_migrations"
        case .prisma: "_prisma_migrations"
        case .drizzle: "__drizzle_migrations"
        case .atlas: "atlas_schema_revisions"
        case .sqlMigrate: "gorp_migrations"
        case .liquibaseSQL: "databasechangelog"
        case .sqitch: "sqitch.changes"
        case .supabase: "supabase_migrations.schema_migrations"
        }
    }

    /// The tool's version of a migration, from Strata's id of its file, in the form the
    /// tool's table holds it (leading zeros dropped where the tool stores a number).
    public func version(of id: String) -> String? {
        switch self {
        case .dbmate:
            return MigrationFile.numericPrefix(of: id)
        case .goose, .golangMigrate:
            return MigrationFile.numericPrefix(of: id).map(Self.withoutLeadingZeros)
        case .diesel:
            // diesel: the folder name up to the first `_`, dashes removed.
            let prefix = id.split(separator: "_", maxSplits: 1).first.map(String.init) ?? id
            return prefix.replacingOccurrences(of: "-", with: "")
        case .supabase:
            // The Supabase CLI: the 14-digit timestamp before the first `_`, as text.
            return MigrationFile.numericPrefix(of: id)
        case .sqlx:
            // sqlx: the number before the first `_`, stored as a BIGINT.
            return MigrationFile.numericPrefix(of: id).map(Self.withoutLeadingZeros)
        case .prisma, .drizzle:
            // Prisma: the folder's name (`migration_name`); drizzle: the journal's tag (its rows
            // hold a hash and a time, matched with the journal in `BaselineReader`).
            return id
        case .sqitch:
            return id   // the change's name, or `name@tag` for a reworked one's older occurrence
        case .atlas:
            // Atlas's version: the file name up to the first `_`.
            return id.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? id
        case .sqlMigrate:
            // sql-migrate's id is the file name.
            return id + ".sql"
        case .liquibaseSQL:
            // `<file stem>/<author>:<id>`, which the reader builds from each row the same way.
            return id
        case .flyway:
            guard let parts = FlywayLayout.parts(Substring(id + ".sql")) else { return nil }
            return parts.prefix == "R" ? "R__" + parts.description : FlywayLayout.normalized(parts.version)
        }
    }

    static func withoutLeadingZeros(_ digits: String) -> String {
        let trimmed = digits.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}

/// What the other tool's table says was applied, read before anything is written.
public struct BaselinePlan: Sendable {
    public struct Adopted: Sendable {
        public var entry: CatalogEntry
        public var version: String
        /// When the other tool applied it, as its table says (nil: not recorded there).
        public var appliedAt: String?
        public var executionMilliseconds: Int64?
    }

    public var source: BaselineSource
    /// Migrations the other tool applied, to record as applied in `__migrations__`.
    public var adopted: [Adopted]
    /// Ids already in `__migrations__`, left as they are.
    public var alreadyTracked: [String]
    /// Ids the other tool has not applied: they stay pending for `strata up`.
    public var pending: [String]
    /// Versions in the other tool's table with no migration file here.
    public var versionsWithoutFile: [String]
}

extension Applier {
    /// Reads `source`'s tracking table and matches its versions with the migration files.
    /// Throws `.refused` when the table is missing or shows a migration that failed or was left
    /// dirty (a half-applied migration must be resolved with that tool first).
    public func baselinePlan(from source: BaselineSource) throws(ApplyError) -> BaselinePlan {
        var table = source == .sqitch ? nil : try trackingTable(of: source)
        var found = table != nil
        if source == .sqitch { found = try BaselineReader.sqitchRegistryExists(database) }
        if !found, source == .drizzle { found = try BaselineReader.drizzleSchemaTableExists(database) }
        if table == nil { table = Ledger.quoted(source.table) }
        guard found else {
            if source == .sqitch, database.dialect == .sqlite {
                let file = (try? BaselineReader.sqliteRegistryFile(database)).flatMap { $0 } ?? "sqitch.db"
                throw ApplyError(.refused, "no sqitch registry at \(file) (sqitch keeps it in a file beside the SQLite database): nothing to baseline from sqitch")
            }
            throw ApplyError(.refused, "no \(source == .drizzle && database.dialect == .postgresql ? BaselineReader.drizzlePostgresTable : source.table) table in this database: nothing to baseline from \(source.rawValue) (is --database the one \(source.rawValue) migrates?)")
        }
        var reader = BaselineReader(database: database, source: source)
        reader.table = table
        let applied = try reader.appliedVersions(catalog: catalog)
        let tracked = Set(try ledger.entries().map(\.id))
        var plan = BaselinePlan(source: source, adopted: [], alreadyTracked: [], pending: [], versionsWithoutFile: [])
        var matched = Set<String>()
        for entry in catalog.entries {
            guard let version = source.version(of: entry.id), let row = applied.rows[version] else {
                if !tracked.contains(entry.id) { plan.pending.append(entry.id) }
                continue
            }
            matched.insert(version)
            if tracked.contains(entry.id) {
                plan.alreadyTracked.append(entry.id)
            } else {
                plan.adopted.append(.init(entry: entry, version: version, appliedAt: row.appliedAt, executionMilliseconds: row.executionMilliseconds))
            }
        }
        plan.versionsWithoutFile = applied.order.filter { !matched.contains($0) }
        return plan
    }

    /// Records the adopted migrations as applied, with their files' current checksums, in one
    /// transaction holding the migration lock; nothing runs.
    public func baseline(_ plan: BaselinePlan) throws(ApplyError) {
        try inLock { () throws(ApplyError) in
            try ledger.ensure()
            let tracked = Set(try ledger.entries().map(\.id))
            for adopted in plan.adopted where !tracked.contains(adopted.entry.id) {
                let entry = adopted.entry
                try ledger.record(LedgerEntry(
                    id: entry.id, name: entry.name, checksum: entry.checksum, downChecksum: entry.downChecksum,
                    appliedAt: adopted.appliedAt ?? Ledger.timestamp(), executionMilliseconds: adopted.executionMilliseconds ?? 0,
                    appliedBy: "\(Ledger.actor) (baseline from \(plan.source.rawValue))", status: .applied,
                    failedStatement: nil, error: nil, pid: nil))
            }
        }
    }

    /// The tool's table as SQL names it, where it is; nil when it is not there. Atlas on
    /// PostgreSQL keeps it in a schema of its own name unless it was told to use the
    /// connection's schema.
    func trackingTable(of source: BaselineSource) throws(ApplyError) -> String? {
        if source == .supabase {
            // Supabase is PostgreSQL; its CLI keeps the table in a schema of its own.
            let qualified = Ledger.quoted("supabase_migrations") + "." + Ledger.quoted("schema_migrations")
            guard database.dialect == .postgresql else { return nil }
            return try tableExists(qualified, qualified: true) ? qualified : nil
        }
        if try tableExists(source.table) { return Ledger.quoted(source.table) }
        if source == .atlas, database.dialect == .postgresql, try tableExists(Ledger.quoted(source.table) + "." + Ledger.quoted(source.table), qualified: true) {
            return Ledger.quoted(source.table) + "." + Ledger.quoted(source.table)
        }
        return nil
    }

    /// Whether a table of that name is visible (PostgreSQL: through search_path).
    /// `qualified`: `name` is already SQL (`"schema"."table"`).
    func tableExists(_ name: String, qualified: Bool = false) throws(ApplyError) -> Bool {
        switch database.dialect {
        case .sqlite:
            // Table names are matched without regard to case, as SQLite matches them
            // (Liquibase creates DATABASECHANGELOG).
            return try database.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE", [.text(name)]).first?.first == .integer(1)
        case .postgresql:
            return try database.query("SELECT (to_regclass($1) IS NOT NULL)::int", [.text(qualified ? name : Ledger.quoted(name))]).first?.first == .integer(1)
        }
    }
}

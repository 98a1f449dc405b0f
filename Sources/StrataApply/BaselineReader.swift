import StrataCore

/// Reads another tool's tracking table as that tool writes it.
struct BaselineReader {
    let database: any Database
    let source: BaselineSource
    /// The table as SQL names it (quoted; with its schema where it is not on the search path).
    var table: String? = nil

    struct Row {
        var appliedAt: String?
        var executionMilliseconds: Int64?
    }

    struct Applied {
        /// Version → what the table says of it.
        var rows: [String: Row] = [:]
        /// Versions in the table's order.
        var order: [String] = []

        mutating func add(_ version: String, _ row: Row) {
            if rows[version] == nil { order.append(version) }
            rows[version] = row
        }

        mutating func remove(_ version: String) {
            rows[version] = nil
            order.removeAll { $0 == version }
        }
    }

    func appliedVersions(catalog: MigrationCatalog) throws(ApplyError) -> Applied {
        let table = self.table ?? Ledger.quoted(source.table)
        var applied = Applied()
        switch source {
        case .dbmate:
            for row in try database.query("SELECT CAST(version AS TEXT) FROM \(table) ORDER BY version") {
                if let version = row[0].text { applied.add(version, Row()) }
            }
        case .diesel:
            for row in try database.query("SELECT CAST(version AS TEXT), CAST(run_on AS TEXT) FROM \(table) ORDER BY version") {
                if let version = row[0].text { applied.add(version, Row(appliedAt: row[1].text)) }
            }
        case .goose:
            // Every up and down is a row; the latest row of a version says whether it is applied
            // now. Version 0 is the row goose writes when it creates the table.
            let rows = try database.query("""
                SELECT CAST(version_id AS TEXT), CASE WHEN is_applied THEN 1 ELSE 0 END, CAST(tstamp AS TEXT)
                FROM \(table) ORDER BY id
                """)
            for row in rows {
                guard let version = row[0].text.map(BaselineSource.withoutLeadingZeros), version != "0" else { continue }
                if row[1] == .integer(1) { applied.add(version, Row(appliedAt: row[2].text)) } else { applied.remove(version) }
            }
        case .golangMigrate:
            // One row: the version the database is at; every migration up to it has run.
            let rows = try database.query("SELECT CAST(version AS TEXT), CASE WHEN dirty THEN 1 ELSE 0 END FROM \(table)")
            guard let row = rows.first, let current = row[0].text else { return applied }
            if row[1] == .integer(1) {
                throw ApplyError(.refused, "\(source.table) is dirty at version \(current): golang-migrate stopped midway through that migration; fix the database and clear the flag with `migrate force` before baselining")
            }
            guard current != "-1" else { return applied }   // `migrate force -1`: nothing applied
            for entry in catalog.entries {
                guard let version = source.version(of: entry.id),
                      VersionOrder.compareNumbers(Substring(version), Substring(current)) <= 0 else { continue }
                applied.add(version, Row())
            }
        case .flyway:
            try readFlyway(table, into: &applied, catalog: catalog)
        case .sqlx:
            try readSqlx(table, into: &applied)
        case .prisma:
            try readPrisma(table, into: &applied)
        case .drizzle:
            try readDrizzle(into: &applied, catalog: catalog)
        case .sqitch:
            try readSqitch(into: &applied, catalog: catalog)
        case .supabase:
            // A row per migration the CLI applied (version, name, statements); no failed state.
            for row in try database.query("SELECT version, name FROM \(table) ORDER BY version") {
                if let version = row[0].text { applied.add(version, Row()) }
            }
        case .atlas:
            try readAtlas(table, into: &applied, catalog: catalog)
        case .sqlMigrate:
            // A row per applied file, its id the file name; sql-migrate deletes it on down.
            for row in try database.query("SELECT id, CAST(applied_at AS TEXT) FROM \(table) ORDER BY id") {
                if let id = row[0].text { applied.add(id, Row(appliedAt: row[1].text)) }
            }
        case .liquibaseSQL:
            try readLiquibase(table, into: &applied)
        }
        return applied
    }

    /// Flyway: every row in `installed_rank` order. A failed row refuses; an undo removes the
    /// version; a baseline row stands for every version up to its own.
    private func readFlyway(_ table: String, into applied: inout Applied, catalog: MigrationCatalog) throws(ApplyError) {
        let rows = try database.query("""
            SELECT CAST(version AS TEXT), script, type, CASE WHEN success THEN 1 ELSE 0 END, CAST(installed_on AS TEXT), execution_time
            FROM \(table) ORDER BY installed_rank
            """)
        for row in rows {
            let version = row[0].text, script = row[1].text ?? "", type = row[2].text ?? ""
            guard row[3] == .integer(1) else {
                throw ApplyError(.refused, "\(source.table) shows \(version.map { "version \($0)" } ?? script) (\(script)) as failed: repair it with Flyway (`flyway repair`) before baselining")
            }
            let at = row[4].text, ms = row[5].integer
            if type == "SCHEMA" || type == "DELETE" { continue }
            if type == "BASELINE", let version {
                for entry in catalog.entries {
                    guard let own = source.version(of: entry.id), !own.hasPrefix("R__"),
                          VersionOrder.compareFlywayVersions(Substring(own), Substring(version)) <= 0 else { continue }
                    applied.add(own, Row(appliedAt: at))
                }
            } else if type.hasPrefix("UNDO"), let version {
                applied.remove(FlywayLayout.normalized(Substring(version)))
            } else if let version {
                applied.add(FlywayLayout.normalized(Substring(version)), Row(appliedAt: at, executionMilliseconds: ms))
            } else {
                // A repeatable migration: known by its script's description.
                let name = script.split(separator: "/").last.map(String.init) ?? script
                if let parts = FlywayLayout.parts(Substring(name)), parts.prefix == "R" { applied.add("R__" + parts.description, Row(appliedAt: at, executionMilliseconds: ms)) }
            }
        }
    }

    /// Atlas: a row per version. A row that failed or stopped midway (an error, or fewer
    /// statements applied than the file holds) refuses unless it was resolved (`atlas migrate
    /// set`, type bit 4); a baseline row (type bit 1) stands for every version up to its own;
    /// rows whose version starts with `.` are Atlas's own bookkeeping.
    private func readAtlas(_ table: String, into applied: inout Applied, catalog: MigrationCatalog) throws(ApplyError) {
        let rows = try database.query("""
            SELECT version, type, applied, total, error, CAST(executed_at AS TEXT), execution_time
            FROM \(table) ORDER BY version
            """)
        for row in rows {
            guard let version = row[0].text, !version.hasPrefix(".") else { continue }
            let type = row[1].integer ?? 0, done = row[2].integer ?? 0, total = row[3].integer ?? 0
            let error = row[4].text ?? ""
            let resolved = type & 4 != 0
            if !resolved, !error.isEmpty || done < total {
                throw ApplyError(.refused, "\(source.table) shows version \(version) as \(error.isEmpty ? "partly applied (\(done) of \(total) statements)" : "failed"): Atlas stopped midway through it; fix the database and resolve it with `atlas migrate set` before baselining")
            }
            let at = row[5].text
            // Atlas records the execution time in nanoseconds.
            let ms = row[6].integer.map { $0 / 1_000_000 }
            if type & 1 != 0 {
                for entry in catalog.entries {
                    guard let own = source.version(of: entry.id), own.utf8.lexicographicallyPrecedes(version.utf8) || own == version else { continue }
                    applied.add(own, Row(appliedAt: at))
                }
            } else {
                applied.add(version, Row(appliedAt: at, executionMilliseconds: ms))
            }
        }
    }

    /// Liquibase: a row per changeset run, known by its file, author and id. EXECUTED, RERAN
    /// and MARK_RAN rows are applied; a FAILED row refuses; SKIPPED ones are not applied.
    private func readLiquibase(_ table: String, into applied: inout Applied) throws(ApplyError) {
        let rows = try database.query("""
            SELECT id, author, filename, exectype, CAST(dateexecuted AS TEXT)
            FROM \(table) ORDER BY orderexecuted
            """)
        for row in rows {
            guard let id = row[0].text, let author = row[1].text, let filename = row[2].text else { continue }
            let key = LiquibaseSQLLayout.migrationID(file: filename, author: author, id: id)
            switch (row[3].text ?? "").uppercased() {
            case "FAILED":
                throw ApplyError(.refused, "\(source.table) shows changeset \(id) by \(author) in \(filename) as FAILED: resolve it with Liquibase before baselining")
            case "SKIPPED":
                continue
            default:
                applied.add(key, Row(appliedAt: row[4].text))
            }
        }
    }
}

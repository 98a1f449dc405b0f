import Foundation

/// What PostgreSQL's statistics tell: unused and invalid indexes, tables read mostly by
/// sequential scans, planner statistics gone stale, and the slowest statements when
/// pg_stat_statements is there. The counters count since `pg_stat_database.stats_reset` (on
/// this server only: a replica keeps its own).
extension OptimizeAnalysis {
    mutating func postgresActivity(into report: inout OptimizeReport) throws(ApplyError) {
        let reset = try database.query("SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()").first?.first?.text
        report.statisticsReset = reset
        let since = reset.map { "since the statistics were reset at \($0)" } ?? "since the statistics began (never reset)"
        unusedIndexes(since: since, reset: reset)
        invalidIndexes()
        for table in live.tables where !table.partitioned {
            guard let activity = table.activity else { continue }
            sequentialScans(table, activity, since: since)
            staleStatistics(table, activity)
        }
        report.statementStatistics = try statementStatistics()
    }

    /// Indexes no scan has used. UNIQUE and primary-key indexes are left out (they enforce
    /// something even unread), and so are those reported redundant, those kept in their place
    /// that the redundant ones' scans would move to, and an index that alone serves a foreign
    /// key: deletes on the parent need it, however rarely they run.
    private mutating func unusedIndexes(since: String, reset: String?) {
        let scans = Dictionary(live.indexes.map { ($0.id, $0.scans ?? 0) }, uniquingKeysWith: +)
        for index in live.indexes where index.valid && index.scans == 0 && !index.unique && !index.primary
            && !index.backsConstraint && !redundant.contains(index.id)
            && (kept[index.id] ?? []).allSatisfy({ scans[$0] == 0 }) {
            guard let table = live.table(index.table) else { continue }
            let servesForeignKey = live.foreignKeys.contains { key in
                key.table == table.key && index.leads(on: key.columns)
                    && !live.indexes(on: table.key).contains { $0.id != index.id && $0.leads(on: key.columns) }
            }
            guard !servesForeignKey else { continue }
            let size = index.sizeBytes.map(Self.size) ?? "unknown size"
            var details = ["scans": "0", "stats_reset": reset ?? "never reset"]
            if let bytes = index.sizeBytes { details["size_bytes"] = String(bytes) }
            let fix = sql.dropIndex(index, of: table, needsIncludeDrops: true)
            findings.append(OptimizeFinding(
                kind: .unusedIndex, table: table.key, index: index.name, columns: index.columns,
                message: "\(index.name) on \(table.key) (\(index.columns.joined(separator: ", "))) has had no index scan \(since) (\(size))",
                why: "no query has used it \(since), yet it takes \(size) and every INSERT, UPDATE and DELETE on \(table.key) updates it. The count is this server's only: check replicas, and jobs that run rarely (monthly reports), before dropping it",
                sql: fix.map { [$0.up] } ?? [], details: details, fix: fix))
        }
    }

    /// Indexes marked invalid: a CREATE INDEX CONCURRENTLY that failed or was cancelled (or
    /// one still being built).
    private mutating func invalidIndexes() {
        for index in live.indexes where !index.valid {
            guard let table = live.table(index.table) else { continue }
            var suggestion = [sql.dropStatement(index.name, of: table)]
            if let definition = index.definition, let again = sql.recreateStatement(definition) {
                suggestion.append("-- then, once what made it fail is fixed (duplicate rows, for a UNIQUE index): \(again)")
            }
            findings.append(OptimizeFinding(
                kind: .invalidIndex, table: table.key, index: index.name, columns: index.columns,
                message: "\(index.name) on \(table.key) (\(index.columns.joined(separator: ", "))) is INVALID",
                why: "a CREATE INDEX CONCURRENTLY that failed or was cancelled leaves its index behind, marked invalid: no query uses it, yet every write to \(table.key) still updates it (unless it is still being built right now)",
                sql: suggestion, details: ["definition": index.definition ?? ""]))
        }
    }

    /// Tables with at least the minimum rows that sequential scans read more often than
    /// indexes do.
    private mutating func sequentialScans(_ table: LiveSchema.Table, _ activity: LiveSchema.TableActivity, since: String) {
        let indexScans = activity.indexScans ?? 0
        guard activity.liveRows >= options.sequentialScanMinimumRows, activity.sequentialScans > indexScans else { return }
        findings.append(OptimizeFinding(
            kind: .sequentialScans, table: table.key,
            message: "\(table.key) (~\(activity.liveRows) rows): \(activity.sequentialScans) sequential scans against \(indexScans) index scans \(since)",
            why: "each sequential scan reads the whole table: queries filter or join on columns no index leads on",
            sql: ["-- find the queries that read \(table.key) (pg_stat_statements, or log_min_duration_statement), run EXPLAIN on them, and index the columns their WHERE and JOIN use"],
            details: ["seq_scan": String(activity.sequentialScans), "idx_scan": String(indexScans), "live_rows": String(activity.liveRows)]))
    }

    /// Tables never analysed that hold rows, or changed by more than autovacuum's own default
    /// trigger since their last analysis (50 rows plus 10% of the table).
    private mutating func staleStatistics(_ table: LiveSchema.Table, _ activity: LiveSchema.TableActivity) {
        let last = [activity.lastAnalyze, activity.lastAutoanalyze].compactMap { $0 }.max()
        let changed = activity.modifiedSinceAnalyze
        let stale = last == nil ? activity.liveRows + changed > 0 : changed > 50 + activity.liveRows / 10
        guard stale else { return }
        let fix = sql.analyze(table)
        findings.append(OptimizeFinding(
            kind: .staleStatistics, table: table.key,
            message: "\(table.key): \(changed) rows changed \(last.map { "since its last analysis at \($0)" } ?? "and never analysed"), ~\(activity.liveRows) live rows",
            why: "the planner estimates row counts from these statistics: stale ones lead it to a poor plan (a sequential scan, a nested loop over many rows)",
            sql: [fix.up], details: ["n_mod_since_analyze": String(changed), "live_rows": String(activity.liveRows), "last_analyze": last ?? "never"],
            fix: fix))
    }

    /// The slowest statements by mean time, or why there are none.
    private func statementStatistics() throws(ApplyError) -> StatementStatistics {
        guard let schema = try database.query("""
            SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'
            """).first?.first?.text else {
            return StatementStatistics(status: .notInstalled,
                                       note: "pg_stat_statements is not installed in this database, so no slow statements are listed: add it to shared_preload_libraries, restart the server, then CREATE EXTENSION pg_stat_statements",
                                       slowest: [])
        }
        let major = Int(database.serverVersion.prefix { $0 != "." }) ?? 0
        let (mean, total) = major >= 13 ? ("mean_exec_time", "total_exec_time") : ("mean_time", "total_time")
        do {
            let rows = try database.query("""
                SELECT query, calls, \(mean)::float8, \(total)::float8, rows
                FROM \(sql.identifier(schema)).pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                ORDER BY \(mean) DESC LIMIT \(max(0, options.slowStatementLimit))
                """)
            let slowest = rows.map { row in
                StatementStatistics.Statement(query: row[0].text ?? "", calls: row[1].integer ?? 0,
                                              meanMilliseconds: Self.number(row[2]), totalMilliseconds: Self.number(row[3]),
                                              rows: row[4].integer ?? 0)
            }
            return StatementStatistics(status: .available, note: slowest.count == 1 ? "the slowest statement by mean time" : "the \(slowest.count) slowest statements by mean time", slowest: slowest)
        } catch {
            return StatementStatistics(status: .unreadable, note: "pg_stat_statements is installed but cannot be read: \(error.message)", slowest: [])
        }
    }

    private static func number(_ value: DatabaseValue) -> Double {
        switch value {
        case .double(let d): d
        case .integer(let i): Double(i)
        case .text(let t): Double(t) ?? 0
        default: 0
        }
    }

    /// `8192` → `8.0 KiB`.
    static func size(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f", value) + " " + units[unit]
    }
}

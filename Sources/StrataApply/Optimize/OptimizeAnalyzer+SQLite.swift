import Foundation

/// What SQLite's planner lacks: statistics (`sqlite_stat1`, written by ANALYZE) for tables with
/// indexes and rows, tables `PRAGMA optimize` would analyze again, and indexes whose collation
/// differs from their column's, which plain comparisons on the column cannot use.
extension OptimizeAnalysis {
    mutating func sqliteStatistics(into report: inout OptimizeReport) throws(ApplyError) {
        let hasStat1 = keepsStatistics
        // Table → the indexes with a row (lower-cased; "" for the table's own row).
        var analysed: [String: Set<String>] = [:]
        if hasStat1 {
            for row in try database.query("SELECT tbl, idx FROM sqlite_stat1") {
                guard let table = row[0].text else { continue }
                analysed[table.lowercased(), default: []].insert(row[1].text?.lowercased() ?? "")
            }
        }
        var reported = Set<String>()
        for table in live.tables where !live.indexes(on: table.key).isEmpty {
            // ANALYZE writes nothing for an empty table: there is nothing to miss.
            guard analysed[table.name.lowercased()] == nil, try holdsRows(table) else { continue }
            reported.insert(table.key)
            let fix = sql.analyze(table)
            findings.append(OptimizeFinding(
                kind: .missingStatistics, table: table.key,
                message: hasStat1 ? "\(table.key) has indexes and rows but no statistics in sqlite_stat1"
                    : "\(table.key) has indexes and rows, and the database has never been analysed (no sqlite_stat1)",
                why: "without statistics SQLite's planner guesses how selective each index is, and can pick a poor one (or none) for queries that could use another; ANALYZE counts them once, and PRAGMA optimize, run as connections close, keeps them current",
                sql: [fix.up], details: ["sqlite_stat1": hasStat1 ? "present" : "absent"], fix: fix))
        }
        for name in try optimizeSuggestions() where !reported.contains(name) {
            guard let table = live.table(name), try holdsRows(table) else { continue }
            let known = analysed[table.name.lowercased()] ?? []
            let lacking = live.indexes(on: table.key).filter { !known.contains($0.name.lowercased()) }.map(\.name)
            let fix = sql.analyze(table)
            findings.append(OptimizeFinding(
                kind: .analyzeSuggested, table: table.key,
                message: lacking.isEmpty ? "PRAGMA optimize would analyze \(table.key) again: its size changed much since its last ANALYZE"
                    : "PRAGMA optimize would analyze \(table.key): \(lacking.joined(separator: ", ")) \(lacking.count == 1 ? "has" : "have") no statistics yet",
                why: "the planner's statistics no longer describe the table, so its estimates (and the indexes it picks) may be off",
                sql: [fix.up], details: lacking.isEmpty ? [:] : ["indexes_without_statistics": lacking.joined(separator: ",")], fix: fix))
        }
        indexCollations()
        report.notes.append("SQLite \(database.serverVersion): PRAGMA optimize asked in report-only mode (PRAGMA optimize(0x10003)); nothing was changed")
    }

    /// The tables `PRAGMA optimize` would analyze, asked in its report-only mode (mask bit
    /// 0x01: "do not actually perform any optimizations but instead return one line of text
    /// for each optimization that would have been done"), with 0x02 (analyze tables that may
    /// benefit) and 0x10000 (check all tables, SQLite 3.46+). Before 3.46 it looks only at
    /// tables whose statistics the planner used on this connection: a lookup on each indexed
    /// table is planned first (EXPLAIN QUERY PLAN runs nothing).
    private func optimizeSuggestions() throws(ApplyError) -> [String] {
        for index in live.indexes {
            guard let column = index.elements.first?.column, let table = live.table(index.table) else { continue }
            _ = try? database.query("EXPLAIN QUERY PLAN SELECT 1 FROM \(sql.reference(table)) WHERE \(sql.identifier(column)) = ?1", [.null])
        }
        return try database.query("PRAGMA optimize(0x10003)").compactMap { row in
            // `ANALYZE "main"."tasks"`: the last quoted name, its doubled quotes undone.
            guard let line = row.first?.text, line.hasPrefix("ANALYZE "), line.hasSuffix("\""),
                  let open = line.dropLast().range(of: ".\"", options: .backwards) else { return nil }
            return String(line[open.upperBound..<line.index(before: line.endIndex)]).replacingOccurrences(of: "\"\"", with: "\"")
        }
    }

    func holdsRows(_ table: LiveSchema.Table) throws(ApplyError) -> Bool {
        try database.query("SELECT EXISTS (SELECT 1 FROM \(sql.reference(table)))").first?.first?.integer == 1
    }

    /// Indexes that sort a column by another collation than the column's: SQLite compares a
    /// column with its own collation (BINARY unless declared), so `WHERE c = ?` and `ORDER BY
    /// c` cannot use such an index; only a query that writes `COLLATE` that collation can.
    /// Indexes a constraint made follow their column's collation and are left out, as is an
    /// index that sorts a foreign key's columns by the parent key's collation (it is there to
    /// serve that key's lookups).
    private mutating func indexCollations() {
        for index in live.indexes where !index.backsConstraint {
            guard let table = live.table(index.table),
                  let element = index.elements.first(where: { element in
                      element.column.map { element.collation != effectiveCollation(table, $0) } ?? false }),
                  let column = element.column, !servesForeignKey(index, on: table) else { continue }
            let own = effectiveCollation(table, column), used = element.collation ?? "BINARY"
            findings.append(OptimizeFinding(
                kind: .indexCollationMismatch, table: table.key, index: index.name, columns: index.columns,
                message: "\(index.name) sorts \(table.key).\(column) by \(used), but the column's collation is \(own)",
                why: "SQLite compares \(column) with its own collation (\(own)) unless a query says otherwise: `WHERE \(column) = ?` and `ORDER BY \(column)` cannot use \(index.name), only queries that write `COLLATE \(used)` can",
                sql: ["-- if queries compare \(column) as \(own): CREATE INDEX ... ON \(sql.reference(table)) (\(sql.identifier(column))) and drop \(index.name) once nothing uses it; if they mean \(used), declare the column COLLATE \(used) (a table rebuild on SQLite)"],
                details: ["index_collation": used, "column_collation": own]))
        }
    }

    private func servesForeignKey(_ index: LiveSchema.Index, on table: LiveSchema.Table) -> Bool {
        live.foreignKeys.contains { key in
            guard key.table == table.key, index.leads(on: key.columns), let parent = live.table(key.referencedTable) else { return false }
            return zip(key.columns, key.referencedColumns).allSatisfy { child, parentColumn in
                index.elements.first { $0.column == child }?.collation == effectiveCollation(parent, parentColumn)
            }
        }
    }
}

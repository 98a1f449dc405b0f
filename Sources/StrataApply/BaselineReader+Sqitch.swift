import Foundation
import StrataCore

/// sqitch's registry: a row in `changes` for each deployed change (a change sqitch failed to
/// deploy is reverted by sqitch and leaves no row there, so no row marks a half-applied one).
/// On PostgreSQL the registry is the schema `sqitch` of the target database; on SQLite a file
/// of its own beside the target database, named `sqitch` with the target's extension
/// (`flipr.db` → `sqitch.db`), attached while it is read.
extension BaselineReader {
    /// The registry's `changes` table as the query names it.
    static let sqitchChanges = "sqitch.changes"

    /// Whether the registry is there (on SQLite, attaches its file when it exists).
    static func sqitchRegistryExists(_ database: any Database) throws(ApplyError) -> Bool {
        switch database.dialect {
        case .postgresql:
            return try database.query("SELECT (to_regclass('sqitch.changes') IS NOT NULL)::int").first?.first == .integer(1)
        case .sqlite:
            guard let file = try sqliteRegistryFile(database) else { return false }
            let attached = try database.query("SELECT count(*) FROM pragma_database_list WHERE name = 'sqitch'").first?.first == .integer(1)
            if !attached {
                guard FileManager.default.fileExists(atPath: file) else { return false }
                try database.execute("ATTACH DATABASE '\(file.replacingOccurrences(of: "'", with: "''"))' AS sqitch")
            }
            return try database.query("SELECT count(*) FROM sqitch.sqlite_master WHERE type = 'table' AND name = 'changes'").first?.first == .integer(1)
        }
    }

    /// Where sqitch keeps the registry of the SQLite database open on `database`.
    static func sqliteRegistryFile(_ database: any Database) throws(ApplyError) -> String? {
        guard let main = try database.query("SELECT file FROM pragma_database_list WHERE name = 'main'").first?.first?.text,
              !main.isEmpty else { return nil }
        let url = URL(fileURLWithPath: main)
        let ext = url.pathExtension
        return url.deletingLastPathComponent().appendingPathComponent(ext.isEmpty ? "sqitch" : "sqitch." + ext).path
    }

    /// The deployed changes of this project, each matched with its occurrence in the plan:
    /// the n-th row of a name is the n-th occurrence of that name (a reworked change's older
    /// occurrence is `name@tag`).
    func readSqitch(into applied: inout Applied, catalog: MigrationCatalog) throws(ApplyError) {
        let project = catalog.entries.first.flatMap { entry in
            SqitchLayout.root(ofScript: entry.path).flatMap { try? SqitchPlan.read($0 + "sqitch.plan").project }
        }
        var sql = "SELECT change, CAST(committed_at AS TEXT) FROM \(Self.sqitchChanges)"
        var parameters: [DatabaseValue] = []
        if let project {
            sql += database.dialect == .postgresql ? " WHERE project = $1" : " WHERE project = ?1"
            parameters.append(.text(project))
        }
        let rows = try database.query(sql + " ORDER BY committed_at, change_id", parameters)
        if database.dialect == .sqlite { try? database.execute("DETACH DATABASE sqitch") }
        var occurrences: [String: [String]] = [:]
        for entry in catalog.entries {
            let name = entry.id.split(separator: "@", maxSplits: 1).first.map(String.init) ?? entry.id
            occurrences[name, default: []].append(entry.id)
        }
        var seen: [String: Int] = [:]
        for row in rows {
            guard let name = row[0].text else { continue }
            let n = seen[name, default: 0]
            seen[name] = n + 1
            // A row with no occurrence left in the plan shows as a version without a file.
            let id = occurrences[name].flatMap { n < $0.count ? $0[n] : nil } ?? (n == 0 ? name : "\(name) (deployed \(n + 1) times)")
            applied.add(id, Row(appliedAt: row[1].text))
        }
    }
}

import Crypto
import Foundation
import StrataCore

/// sqlx's, Prisma's and drizzle's tracking tables, read as those tools write them.
extension BaselineReader {
    /// drizzle-orm's table on PostgreSQL: in the `drizzle` schema (its default
    /// `migrationsSchema`); on SQLite it is `__drizzle_migrations` in main.
    static let drizzlePostgresTable = "drizzle.__drizzle_migrations"

    /// Whether drizzle's table is in the `drizzle` schema of a PostgreSQL database.
    static func drizzleSchemaTableExists(_ database: any Database) throws(ApplyError) -> Bool {
        guard database.dialect == .postgresql else { return false }
        return try database.query("SELECT (to_regclass('\"drizzle\".\"__drizzle_migrations\"') IS NOT NULL)::int").first?.first == .integer(1)
    }

    /// sqlx: a row a migration applied (`version` BIGINT, `success`, `installed_on`,
    /// `execution_time` in nanoseconds); a revert deletes the row. A row with `success` false is
    /// a migration that failed midway (sqlx calls it dirty) and refuses.
    func readSqlx(_ table: String, into applied: inout Applied) throws(ApplyError) {
        let rows = try database.query("""
            SELECT CAST(version AS TEXT), description, CASE WHEN success THEN 1 ELSE 0 END, CAST(installed_on AS TEXT), execution_time
            FROM \(table) ORDER BY version
            """)
        for row in rows {
            guard let version = row[0].text.map(BaselineSource.withoutLeadingZeros) else { continue }
            guard row[2] == .integer(1) else {
                throw ApplyError(.refused, "\(source.table) shows version \(version) (\(row[1].text ?? "")) as failed: sqlx stopped midway through it (a dirty migration); fix the database and delete that row before baselining")
            }
            applied.add(version, Row(appliedAt: row[3].text, executionMilliseconds: row[4].integer.map { $0 / 1_000_000 }))
        }
    }

    /// Prisma: a row each time a migration was started. `finished_at` set and `rolled_back_at`
    /// empty: applied. `rolled_back_at` set: marked rolled back (`prisma migrate resolve
    /// --rolled-back`), not applied. Neither: it failed, and Prisma refuses to go on until it
    /// is resolved; so does this.
    func readPrisma(_ table: String, into applied: inout Applied) throws(ApplyError) {
        let rows = try database.query("""
            SELECT migration_name, CAST(finished_at AS TEXT), CAST(rolled_back_at AS TEXT) FROM \(table) ORDER BY started_at, migration_name
            """)
        for row in rows {
            guard let name = row[0].text, row[2].text == nil else { continue }
            guard let finished = row[1].text else {
                throw ApplyError(.refused, "\(source.table) shows \(name) as failed (started, never finished): resolve it with `prisma migrate resolve --rolled-back \(name)` or `--applied \(name)` before baselining")
            }
            applied.add(name, Row(appliedAt: finished))
        }
    }

    /// drizzle: a row a migration applied (`hash`, the SHA-256 of the file's text, and
    /// `created_at`, its journal entry's `when`). drizzle runs every journal entry whose `when`
    /// is later than the newest row's `created_at`, so every entry up to that time counts as
    /// applied, as drizzle would count it; a row matching no entry by time or hash is a version
    /// without a file, shown by its hash.
    func readDrizzle(into applied: inout Applied, catalog: MigrationCatalog) throws(ApplyError) {
        let table: String
        if try Self.drizzleSchemaTableExists(database) {
            table = "\"drizzle\".\"__drizzle_migrations\""
        } else {
            table = "\"__drizzle_migrations\""
        }
        let rows = try database.query("SELECT hash, CAST(created_at AS TEXT) FROM \(table) ORDER BY created_at, id")
        guard !rows.isEmpty else { return }
        // The journal of the folder the migrations were read from, by tag.
        var when: [String: Int64] = [:]
        var hashes: [String: String] = [:]
        for entry in catalog.entries {
            let folder = (entry.path as NSString).deletingLastPathComponent
            let journal: DrizzleJournal?
            do {
                journal = try DrizzleJournal.read(inFolder: folder.isEmpty ? "." : folder)
            } catch {
                throw ApplyError(.refused, error.errorDescription ?? "\(error)")
            }
            guard let journal else {
                throw ApplyError(.refused, "\(folder.isEmpty ? "." : folder)/meta/_journal.json is missing: drizzle's table is read with the journal's times")
            }
            for item in journal.entries { when[item.tag] = item.when }
            if let bytes = try? FileDiscovery.read(entry.path) {
                hashes[SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()] = entry.id
            }
        }
        let times = rows.compactMap { $0[1].text.flatMap { Int64($0.split(separator: ".").first ?? "") } }
        guard let newest = times.max() else { return }
        let appliedAt = { (ms: Int64) in ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000)) }
        for entry in catalog.entries {
            guard let time = when[entry.id], time <= newest else { continue }
            applied.add(entry.id, Row(appliedAt: appliedAt(time)))
        }
        let times2tags = Dictionary(when.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        for row in rows {
            let hash = row[0].text ?? ""
            let time = row[1].text.flatMap { Int64($0.split(separator: ".").first ?? "") }
            if hashes[hash] != nil || time.flatMap({ times2tags[$0] }) != nil { continue }
            applied.add("hash \(hash.prefix(12))", Row())
        }
    }
}

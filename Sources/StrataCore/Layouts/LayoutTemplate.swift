import Foundation
import StrataSyntax

/// A new migration written the way another tool's layout writes it (`strata new`, `strata
/// optimize --write-migration` in a dbmate, goose, golang-migrate, diesel or Flyway folder):
/// the next version as that tool numbers it, the UP and DOWN SQL where the layout keeps them.
public enum LayoutTemplate {
    public struct File: Sendable, Equatable {
        /// Relative to the migrations folder.
        public var path: String
        public var text: String
        /// Whether the file is written over the one there (drizzle's journal, given a new entry).
        public var replaces: Bool

        public init(path: String, text: String, replaces: Bool = false) {
            self.path = path
            self.text = text
            self.replaces = replaces
        }

        /// The file's path below `folder`.
        public func path(in folder: String) -> String { (folder as NSString).appendingPathComponent(path) }
    }

    /// `files` for the next migration of `folder`, numbered after the names already there.
    public static func files(layout: LayoutKind, slug: String, up: String, down: String, transactional: Bool = true,
                             in folder: String, now: Date, dialect: Dialect = .postgresql) throws(InputError) -> [File] {
        // Migrations that are not SQL (goose's `.go` files) hold versions too.
        let nonSQL = layout.layout.nonSQLMigrations.keys.map { Array(("." + $0).utf8) }
        let existing = FileDiscovery.directoryExists(folder)
            ? try FileDiscovery.migrationFiles(in: folder, recursive: true, settingsOf: nil, nonSQL: nonSQL).sql.map(\.0) : []
        var result = try files(layout: layout, slug: slug, up: up, down: down, transactional: transactional, existing: existing, now: now)
        if layout == .drizzle, let migration = result.first {
            result.append(try DrizzleTemplate.journal(in: folder, adding: LayoutSupport.stem(migration.path), now: now, dialect: dialect))
        }
        return result
    }

    /// Writes `files` below `folder` (their folders created, no file replaced) and returns
    /// their paths.
    public static func write(_ files: [File], into folder: String) throws(InputError) -> [String] {
        try files.map { file throws(InputError) in
            let path = file.path(in: folder)
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if file.replaces {
                do {
                    try Data(file.text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                } catch {
                    throw InputError(path: path, message: error.localizedDescription)
                }
                return path
            }
            try MigrationTemplate.write(file.text, to: path)
            return path
        }
    }

    /// The files of the new migration. `existing`: the paths of the folder's `.sql` files,
    /// relative to it. `transactional: false` is written where the layout can say it: a line in
    /// the file (dbmate, goose), or a settings file beside it (diesel, Flyway); golang-migrate's
    /// file gets a comment saying how to run it.
    public static func files(layout: LayoutKind, slug: String, up: String, down: String, transactional: Bool = true,
                             existing: [String], now: Date) throws(InputError) -> [File] {
        let body = { (text: String) in text.isEmpty ? "" : text.hasSuffix("\n") ? text : text + "\n" }
        switch layout {
        case .sqlx:
            // sqlx-cli's way: reversible pairs where the folder has them, else a forward-only file.
            let version = nextVersion(existing, now: now)
            let first = transactional ? "" : SqlxLayout.noTransactionLine + "\n"
            guard existing.contains(where: { $0.hasSuffix(".up.sql") || $0.hasSuffix(".down.sql") }) else {
                return [File(path: "\(version)_\(slug).sql", text: first + body(up))]
            }
            return [File(path: "\(version)_\(slug).up.sql", text: first + body(up)), File(path: "\(version)_\(slug).down.sql", text: body(down))]
        case .prisma:
            // Folders are named by a UTC timestamp, never before the newest one there.
            let folders = existing.compactMap { path in path.split(separator: "/").dropLast().last.map(String.init) }
            let folder = "\(nextVersion(folders.isEmpty ? ["20000101000000_"] : folders, now: now))_\(slug)"
            let note = transactional ? "" : layout.noTransactionComment.map { $0 + "\n" } ?? ""
            return [File(path: folder + "/migration.sql", text: note + body(up))]
                + (down.isEmpty ? [] : [File(path: folder + "/down.sql", text: body(down))])
        case .drizzle:
            // drizzle-kit numbers files by their place in the journal, four digits wide.
            let numbers = existing.filter { !$0.contains("/") }.compactMap { MigrationFile.numericPrefix(of: $0) }
            let version = numbers.isEmpty ? "0000" : nextVersion(existing.filter { !$0.contains("/") }, now: now)
            let note = transactional ? "" : layout.noTransactionComment.map { $0 + "\n" } ?? ""
            return [File(path: "\(version)_\(slug).sql", text: note + body(up))]
        case .sqitch:
            // The change's three scripts; its line in sqitch.plan is `SqitchPlan.changeLine`.
            // A script wrapped in BEGIN/COMMIT is atomic under sqitch; one that must run
            // outside a transaction is written without them.
            let wrap = { (text: String) in transactional ? "BEGIN;\n\n\(body(text))\nCOMMIT;\n" : body(text) }
            return [File(path: "deploy/\(slug).sql", text: "-- Deploy \(slug)\n\n" + wrap(up)),
                    File(path: "revert/\(slug).sql", text: "-- Revert \(slug)\n\n" + wrap(down)),
                    File(path: "verify/\(slug).sql", text: "-- Verify \(slug): select what the change creates; an error fails it\n\nBEGIN;\n\nROLLBACK;\n")]
        case .atlas:
            // Atlas names files `<UTC timestamp>_<name>.sql` and reads no DOWN SQL.
            let version = nextVersion(existing, now: now)
            let directive = transactional ? "" : (layout.noTransactionLine ?? "") + "\n\n"
            return [File(path: "\(version)_\(slug).sql", text: directive + body(up))]
        case .sqlMigrate:
            let version = nextVersion(existing, now: now)
            let marker = transactional ? "-- +migrate Up" : layout.noTransactionLine ?? "-- +migrate Up"
            return [File(path: "\(version)-\(slug).sql", text: "\(marker)\n\(body(up))\n-- +migrate Down\n\(body(down))")]
        case .liquibaseSQL:
            // One changeset, its id the file's version, its author the user running strata.
            let version = nextVersion(existing, now: now)
            let author = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty || $0.contains(":") ? nil : $0 } ?? "strata"
            let attributes = transactional ? "" : " runInTransaction:false"
            let rollback = down.split(separator: "\n", omittingEmptySubsequences: true).map { "--rollback \($0)\n" }.joined()
            return [File(path: "\(version)_\(slug).sql",
                         text: "--liquibase formatted sql\n\n--changeset \(author.replacingOccurrences(of: " ", with: "_")):\(version)\(attributes)\n\(body(up))\(rollback)")]
        case .strata, .plain:
            throw InputError(path: slug, message: "the \(layout.rawValue) layout has no template here")
        case .dbmate:
            let version = nextVersion(existing, now: now)
            let marker = transactional ? "-- migrate:up" : layout.noTransactionLine ?? "-- migrate:up"
            return [File(path: "\(version)_\(slug).sql", text: "\(marker)\n\(body(up))\n-- migrate:down\n\(body(down))")]
        case .goose:
            let version = nextVersion(existing, now: now)
            return [File(path: "\(version)_\(slug).sql",
                         text: (transactional ? "" : (layout.noTransactionLine ?? "") + "\n") + "-- +goose Up\n\(body(up))\n-- +goose Down\n\(body(down))")]
        case .golangMigrate:
            let version = nextVersion(existing, now: now)
            let note = transactional ? "" : layout.noTransactionComment.map { $0 + "\n" } ?? ""
            return [File(path: "\(version)_\(slug).up.sql", text: note + body(up)), File(path: "\(version)_\(slug).down.sql", text: body(down))]
        case .diesel:
            let folder = "\(utc("yyyy-MM-dd-HHmmss", now))_\(slug)"
            return [File(path: folder + "/up.sql", text: body(up)), File(path: folder + "/down.sql", text: body(down))]
                + setting(layout, transactional, upPath: folder + "/up.sql")
        case .flyway:
            // The next whole version after the highest one: V3__x after V2_5__y.
            let majors = existing.compactMap { path -> Int? in
                guard let parts = FlywayLayout.parts(Substring(path.split(separator: "/").last ?? "")), parts.prefix == "V" else { return nil }
                return Int(parts.version.split(whereSeparator: { $0 == "." || $0 == "_" }).first ?? "")
            }
            let version = (majors.max() ?? 0) + 1
            return [File(path: "V\(version)__\(slug).sql", text: body(up)), File(path: "U\(version)__\(slug).sql", text: body(down))]
                + setting(layout, transactional, upPath: "V\(version)__\(slug).sql")
        }
    }

    /// The file beside the migration that turns its transaction off, for the tools that keep
    /// that setting in a file (diesel's metadata.toml, Flyway's `.sql.conf`): after the UP and
    /// DOWN files, so those stay first.
    private static func setting(_ layout: LayoutKind, _ transactional: Bool, upPath: String) -> [File] {
        guard !transactional, let file = layout.noTransactionFile(besideUpFile: upPath) else { return [] }
        return [File(path: file.path, text: file.text)]
    }

    /// The version the tools number new files with: a UTC timestamp (`20240101120000`, what
    /// dbmate, goose and golang-migrate write by default), or, in a folder numbered in
    /// sequence (`00001_`, `3_`), the next number at the same width.
    static func nextVersion(_ existing: [String], now: Date) -> String {
        let numbers = existing.compactMap { MigrationFile.numericPrefix(of: String($0.split(separator: "/").last ?? "")) }
        let stamp = utc("yyyyMMddHHmmss", now)
        guard !numbers.isEmpty, numbers.allSatisfy({ $0.count < 14 }) else {
            // Never before the newest existing timestamp (a clock behind, two runs a second).
            if let newest = numbers.max(by: { VersionOrder.compareNumbers(Substring($0), Substring($1)) < 0 }),
               VersionOrder.compareNumbers(Substring(newest), Substring(stamp)) >= 0, let value = UInt64(newest) {
                return String(value + 1)
            }
            return stamp
        }
        let next = (numbers.compactMap { UInt64($0) }.max() ?? 0) + 1
        let width = numbers.map(\.count).max() ?? 1
        let digits = String(next)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func utc(_ format: String, _ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: date)
    }
}

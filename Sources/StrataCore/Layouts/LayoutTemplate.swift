import Foundation

/// A new migration written the way another tool's layout writes it (`strata new`, `strata
/// optimize --write-migration` in a dbmate, goose, golang-migrate, diesel or Flyway folder):
/// the next version as that tool numbers it, the UP and DOWN SQL where the layout keeps them.
public enum LayoutTemplate {
    public struct File: Sendable, Equatable {
        /// Relative to the migrations folder.
        public var path: String
        public var text: String

        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }

        /// The file's path below `folder`.
        public func path(in folder: String) -> String { (folder as NSString).appendingPathComponent(path) }
    }

    /// `files` for the next migration of `folder`, numbered after the names already there.
    public static func files(layout: LayoutKind, slug: String, up: String, down: String, transactional: Bool = true,
                             in folder: String, now: Date) throws(InputError) -> [File] {
        let existing = FileDiscovery.directoryExists(folder) ? try FileDiscovery.sqlFiles(in: folder, recursive: true).map(\.0) : []
        return try files(layout: layout, slug: slug, up: up, down: down, transactional: transactional, existing: existing, now: now)
    }

    /// Writes `files` below `folder` (their folders created, no file replaced) and returns
    /// their paths.
    public static func write(_ files: [File], into folder: String) throws(InputError) -> [String] {
        try files.map { file throws(InputError) in
            let path = file.path(in: folder)
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
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
        case .strata, .plain, .sqlx, .prisma, .drizzle, .sqitch:
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

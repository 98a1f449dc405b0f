import Foundation
import StrataCore

/// The sidecar of a backup, `<backup file>.manifest.json`: what was copied, from where, and how
/// to tell that the copy is intact. It is written with the backup and read before any restore.
///
/// ```json
/// {
///   "applied_migrations" : ["0001_create_users", "0002_posts"],
///   "created_at" : "2026-01-05T09:12:44.017Z",
///   "created_by" : "deploy@ci-4",
///   "database_kind" : "postgresql",
///   "database_name" : "app",
///   "database_url" : "postgresql://deploy:***@db.internal/app",
///   "file" : "backup_app_20260105T091244Z.dump",
///   "method" : "pg_dump --format=custom",
///   "server_version" : "15.18",
///   "sha256" : "9f2c…",
///   "size" : 48213,
///   "version" : 1
/// }
/// ```
public struct BackupManifest: Codable, Sendable, Equatable {
    /// The manifest layout this release writes and reads.
    public static let currentVersion = 1

    public var version: Int
    /// The backup file's name; it lies in the manifest's folder.
    public var file: String
    /// `sqlite` or `postgresql` (a backup restores only into the same kind).
    public var databaseKind: String
    /// The SQLite file's name without its extension, or PostgreSQL's `current_database()`.
    public var databaseName: String
    /// The URL that was backed up, its password replaced by `***`.
    public var databaseURL: String
    public var serverVersion: String
    /// How the copy was taken: `sqlite3 online backup`, `pg_dump --format=custom`.
    public var method: String
    /// ISO-8601, UTC, with milliseconds.
    public var createdAt: String
    /// `user@host`.
    public var createdBy: String
    /// The backup file's size in bytes.
    public var size: Int64
    /// SHA-256 (hex) of the backup file; a restore refuses a file that no longer has it.
    public var sha256: String
    /// The ids of the `__migrations__` rows marked applied in the copy itself, in the order
    /// they were applied; a restore checks the database has exactly these afterwards.
    public var appliedMigrations: [String]

    enum CodingKeys: String, CodingKey {
        case version, file, method, size, sha256
        case databaseKind = "database_kind", databaseName = "database_name", databaseURL = "database_url"
        case serverVersion = "server_version", createdAt = "created_at", createdBy = "created_by"
        case appliedMigrations = "applied_migrations"
    }

    /// The manifest's file name for a backup file's name.
    public static func fileName(for backupFileName: String) -> String { backupFileName + ".manifest.json" }

    static let suffix = ".manifest.json"

    func encoded() -> Data {
        // Encoding plain strings, numbers and arrays cannot fail.
        Data(((try? StrataJSON.pretty(self)) ?? "").utf8) + Data("\n".utf8)
    }

    static func decode(_ data: Data) -> BackupManifest? {
        guard let manifest = try? JSONDecoder().decode(BackupManifest.self, from: data),
              manifest.version <= currentVersion else { return nil }
        return manifest
    }
}

/// A backup file with its manifest.
public struct BackupRecord: Sendable, Equatable {
    /// The backup file, absolute.
    public var path: String
    /// Its manifest, absolute.
    public var manifestPath: String
    public var manifest: BackupManifest

    public var fileName: String { (path as NSString).lastPathComponent }
}

/// What `BackupStore.list()` found in the backups folder.
public struct BackupList: Sendable {
    /// The backups with a readable manifest, newest first.
    public var backups: [BackupRecord]
    /// Files that look like backups but cannot be restored (no manifest, an unreadable one, a
    /// manifest whose backup file is gone), with why; by name.
    public var unusable: [(path: String, reason: String)]

    /// The list as `strata backup list --format json` prints it, `folder` as the user sees it.
    public func document(folder: String) -> BackupListDocument {
        BackupListDocument(folder: folder, backups: backups.map { backup in
            let manifest = backup.manifest
            return .init(file: backup.fileName, createdAt: manifest.createdAt, createdBy: manifest.createdBy,
                         databaseKind: manifest.databaseKind, databaseName: manifest.databaseName, databaseURL: manifest.databaseURL,
                         serverVersion: manifest.serverVersion, method: manifest.method, sizeBytes: manifest.size,
                         sha256: manifest.sha256, appliedMigrations: manifest.appliedMigrations)
        }, unusable: unusable.map { .init(file: ($0.path as NSString).lastPathComponent, reason: $0.reason) })
    }
}

/// `strata backup list --format json`: the folder, each usable backup (newest first) with its
/// manifest's facts, and the files that cannot be restored with why.
public struct BackupListDocument: Encodable, Sendable, Equatable {
    public struct Backup: Encodable, Sendable, Equatable {
        public var file: String
        public var createdAt: String
        public var createdBy: String
        public var databaseKind: String
        public var databaseName: String
        public var databaseURL: String
        public var serverVersion: String
        public var method: String
        public var sizeBytes: Int64
        public var sha256: String
        public var appliedMigrations: [String]

        enum CodingKeys: String, CodingKey {
            case file, method, sha256
            case createdAt = "created_at", createdBy = "created_by", databaseKind = "database_kind", databaseName = "database_name"
            case databaseURL = "database_url", serverVersion = "server_version", sizeBytes = "size_bytes"
            case appliedMigrations = "applied_migrations"
        }
    }

    public struct Unusable: Encodable, Sendable, Equatable {
        public var file: String
        public var reason: String
    }

    public var folder: String
    public var backups: [Backup]
    public var unusable: [Unusable]
}

/// What a restore did.
public struct RestoreReport: Sendable {
    public var backup: BackupRecord
    /// The applied migrations found in `__migrations__` after the restore: the manifest's.
    public var appliedMigrations: [String]
}

import CSQLite
import Foundation
import StrataSyntax

/// The backups of databases in one folder: taking them, listing them, and restoring one after
/// checking it is intact.
///
/// Each backup is a file named `backup_<database>_<UTC time>.<ext>` (`.sqlite`: an SQLite
/// database; `.dump`: a pg_dump custom-format archive), readable by its owner only (0600), with
/// a sidecar `<file>.manifest.json` (`BackupManifest`) holding its SHA-256 and the applied
/// migrations it contains.
///
/// ```swift
/// let store = BackupStore(directory: "/srv/app/backups")
/// let backup = try store.create(url: DatabaseURL("postgresql://deploy@db/app"))
/// print(backup.path)                       // record it, e.g. in __migration_rollbacks__.backup_path
/// // ... later, to undo:
/// let report = try store.restore(try store.locate(backup.path), to: url)
/// ```
///
/// Errors are `ApplyError`s: `.refused` when a backup must not be restored (corrupted, no
/// manifest, outside the folder, another kind of database: nothing is changed), `.backup` for
/// files and client programs, and the usual connection and statement errors.
public struct BackupStore: Sendable {
    /// The backups folder, absolute; created (0700) by the first backup.
    public let directory: String
    /// Where pg_dump, pg_restore and psql are looked up: folders separated by `:`; nil (the
    /// default) for the PATH variable.
    public var toolSearchPath: String?
    /// How long a copy or restore waits for locks other connections hold (SQLite's write lock,
    /// PostgreSQL table locks) before it fails.
    public var lockTimeout: Duration = .seconds(60)
    /// How long to wait for a PostgreSQL server that does not accept connections yet.
    public var connectWait: Duration?

    public init(directory: String, toolSearchPath: String? = nil) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.toolSearchPath = toolSearchPath
    }

    // MARK: - Create

    /// Takes a backup of the database at `url` while others may go on using it, and returns it
    /// with its manifest. The copy is one committed state of the database, taken on a
    /// connection of its own (SQLite's backup API) or by pg_dump, and the manifest's applied
    /// migrations are read from that same state. Call it before the change it guards, outside
    /// a transaction that has written: uncommitted changes are not in the copy.
    public func create(url: DatabaseURL) throws(ApplyError) -> BackupRecord {
        try BackupFiles.ensureDirectory(directory)
        let started = Date()
        let partial = (directory as NSString).appendingPathComponent(".strata-backup-\(UUID().uuidString).partial")
        defer { for suffix in ["", "-journal", "-wal", "-shm"] { BackupFiles.remove(partial + suffix) } }
        guard let handle = try BackupFiles.createPrivate(partial) else {
            throw ApplyError(.backup, "cannot create \(partial): it exists")
        }
        let databaseName: String, serverVersion: String, method: String, fileExtension: String, applied: [String]
        switch url.target {
        case .sqlite(let path):
            try? handle.close()   // SQLite opens the file by its name
            applied = try SQLiteBackup.copy(from: path, to: partial, busyTimeout: lockTimeout)
            databaseName = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            serverVersion = String(cString: sqlite3_libversion())
            method = "sqlite3 online backup"
            fileExtension = "sqlite"
        case .postgres:
            let postgres = PostgresBackup(url: url, searchPath: toolSearchPath, lockTimeout: lockTimeout, connectWait: connectWait)
            let (source, pgDump) = try postgres.open()
            applied = try postgres.dump(source, with: pgDump, to: handle)
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                throw ApplyError(.backup, "cannot write \(partial): \(BackupFiles.describe(error))")
            }
            databaseName = source.name
            serverVersion = source.serverVersion
            method = PostgresBackup.method
            fileExtension = PostgresBackup.fileExtension
        }
        BackupFiles.sync(partial)
        let (sha256, size) = try BackupFiles.sha256(of: partial)
        let (path, fileName) = try publish(partial, base: "backup_\(BackupFiles.safeName(databaseName))_\(BackupFiles.stamp(started))",
                                           fileExtension: fileExtension)
        let manifest = BackupManifest(
            version: BackupManifest.currentVersion, file: fileName, databaseKind: url.dialect.rawValue,
            databaseName: databaseName, databaseURL: url.redacted, serverVersion: serverVersion, method: method,
            createdAt: Ledger.timestamp(started), createdBy: Ledger.actor, size: size, sha256: sha256,
            appliedMigrations: applied)
        let manifestPath = path + BackupManifest.suffix
        let manifestPartial = partial + ".manifest"
        defer { BackupFiles.remove(manifestPartial) }
        try BackupFiles.writePrivate(manifest.encoded(), to: manifestPartial)
        try BackupFiles.rename(manifestPartial, to: manifestPath)
        BackupFiles.sync(directory)
        return BackupRecord(path: path, manifestPath: manifestPath, manifest: manifest)
    }

    /// Gives the finished copy its name: `base.ext`, else `base-2.ext`... when that name (or its
    /// manifest) is taken. link(2) never replaces a file, so two backups taken in the same
    /// second by two processes both keep their own.
    private func publish(_ partial: String, base: String, fileExtension: String) throws(ApplyError) -> (path: String, name: String) {
        for attempt in 1...100 {
            let name = base + (attempt == 1 ? "" : "-\(attempt)") + "." + fileExtension
            let path = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path + BackupManifest.suffix) { continue }
            if link(partial, path) == 0 { return (path, name) }
            guard errno == EEXIST else {
                throw ApplyError(.backup, "cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
        throw ApplyError(.backup, "cannot find a free name for \(base).\(fileExtension) in \(directory)")
    }

    // MARK: - List and locate

    /// The backups in the folder, newest first, and the files there that cannot be restored.
    /// A missing folder holds no backups.
    public func list() throws(ApplyError) -> BackupList {
        guard FileManager.default.fileExists(atPath: directory) else { return BackupList(backups: [], unusable: []) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ApplyError(.backup, "cannot read the backups folder \(directory): \(BackupFiles.describe(error))")
        }
        let present = Set(names)
        var backups: [BackupRecord] = []
        var unusable: [(path: String, reason: String)] = []
        for name in names.sorted() where name.hasPrefix("backup_") {
            let path = (directory as NSString).appendingPathComponent(name)
            if name.hasSuffix(BackupManifest.suffix) {
                let backupName = String(name.dropLast(BackupManifest.suffix.count))
                if !present.contains(backupName) { unusable.append((path, "its backup file \(backupName) is missing")) }
                continue
            }
            do {
                backups.append(try record(at: path))
            } catch {
                unusable.append((path, error.message))
            }
        }
        backups.sort { ($0.manifest.createdAt, $0.fileName) > ($1.manifest.createdAt, $1.fileName) }
        return BackupList(backups: backups, unusable: unusable)
    }

    /// The backup a user names: a bare file name is looked up in the backups folder; a path is
    /// taken as it is. A file outside the folder is refused unless `allowOutside` (a backup from
    /// elsewhere must be chosen on purpose), as is one without a readable manifest.
    public func locate(_ reference: String, allowOutside: Bool = false) throws(ApplyError) -> BackupRecord {
        let path = path(for: reference)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ApplyError(.backup, "\(reference): no such backup file\(reference.contains("/") ? "" : " in \(directory)")")
        }
        if !allowOutside, !contains(path) {
            throw ApplyError(.refused, "\(reference) is outside the backups folder \(directory)")
        }
        return try record(at: path)
    }

    /// The file a user names: a bare file name in the backups folder, else the path (relative
    /// to the working directory), absolute.
    public func path(for reference: String) -> String {
        reference.contains("/")
            ? URL(fileURLWithPath: reference).standardizedFileURL.path
            : (directory as NSString).appendingPathComponent(reference)
    }

    /// Whether `path` lies in the backups folder itself (symbolic links followed).
    public func contains(_ path: String) -> Bool {
        let real = BackupFiles.resolved(path)
        return (real as NSString).deletingLastPathComponent == BackupFiles.resolved(directory)
    }

    /// The backup at `path` with its manifest; refused when the manifest is missing or unreadable.
    func record(at path: String) throws(ApplyError) -> BackupRecord {
        let manifestPath = path + BackupManifest.suffix
        let manifestName = (manifestPath as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw ApplyError(.refused, "\(path) has no manifest (\(manifestName)), so it cannot be verified")
        }
        guard let manifest = BackupManifest.decode(data) else {
            throw ApplyError(.refused, "\(manifestPath) is not a manifest this Strata can read")
        }
        return BackupRecord(path: path, manifestPath: manifestPath, manifest: manifest)
    }

    // MARK: - Verify and restore

    /// Refuses a backup whose file no longer has the size and SHA-256 its manifest records.
    public func verify(_ backup: BackupRecord) throws(ApplyError) {
        let (sha256, size) = try BackupFiles.sha256(of: backup.path)
        guard sha256 == backup.manifest.sha256, size == backup.manifest.size else {
            throw ApplyError(.refused, "\(backup.path) is corrupted or was changed: its SHA-256 is \(sha256.prefix(12))… "
                             + "(\(size) bytes), the manifest records \(backup.manifest.sha256.prefix(12))… (\(backup.manifest.size) bytes)")
        }
    }

    /// Replaces the database at `url` with the backup, after verifying its checksum and kind,
    /// then checks that `__migrations__` holds the applied migrations the manifest lists.
    /// Everything in the database is replaced: tables created after the backup are gone.
    public func restore(_ backup: BackupRecord, to url: DatabaseURL) throws(ApplyError) -> RestoreReport {
        try verify(backup)
        guard backup.manifest.databaseKind == url.dialect.rawValue else {
            throw ApplyError(.refused, "\(backup.fileName) is a \(backup.manifest.databaseKind) backup; \(url.redacted) is a \(url.dialect.rawValue) database")
        }
        let found: [String]
        switch url.target {
        case .sqlite(let path):
            found = try SQLiteBackup.restore(backup.path, into: path, busyTimeout: lockTimeout)
        case .postgres:
            found = try PostgresBackup(url: url, searchPath: toolSearchPath, lockTimeout: lockTimeout, connectWait: connectWait)
                .restore(backup.path)
        }
        guard found == backup.manifest.appliedMigrations else {
            let expected = Set(backup.manifest.appliedMigrations), actual = Set(found)
            var differences: [String] = []
            let missing = backup.manifest.appliedMigrations.filter { !actual.contains($0) }
            let extra = found.filter { !expected.contains($0) }
            if !missing.isEmpty { differences.append("missing \(missing.joined(separator: ", "))") }
            if !extra.isEmpty { differences.append("not in the manifest \(extra.joined(separator: ", "))") }
            if differences.isEmpty { differences.append("the same migrations in another order") }
            throw ApplyError(.backup, "restored \(backup.fileName), but \(Ledger.table) does not match its manifest: \(differences.joined(separator: "; "))")
        }
        return RestoreReport(backup: backup, appliedMigrations: found)
    }

    /// The ids of the `__migrations__` rows marked applied, in the order applied; none when
    /// the table does not exist.
    public static func appliedMigrationIDs(in database: any Database) throws(ApplyError) -> [String] {
        let exists = database.dialect == .sqlite
            ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1"
            : "SELECT (to_regclass($1) IS NOT NULL)::int"
        guard try database.query(exists, [.text(Ledger.table)]).first?.first?.integer == 1 else { return [] }
        return try database.query(appliedMigrationsSQL).compactMap { $0.first?.text }
    }

    static let appliedMigrationsSQL = "SELECT id FROM \(Ledger.table) WHERE status = 'applied' ORDER BY applied_at, id"
}

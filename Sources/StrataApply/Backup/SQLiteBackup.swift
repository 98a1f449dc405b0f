import CSQLite
import Foundation

/// Online copies of an SQLite database with SQLite's backup API (sqlite3_backup_*), and
/// restores with the same API the other way round.
///
/// The copy is consistent while other connections write: SQLite starts it again when the source
/// changes between two steps, so what it finishes is one committed state.
/// - WAL database: one step inside one read transaction. Readers never block writers there, so
///   the writers go on committing for the whole copy.
/// - Rollback-journal database (SQLite's default): a read lock blocks writers, so the copy goes
///   in steps of 256 pages (1 MiB at 4 KiB pages) with the lock released between them, and a
///   writer that waits gets in. Each write by another connection starts the copy again; after
///   each restart the steps grow four times, and after four restarts the rest is copied in one
///   step, so a database that is written without pause is still copied (its writers then wait
///   for that last pass, as for any long read, within their busy timeout).
enum SQLiteBackup {
    static let firstStepPages: Int32 = 256
    static let restartsBeforeOnePass = 4

    /// Copies the database at `source` into `destination`, an empty file, and returns the
    /// applied migrations recorded in the copy.
    static func copy(from source: String, to destination: String, busyTimeout: Duration) throws(ApplyError) -> [String] {
        guard source != ":memory:" else {
            throw ApplyError(.backup, "an in-memory SQLite database (sqlite::memory:) cannot be backed up")
        }
        guard FileManager.default.fileExists(atPath: source) else {
            throw ApplyError(.backup, "no SQLite database at \(source)")
        }
        // Read-write (never created: it exists), so that a WAL database's shared-memory file
        // can be opened whatever state it is in; nothing is written to it.
        let from = try SQLiteConnection(source, flags: SQLITE_OPEN_READWRITE, busyTimeout: busyTimeout)
        let wal = try from.strings("PRAGMA journal_mode").first?.lowercased() == "wal"
        let to = try SQLiteConnection(destination, flags: SQLITE_OPEN_READWRITE, busyTimeout: busyTimeout)
        try run(from: from.handle, to: to.handle, describing: source, pages: wal ? -1 : firstStepPages, busyTimeout: busyTimeout)
        // Read from the copy itself, so the manifest says what the file holds.
        return try to.appliedMigrationIDs()
    }

    /// Replaces the database at `target` (created when missing) with the backup `file`, in
    /// one write transaction: other connections see the old database or the restored one.
    static func restore(_ file: String, into target: String, busyTimeout: Duration) throws(ApplyError) -> [String] {
        guard target != ":memory:" else {
            throw ApplyError(.backup, "cannot restore into an in-memory SQLite database (sqlite::memory:)")
        }
        // `immutable=1`: SQLite takes no locks and opens no WAL or shared-memory file beside the
        // backup (a read-only connection to the copy of a WAL database would leave both there).
        let uri = "file:" + (file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file) + "?immutable=1"
        let from = try SQLiteConnection(uri, flags: SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, busyTimeout: busyTimeout, describing: file)
        // A database that is gone is created again, with its folder (as `strata up` would).
        let folder = (target as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw ApplyError(.backup, "cannot create the folder of SQLite database \(target): \(BackupFiles.describe(error))")
            }
        }
        let to = try SQLiteConnection(target, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, busyTimeout: busyTimeout)
        try run(from: from.handle, to: to.handle, describing: file, pages: -1, busyTimeout: busyTimeout)
        return try to.appliedMigrationIDs()
    }

    /// Steps the copy to its end: `pages` at a time (-1: all at once), waiting out locks held
    /// by other connections for up to `busyTimeout`.
    private static func run(from: OpaquePointer, to: OpaquePointer, describing name: String,
                            pages firstPages: Int32, busyTimeout: Duration) throws(ApplyError) {
        guard let backup = sqlite3_backup_init(to, "main", from, "main") else {
            throw ApplyError(.backup, "cannot start copying \(name): \(String(cString: sqlite3_errmsg(to)))")
        }
        var pages = firstPages
        var restarts = 0
        var lastRemaining = Int32.max
        let deadline = ContinuousClock.now + busyTimeout
        var code: Int32
        repeat {
            code = sqlite3_backup_step(backup, pages)
            // The low byte is the primary result code (whether or not extended codes are on).
            switch code & 0xFF {
            case SQLITE_OK:
                // Without a restart every step leaves fewer pages to copy.
                let remaining = sqlite3_backup_remaining(backup)
                if remaining >= lastRemaining {
                    restarts += 1
                    pages = restarts >= restartsBeforeOnePass ? -1 : pages * 4
                }
                lastRemaining = remaining
                usleep(1_000)   // the lock is free now: a writer waiting for it gets in
            case SQLITE_BUSY, SQLITE_LOCKED:
                guard ContinuousClock.now < deadline else {
                    sqlite3_backup_finish(backup)
                    throw ApplyError(.backup, "\(name): the database stayed locked by another connection for \(busyTimeout)",
                                     code: "\(code)")
                }
                usleep(5_000)
            default:
                break
            }
        } while [SQLITE_OK, SQLITE_BUSY, SQLITE_LOCKED].contains(code & 0xFF)
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finished == SQLITE_OK else {
            let message = String(cString: sqlite3_errmsg(to))
            throw ApplyError(.backup, "copying \(name) failed: \(message)", code: "\(finished == SQLITE_OK ? code : finished)")
        }
    }
}

/// A connection of the copy's own, on a raw handle: it must wait for locks its own way from the
/// first read on (`SQLiteDatabase` reads at once, with SQLite's busy handler).
private final class SQLiteConnection {
    let handle: OpaquePointer

    /// Opens `filename` (a path, or a `file:` URI with SQLITE_OPEN_URI) and reads its schema,
    /// so that a file that is not a database is reported now.
    init(_ filename: String, flags: Int32, busyTimeout: Duration, describing name: String? = nil) throws(ApplyError) {
        SQLiteDatabase.configured
        let name = name ?? filename
        var db: OpaquePointer?
        let code = sqlite3_open_v2(filename, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(db)
            throw ApplyError(.backup, "cannot open SQLite database \(name): \(message)", code: "\(code)")
        }
        handle = db
        Self.pollForLocks(db, for: busyTimeout)
        do {
            _ = try strings("SELECT count(*) FROM sqlite_schema")
        } catch {
            throw ApplyError(.backup, "cannot read SQLite database \(name): \(error.message)", code: error.code)
        }
    }

    deinit { sqlite3_close_v2(handle) }

    /// The first column of every row, as text.
    func strings(_ sql: String) throws(ApplyError) -> [String] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw ApplyError(.statement, String(cString: sqlite3_errmsg(handle)), statement: sql)
        }
        defer { sqlite3_finalize(statement) }
        var values: [String] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return values }
            guard code == SQLITE_ROW else {
                throw ApplyError(.statement, String(cString: sqlite3_errmsg(handle)), statement: sql, code: "\(code)")
            }
            values.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "")
        }
    }

    func appliedMigrationIDs() throws(ApplyError) -> [String] {
        guard try strings("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = '\(Ledger.table)'").count == 1 else { return [] }
        return try strings(BackupStore.appliedMigrationsSQL)
    }

    /// Waits for locks by polling every half millisecond. SQLite's own busy handler sleeps
    /// longer and longer (up to 100 ms), and between the transactions of a writer that commits
    /// without pause a rollback-journal database is unlocked for a fraction of a millisecond
    /// only: the copy would wait out the whole timeout before it caught the lock.
    private static func pollForLocks(_ handle: OpaquePointer, for timeout: Duration) {
        let polls = max(1, Int(PostgresBackup.milliseconds(timeout)) * 2)
        sqlite3_busy_handler(handle, { context, count in
            guard Int(count) < Int(bitPattern: context) else { return 0 }
            usleep(500)
            return 1
        }, UnsafeMutableRawPointer(bitPattern: polls))
    }
}

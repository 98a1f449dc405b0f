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
        let from = try SQLiteDatabase(path: source)
        let wal = try from.query("PRAGMA journal_mode").first?.first?.text?.lowercased() == "wal"
        let to = try openDestination(destination)
        try run(from: from.handle, to: to.handle, describing: source, pages: wal ? -1 : firstStepPages, busyTimeout: busyTimeout)
        // Read from the copy itself, so the manifest says what the file holds.
        return try BackupStore.appliedMigrationIDs(in: to)
    }

    /// Replaces the database at `target` (created when missing) with the backup `file`, in
    /// one write transaction: other connections see the old database or the restored one.
    static func restore(_ file: String, into target: String, busyTimeout: Duration) throws(ApplyError) -> [String] {
        guard target != ":memory:" else {
            throw ApplyError(.backup, "cannot restore into an in-memory SQLite database (sqlite::memory:)")
        }
        let from = try UnchangingFile(file)
        let to = try SQLiteDatabase(path: target)
        try run(from: from.handle, to: to.handle, describing: file, pages: -1, busyTimeout: busyTimeout)
        return try BackupStore.appliedMigrationIDs(in: to)
    }

    private static func openDestination(_ path: String) throws(ApplyError) -> SQLiteDatabase {
        do {
            return try SQLiteDatabase(path: path)
        } catch {
            throw ApplyError(.backup, "cannot open \(path) to write the backup: \(error.message)")
        }
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
            // Extended result codes are on: the low byte is the primary code.
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

/// A backup file opened for reading with `immutable=1`: SQLite then takes no locks and opens no
/// WAL or shared-memory file beside it. (A read-only connection to the copy of a WAL database
/// would create `-wal` and `-shm` files in the backups folder and could not remove them.)
private final class UnchangingFile {
    let handle: OpaquePointer

    init(_ path: String) throws(ApplyError) {
        let uri = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1"
        var db: OpaquePointer?
        let code = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(db)
            throw ApplyError(.backup, "cannot open \(path): \(message)")
        }
        handle = db
        // A file that is not a database fails only when first read: find out before the restore.
        var message: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nil, nil, &message) != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(message)
            throw ApplyError(.backup, "\(path) is not a readable SQLite backup: \(text)")
        }
    }

    deinit { sqlite3_close_v2(handle) }
}

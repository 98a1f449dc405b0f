import Foundation

/// SQLite's rollback journal during a run that commits migration by migration.
///
/// In SQLite's default journal mode (DELETE) every commit creates the `-journal` file, syncs
/// it (and, being new, its directory and inode) and deletes it: a thousand migrations make a
/// thousand files. With PERSIST the one file is kept for the run and each commit zeroes and
/// syncs its header instead; measured here, a fifth less time per commit. A commit is at least as
/// durable: the zeroed header is synced, where DELETE's unlink is not. The mode is the
/// connection's own (other connections keep theirs and read the same journal format), so
/// nothing in the database changes; at the end the mode goes back to DELETE, which deletes
/// the file.
extension Applier {
    /// Switches an SQLite connection in DELETE mode to PERSIST for a run of `commits`; returns
    /// whether it did. A database in WAL mode, or another mode someone chose, is left alone.
    func keepJournalBetweenCommits(_ commits: Int) -> Bool {
        guard database.dialect == .sqlite, commits > 1,
              (try? database.query("PRAGMA journal_mode"))?.first?.first?.text?.lowercased() == "delete" else { return false }
        return (try? database.query("PRAGMA journal_mode = PERSIST"))?.first?.first?.text?.lowercased() == "persist"
    }

    /// Back to DELETE, which removes the kept journal, unless a migration chose another mode
    /// (a non-transactional one may switch the database to WAL). When another connection is
    /// writing, SQLite leaves the file to it; failing here loses nothing (a journal with a
    /// zeroed header is not a hot journal), so it is not an error.
    func restoreJournalMode() {
        guard (try? database.query("PRAGMA journal_mode"))?.first?.first?.text?.lowercased() == "persist" else { return }
        _ = try? database.query("PRAGMA journal_mode = DELETE")
    }
}

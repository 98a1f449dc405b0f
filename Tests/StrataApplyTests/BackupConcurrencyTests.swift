import Foundation
import StrataApply
import Testing

@Suite("SQLite backups while another connection writes")
struct BackupConcurrencyTests {
    /// A writer thread moves money between accounts and appends a payload row in each
    /// transaction, without pause, while a backup of the ~36 MB database is taken. The copy
    /// must hold one committed state (the total unchanged, every counted commit's row there),
    /// and the writer must go on committing during the copy instead of waiting for its end.
    @Test(arguments: ["wal", "delete"])
    func copyIsConsistentWhileTheWriterKeepsCommitting(_ journalMode: String) throws {
        let folder = try TemporaryFolder()
        let path = folder.path("busy.db")
        let setup = try SQLiteDatabase(path: path)
        try setup.execute("PRAGMA journal_mode = \(journalMode)")
        try setup.execute("""
            CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
            CREATE TABLE payload (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
            CREATE TABLE commits (n INTEGER NOT NULL);
            BEGIN;
            WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 100)
              INSERT INTO accounts SELECT i, 100 FROM k;
            WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 12000)
              INSERT INTO payload SELECT i, randomblob(3000) FROM k;
            INSERT INTO commits VALUES (0);
            COMMIT;
            """)

        let writer = Writer(path: path)
        writer.start()
        #expect(writer.waitForCommits(5), "the writer did not start committing")
        let store = BackupStore(directory: folder.path("backups"))
        let started = Date()
        let backup = try store.create(url: DatabaseURL("sqlite:" + path))
        let finished = Date()
        let (commits, failure) = writer.stop()
        #expect(failure == nil, "the writer failed: \(failure ?? "")")

        // The copy is one committed state.
        let copyPath = folder.path("copy.db")
        try FileManager.default.copyItem(atPath: backup.path, toPath: copyPath)
        let copy = try SQLiteDatabase(path: copyPath)
        #expect(try copy.query("PRAGMA integrity_check").first?.first?.text == "ok")
        #expect(try copy.query("SELECT sum(balance) FROM accounts").first?.first?.integer == 10_000)
        let counted = try #require(try copy.query("SELECT n FROM commits").first?.first?.integer)
        #expect(try copy.query("SELECT count(*) FROM payload").first?.first?.integer == 12_000 + counted)
        #expect(counted > 0 && counted <= Int64(commits.count))

        // The writer committed during the copy, not only before and after it.
        let during = commits.filter { $0 > started && $0 < finished }
        let duration = finished.timeIntervalSince(started)
        #expect(during.count >= 2, "\(during.count) commits during a \(Int(duration * 1000)) ms backup (\(journalMode))")
        if journalMode == "wal", duration > 0.05 {
            // On WAL nothing in the copy blocks a writer: no pause near the copy's length.
            let marks = [started] + during + [finished]
            let longestPause = zip(marks, marks.dropFirst()).map { $1.timeIntervalSince($0) }.max() ?? 0
            #expect(longestPause < duration * 0.75, "the writer paused \(Int(longestPause * 1000)) ms of a \(Int(duration * 1000)) ms backup")
        }
    }
}

/// A thread committing small transactions on a connection of its own until stopped, noting
/// when each commit finished.
private final class Writer: @unchecked Sendable {
    private let path: String
    private let lock = NSCondition()
    private var commits: [Date] = []
    private var failure: String?
    private var stopping = false
    private var stopped = false

    init(path: String) { self.path = path }

    func start() {
        Thread { self.run() }.start()
    }

    private func run() {
        defer { lock.withLock { stopped = true; lock.broadcast() } }
        do {
            let db = try SQLiteDatabase(path: path)
            var round = 0
            while !lock.withLock({ stopping }) {
                round += 1
                let from = round % 100 + 1, to = (round * 7) % 100 + 1
                try db.execute("""
                    BEGIN IMMEDIATE;
                    UPDATE accounts SET balance = balance - 1 WHERE id = \(from);
                    UPDATE accounts SET balance = balance + 1 WHERE id = \(to);
                    INSERT INTO payload (body) VALUES (randomblob(3000));
                    UPDATE commits SET n = n + 1;
                    COMMIT
                    """)
                let now = Date()
                lock.withLock { commits.append(now); lock.broadcast() }
            }
        } catch {
            lock.withLock { failure = "\(error)" }
        }
    }

    /// Whether `count` commits happened within 10 seconds.
    func waitForCommits(_ count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        return lock.withLock {
            while commits.count < count, failure == nil, !stopped {
                if !lock.wait(until: deadline) { return false }
            }
            return commits.count >= count
        }
    }

    /// Stops the thread and returns when each commit finished, and the error that stopped it.
    func stop() -> ([Date], String?) {
        lock.withLock {
            stopping = true
            while !stopped { lock.wait() }
            return (commits, failure)
        }
    }
}

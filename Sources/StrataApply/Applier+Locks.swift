import Foundation

// MARK: - Locks and transactions

extension Applier {
    /// Runs `body` in a transaction holding the migration lock: PostgreSQL's transaction-scoped
    /// advisory lock, or SQLite's write lock (`BEGIN IMMEDIATE`). Rolls back on error.
    func inLock(_ body: () throws(ApplyError) -> Void) throws(ApplyError) {
        try inLockKeeping { () throws(ApplyError) -> Bool in
            try body()
            return true
        }
    }

    /// As `inLock(_:)`; `body` says whether to keep what it did (false: roll back, keeping nothing).
    func inLockKeeping(_ body: () throws(ApplyError) -> Bool) throws(ApplyError) {
        switch database.dialect {
        case .sqlite:
            if busyTimeoutSet != lockTimeout {
                let timeout = Int32(min(Double(Int32.max), lockTimeout.seconds * 1000))
                try database.execute("PRAGMA busy_timeout = \(timeout)")
                busyTimeoutSet = lockTimeout
            }
            do {
                try database.execute("BEGIN IMMEDIATE")
            } catch {
                // SQLITE_BUSY, or one of its extended codes: another connection has the lock.
                guard let code = error.code.flatMap({ Int($0) }), code & 0xFF == 5 else {
                    throw ApplyError(.statement, "could not take the database's write lock: \(error.message)", code: error.code)
                }
                throw ApplyError(.statement, lockTimeout <= .zero
                    ? "the database's write lock is held by \(sqliteLockHolder()) (--lock-timeout 0: not waiting)"
                    : "could not take the database's write lock within \(lockTimeout.seconds) s (held by \(sqliteLockHolder()))", code: error.code)
            }
        case .postgresql:
            // Try the transaction-scoped lock; when another run holds it, roll back and try
            // again after a pause. Waiting inside an open transaction would deadlock with the
            // holder's CREATE INDEX CONCURRENTLY, which waits for every open transaction.
            let deadline = ContinuousClock.now + lockTimeout
            var reported = false
            while true {
                let free: Bool
                do {
                    // One round trip: without parameters the driver sends both as one message.
                    free = try database.query("BEGIN; SELECT pg_try_advisory_xact_lock(\(lockKey))").first?.first == .integer(1)
                } catch {
                    try? database.execute("ROLLBACK")
                    throw error
                }
                if free { break }
                try? database.execute("ROLLBACK")
                guard ContinuousClock.now < deadline else {
                    let holder = lockHolder()
                    throw ApplyError(.statement, lockTimeout <= .zero
                        ? "the migration lock is held by \(holder) (--lock-timeout 0: not waiting)"
                        : "the migration lock was not released within \(lockTimeout.seconds) s (held by \(holder))")
                }
                if !reported { progress("waiting for the migration lock, held by \(lockHolder())"); reported = true }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        do {
            try database.execute(try body() ? "COMMIT" : "ROLLBACK")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    /// PostgreSQL session lock for non-transactional migrations, polled: a blocking wait would
    /// deadlock with CREATE INDEX CONCURRENTLY, which waits for other transactions.
    func pollSessionLock() throws(ApplyError) {
        let deadline = ContinuousClock.now + lockTimeout
        var reported = false
        while try database.query("SELECT pg_try_advisory_lock(\(lockKey))").first?.first != .integer(1) {
            if !reported { progress("waiting for the migration lock, held by \(lockHolder())"); reported = true }
            guard ContinuousClock.now < deadline else {
                throw ApplyError(.statement, "the migration lock was not released within \(lockTimeout.seconds) s (held by \(lockHolder()))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Who holds an SQLite database's write lock, when the system says.
    func sqliteLockHolder() -> String {
        guard let path = (database as? SQLiteDatabase)?.path, let pid = LocalProcess.sqliteWriteLockHolder(path) else {
            return "another connection; SQLite does not say which"
        }
        return "pid \(pid) (\(LocalProcess.name(pid) ?? "?"))"
    }

    /// Who holds the advisory lock, when PostgreSQL says.
    func lockHolder() -> String {
        let sql = """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename, '')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
              AND l.objid = ((\(lockKey))::bigint & 4294967295)::oid
            LIMIT 1
            """
        guard let row = (try? database.query(sql))?.first, row.count == 3 else { return "another strata run" }
        return "pid \(row[0].integer.map(String.init) ?? "?") (\(row[1].text ?? ""), user \(row[2].text ?? ""))"
    }
}

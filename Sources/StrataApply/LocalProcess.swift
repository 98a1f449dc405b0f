import Foundation

/// What this machine can tell about another of its processes.
enum LocalProcess {
    /// Whether process `pid` has ended (a zombie, ended but not yet waited for, counts as
    /// ended). False when it runs, or when that cannot be told.
    static func hasEnded(_ pid: Int64) -> Bool {
        guard pid > 0, pid <= Int64(Int32.max) else { return false }
        if kill(pid_t(pid), 0) != 0 { return errno == ESRCH }
        // /proc/PID/stat: `PID (COMMAND) STATE ...`; the command may hold spaces and parentheses.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].drop { $0 == " " }.first == "Z"
    }

    /// The command name of process `pid` (`strata`), when this system says.
    static func name(_ pid: Int64) -> String? {
        guard let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return nil }
        let name = comm.trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : name
    }

    /// The process holding the write lock of the SQLite database at `path`, from Linux's
    /// /proc/locks: a write lock on the file's lock bytes (0x40000000-0x400001FF: RESERVED,
    /// PENDING or EXCLUSIVE in a rollback journal), or on the WAL write lock (byte 120) of its
    /// `-shm` file. Nil when none is found, or the system has no /proc/locks. Read only: no file
    /// of the database is opened (closing one would drop this process's own SQLite locks).
    static func sqliteWriteLockHolder(_ path: String) -> Int64? {
        func inode(_ path: String) -> UInt64? {
            var info = stat()
            return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
        }
        let database = inode(path), shm = inode(path + "-shm")
        guard database != nil || shm != nil, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        // `1: POSIX  ADVISORY  WRITE 4242 fe:00:16223191 1073741825 1073741825`; waiters are `1: -> POSIX ...`.
        for line in locks.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 8, fields[1] != "->", fields[3] == "WRITE", let pid = Int64(fields[4]), pid > 0, pid != Ledger.pid,
                  let node = fields[5].split(separator: ":").last.flatMap({ UInt64($0) }), let start = UInt64(fields[6]) else { continue }
            let end = UInt64(fields[7]) ?? .max   // EOF
            if node == database, start <= 0x4000_01FF, end >= 0x4000_0000 { return pid }
            if node == shm, start <= 120, end >= 120 { return pid }
        }
        return nil
    }
}

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
}

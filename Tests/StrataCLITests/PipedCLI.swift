import Foundation
import Testing

/// glibc's `posix_spawn_file_actions_addchdir_np` (declared only with _GNU_SOURCE, which
/// Swift's Glibc module is not built with).
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnActionsChangeDirectory(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32

/// A `strata` process whose standard output is a pipe, read as it comes (as `strata up | ts`
/// reads it), started as a shell starts a program: every signal at its default and none
/// blocked. (Foundation's Process hands a child the starting thread's mask, and the test
/// threads block SIGTERM and SIGINT, so a strata started with it would ignore them.)
final class PipedCLI: @unchecked Sendable {
    let pid: pid_t
    private let pipeContents = PipeContents()
    private var exitStatus: Int32?

    /// Starts `strata args` in `directory`. `mergeStandardError`: standard error goes into the
    /// same pipe (so the order of the two in it is the order they were written in); else it
    /// goes to /dev/null.
    init(_ args: [String], in directory: URL, environment: [String: String] = [:], mergeStandardError: Bool = false) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        if mergeStandardError {
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        _ = spawnActionsChangeDirectory(&actions, directory.path)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        env["NO_COLOR"] = nil
        for (key, value) in environment { env[key] = value }
        let argv = [CLI.binary.path] + args
        let envp = env.map { "\($0.key)=\($0.value)" }
        var child: pid_t = 0
        let code = Self.withCStrings(argv) { argv in
            Self.withCStrings(envp) { envp in posix_spawn(&child, CLI.binary.path, &actions, &attributes, argv, envp) }
        }
        close(writeEnd)
        guard code == 0 else {
            close(readEnd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        pid = child
        let contents = pipeContents
        Thread { contents.read(readEnd) }.start()
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            _ = waitForExit()
        }
    }

    /// What came through the pipe, read on a thread of its own until the pipe's end.
    private final class PipeContents: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        private var ended = false

        func read(_ descriptor: Int32) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = Glibc.read(descriptor, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                lock.lock()
                if count > 0 { data.append(contentsOf: buffer[0..<count]) } else { ended = true }
                lock.unlock()
                if count <= 0 { break }
            }
            close(descriptor)
        }

        var text: String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: data, as: UTF8.self)
        }

        var hasEnded: Bool {
            lock.lock()
            defer { lock.unlock() }
            return ended
        }
    }

    /// What has come through the pipe so far.
    var output: String { pipeContents.text }

    /// Whether the process has ended (it is reaped then).
    var hasExited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
        return exitStatus != nil
    }

    /// Waits up to `seconds` for `text` to come through the pipe. The answer also says whether
    /// the process was still running when it had come (checked after it came).
    func waitFor(_ text: String, seconds: Double = 60) -> (arrived: Bool, whileRunning: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if output.contains(text) { return (true, !hasExited) }
            usleep(10_000)
        }
        return (output.contains(text), false)
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the process to end and the pipe to close: its wait status.
    @discardableResult
    func waitForExit() -> Int32 {
        if exitStatus == nil {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            exitStatus = status
        }
        // A child the process left behind may hold the pipe open: not forever.
        let deadline = Date().addingTimeInterval(30)
        while !pipeContents.hasEnded, Date() < deadline { usleep(5_000) }
        return exitStatus ?? 0
    }

    /// The exit code, or nil when a signal ended it.
    var exitCode: Int32? {
        let status = waitForExit()
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : nil
    }

    private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

/// The processes whose parent is `pid` (from /proc), with their command names.
func childProcesses(of pid: pid_t) -> [(pid: pid_t, name: String)] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { entry -> (pid_t, String)? in
        guard let child = pid_t(entry),
              let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
        // `PID (COMMAND) STATE PPID ...`
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, pid_t(fields[1]) == pid else { return nil }
        return (child, String(stat[stat.index(after: open)..<close]))
    }
}

/// Whether process `pid` is gone or a zombie (ended, not yet reaped by its new parent).
func processHasEnded(_ pid: pid_t) -> Bool {
    if kill(pid, 0) != 0 { return errno == ESRCH }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(after: close)...].drop { $0 == " " }.first == "Z"
}

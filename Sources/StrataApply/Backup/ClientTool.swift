import CLibraryLoader
import Foundation

/// A PostgreSQL client program (pg_dump, pg_restore, psql) found in a PATH-style list of
/// folders, and run with an argument array: no shell ever reads a name, path or URL.
struct ClientTool {
    let name: String
    let path: String

    /// The program `name` in `searchPath` (folders separated by `:`; nil: the PATH variable).
    static func find(_ name: String, in searchPath: String?) throws(ApplyError) -> ClientTool {
        let folders = (searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        for folder in folders where !folder.isEmpty {
            let candidate = (String(folder) as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return ClientTool(name: name, path: candidate) }
        }
        let place = searchPath.map { "in \($0.isEmpty ? "(no folders)" : $0)" } ?? "on PATH"
        throw ApplyError(.backup, "\(name) not found \(place): PostgreSQL backups need the PostgreSQL client programs "
                         + "(pg_dump, pg_restore, psql) of the server's major version or newer; install them "
                         + "(Debian/Ubuntu: apt-get install postgresql-client) or put their folder on PATH")
    }

    /// The connection string for a client program's command line, and the environment it runs
    /// with. Any local user can read a command line (/proc/PID/cmdline, ps), so the password
    /// leaves the URL and travels in PGPASSWORD, which only the program's owner can read.
    static func connection(_ url: DatabaseURL) throws(ApplyError) -> (dbname: String, environment: [String: String]) {
        guard case .postgres(let connectionString) = url.target else {
            throw ApplyError(.invalidURL, "\(url.redacted) is not a PostgreSQL URL")
        }
        var components = URLComponents(string: connectionString)
        components?.password = nil
        if let items = components?.queryItems, items.contains(where: { $0.name.lowercased() == "password" }) {
            let kept = items.filter { $0.name.lowercased() != "password" }
            components?.queryItems = kept.isEmpty ? nil : kept
        }
        guard let components, let dbname = components.string, components.password == nil else {
            throw ApplyError(.invalidURL, "cannot hand \(url.redacted) to the PostgreSQL client programs without its password; "
                             + "percent-encode special characters in the URL, or put the password in PGPASSWORD")
        }
        var environment = ProcessInfo.processInfo.environment
        if let password = url.password { environment["PGPASSWORD"] = password }
        // The same default as Strata's own connections (the URL's connect_timeout still wins).
        if environment["PGCONNECT_TIMEOUT"] == nil { environment["PGCONNECT_TIMEOUT"] = "\(PostgresDatabase.connectTimeoutSeconds)" }
        return (dbname, environment)
    }
}

/// One run of a client program. Standard input and output are what the caller gives (a file,
/// a pipe to another program, or nothing); standard error is collected for the error message.
///
/// The program dies with Strata (`strata_spawn_tied`): killed, interrupted or crashed, Strata
/// leaves no pg_restore or psql behind to finish a restore it no longer watches. Start it and
/// wait for it on the same thread.
final class ToolProcess {
    let tool: ClientTool
    private let arguments: [String]
    private let environment: [String: String]
    private let input: Int32?
    private let output: Int32?
    private let errors = StandardErrorCollector()
    private var pid: pid_t = 0
    private var status: Int32 = 0

    init(_ tool: ClientTool, _ arguments: [String], environment: [String: String],
         input: FileHandle? = nil, inputPipe: Pipe? = nil, output: FileHandle? = nil, outputPipe: Pipe? = nil) {
        self.tool = tool
        self.arguments = arguments
        self.environment = environment
        self.input = inputPipe?.fileHandleForReading.fileDescriptor ?? input?.fileDescriptor
        self.output = outputPipe?.fileHandleForWriting.fileDescriptor ?? output?.fileDescriptor
    }

    func start() throws(ApplyError) {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        let argv = [tool.path] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        let code = withCStringArray(argv) { argv in
            withCStringArray(envp) { envp in
                strata_spawn_tied(tool.path, argv, envp, input ?? null, output ?? null,
                                  errors.pipe.fileHandleForWriting.fileDescriptor, &pid)
            }
        }
        // The program has its own copy of the error pipe's end: once it exits, the reader
        // sees the end of the pipe.
        try? errors.pipe.fileHandleForWriting.close()
        guard code == 0 else {
            throw ApplyError(.backup, "cannot run \(tool.path): \(String(cString: strerror(code)))")
        }
        errors.startReading()
    }

    /// Waits for the program to end: nil when it succeeded, else what it said (the URL's
    /// password redacted, on one line) or how it ended.
    func wait(scrubbing url: DatabaseURL) -> String? {
        var reaped = waitpid(pid, &status, 0)
        while reaped < 0, errno == EINTR { reaped = waitpid(pid, &status, 0) }
        let failedWait = reaped == pid ? nil : String(cString: strerror(errno))
        let text = errors.text()
        // Only this object waits for its pid; should anything else have, the outcome is unknown.
        if let failedWait { return "\(tool.name): cannot tell how it ended (\(failedWait))" }
        let signalled = status & 0x7F != 0, exitCode = (status >> 8) & 0xFF
        if !signalled, exitCode == 0 { return nil }
        let said = url.scrub(PostgresDatabase.tidy(text))
        let how = signalled ? "signal \(status & 0x7F)" : "exit code \(exitCode)"
        return said.isEmpty ? "\(tool.name) failed (\(how))" : "\(tool.name) failed (\(how)): \(said)"
    }
}

/// `strings` as a NULL-terminated array of C strings, for `body`.
func withCStringArray<T>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Reads a program's standard error on another thread, so that a long message cannot fill the
/// pipe and stall the program while it is waited for.
private final class StandardErrorCollector: @unchecked Sendable {
    let pipe = Pipe()
    private let done = DispatchGroup()
    private var data = Data()

    func startReading() {
        done.enter()
        DispatchQueue.global().async {
            self.data = self.pipe.fileHandleForReading.readDataToEndOfFile()
            self.done.leave()
        }
    }

    /// The last 4 KB of what the program wrote (the end says why it failed).
    func text() -> String {
        done.wait()
        return String(decoding: data.suffix(4096), as: UTF8.self)
    }
}

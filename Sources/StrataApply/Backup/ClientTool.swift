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
final class ToolProcess {
    let tool: ClientTool
    private let process = Process()
    private let errors = StandardErrorCollector()

    init(_ tool: ClientTool, _ arguments: [String], environment: [String: String],
         input: FileHandle? = nil, inputPipe: Pipe? = nil, output: FileHandle? = nil, outputPipe: Pipe? = nil) {
        self.tool = tool
        process.executableURL = URL(fileURLWithPath: tool.path)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = inputPipe ?? input ?? FileHandle.nullDevice
        process.standardOutput = outputPipe ?? output ?? FileHandle.nullDevice
        process.standardError = errors.pipe
    }

    func start() throws(ApplyError) {
        do {
            try process.run()
        } catch {
            throw ApplyError(.backup, "cannot run \(tool.path): \(BackupFiles.describe(error))")
        }
        errors.startReading()
    }

    /// Waits for the program to end: nil when it succeeded, else what it said (password
    /// scrubbed, on one line) or how it ended.
    func wait(scrubbing url: DatabaseURL) -> String? {
        process.waitUntilExit()
        let text = errors.text()
        if process.terminationReason == .exit, process.terminationStatus == 0 { return nil }
        let said = url.scrub(PostgresDatabase.tidy(text))
        let how = process.terminationReason == .exit ? "exit code \(process.terminationStatus)" : "signal \(process.terminationStatus)"
        return said.isEmpty ? "\(tool.name) failed (\(how))" : "\(tool.name) failed (\(how)): \(said)"
    }
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

import CLibraryLoader
import Foundation

/// Where the PostgreSQL server programs (initdb, pg_ctl) are looked for, in order: the folder
/// `pg_config --bindir` names (pg_config found on `path`), the places below, then `path`. The
/// defaults are this machine's; tests point every one of them elsewhere.
struct PostgresInstallSearch: Sendable {
    enum Place: Sendable, Equatable {
        /// A folder holding the programs.
        case folder(String)
        /// A folder of installations by major version, the highest first: `<root>/15/bin`
        /// (Debian, Ubuntu) or `<root>/postgresql@16/bin` (Homebrew's kegs).
        case versions(String)
    }

    /// A PATH-style list of folders (`:`-separated).
    var path: String
    var places: [Place]

    static var standard: PostgresInstallSearch {
        PostgresInstallSearch(path: ProcessInfo.processInfo.environment["PATH"] ?? "", places: [
            .versions("/usr/lib/postgresql"), .folder("/usr/local/pgsql/bin"), .folder("/opt/homebrew/bin"),
            .versions("/opt/homebrew/opt"), .folder("/usr/local/bin"), .versions("/usr/local/opt"),
        ])
    }

    /// The first folder holding both initdb and pg_ctl.
    func find() throws(ApplyError) -> String {
        var candidates: [String] = []
        if let pgConfig = Self.program("pg_config", in: path.split(separator: ":").map(String.init)),
           let bindir = Self.output(of: pgConfig, ["--bindir"]) {
            candidates.append(bindir)
        }
        for place in places {
            switch place {
            case .folder(let folder): candidates.append(folder)
            case .versions(let root): candidates += Self.versionFolders(root)
            }
        }
        candidates += path.split(separator: ":").map(String.init)
        for folder in candidates where !folder.isEmpty && Self.hasServerPrograms(folder) { return folder }
        throw ApplyError(.connection, "strata trace --temporary needs the PostgreSQL server programs initdb and pg_ctl, "
                         + "and found none (looked in pg_config --bindir, \(describedPlaces), and PATH); install the "
                         + "PostgreSQL server (Debian/Ubuntu: apt-get install postgresql-15; macOS: brew install "
                         + "postgresql@16) or trace on a scratch database of your own with --database URL")
    }

    private var describedPlaces: String {
        places.map {
            switch $0 {
            case .folder(let folder): folder
            case .versions(let root): root + (root.hasSuffix("/opt") ? "/postgresql@<N>/bin" : "/<N>/bin")
            }
        }.joined(separator: ", ")
    }

    static func hasServerPrograms(_ folder: String) -> Bool {
        ["initdb", "pg_ctl"].allSatisfy { FileManager.default.isExecutableFile(atPath: (folder as NSString).appendingPathComponent($0)) }
    }

    /// `<root>/<N>/bin` and `<root>/postgresql@<N>/bin`, the highest version first.
    static func versionFolders(_ root: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let versions: [(Double, String)] = names.compactMap { name in
            let number = name.hasPrefix("postgresql@") ? String(name.dropFirst("postgresql@".count)) : name
            return Double(number).map { ($0, "\(root)/\(name)/bin") }
        }
        return versions.sorted { $0.0 > $1.0 }.map(\.1)
    }

    static func program(_ name: String, in folders: [String]) -> String? {
        for folder in folders where !folder.isEmpty {
            let candidate = (folder as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// What a program printed on standard output (trimmed), when it ran and succeeded.
    static func output(of program: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// A PostgreSQL cluster of `strata trace`'s own: made with initdb in a temporary folder,
/// started with pg_ctl on a free port of 127.0.0.1, and stopped and removed by `stop`.
///
/// Who may connect: the Unix socket lives in the cluster's folder, which only its owner (and
/// root) can enter (mktemp's 0700), so it trusts them; over TCP, where any local user could
/// reach the port, the superuser logs in with a random password that only this process knows.
final class TemporaryCluster {
    /// The folder of initdb and pg_ctl.
    let binaries: String
    let folder: URL
    let port: Int
    /// The superuser: `postgres`, the name migrations written against a stock server expect
    /// (`OWNER TO postgres`, `GRANT ... TO postgres`).
    let user = "postgres"
    private let password: String
    private let account: ServerAccount
    private var data: String { folder.appendingPathComponent("data").path }
    private var serverLog: URL { folder.appendingPathComponent("server.log") }

    private init(binaries: String, folder: URL, port: Int, password: String, account: ServerAccount) {
        self.binaries = binaries
        self.folder = folder
        self.port = port
        self.password = password
        self.account = account
    }

    /// A URL of database `name` on this cluster (its password redacted wherever it is shown).
    func url(database name: String) throws(ApplyError) -> DatabaseURL {
        try DatabaseURL("postgresql://\(user):\(password)@127.0.0.1:\(port)/\(name)")
    }

    /// Makes and starts a cluster; nothing is left behind when a step fails.
    static func start(search: PostgresInstallSearch, progress: (String) -> Void) throws(ApplyError) -> TemporaryCluster {
        let binaries = try search.find()
        let account = try ServerAccount.current()
        let folder = try makeFolder(owner: account)
        let password = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var cluster = TemporaryCluster(binaries: binaries, folder: folder, port: 0, password: password, account: account)
        do {
            progress("initdb \(folder.appendingPathComponent("data").path) (\(binaries))")
            try cluster.initdb()
            // A port taken between choosing it and the server binding it: choose again.
            for attempt in 1...3 {
                cluster = TemporaryCluster(binaries: binaries, folder: folder, port: try freePort(),
                                           password: password, account: account)
                progress("starting PostgreSQL on 127.0.0.1:\(cluster.port)")
                do {
                    try cluster.startServer()
                    return cluster
                } catch where attempt < 3 && error.message.contains("already in use") {
                    continue
                }
            }
        } catch {
            _ = cluster.stop()
            throw error
        }
        _ = cluster.stop()
        throw ApplyError(.connection, "cannot start the temporary PostgreSQL cluster: no free port")
    }

    /// A 0700 folder of the server's account (mkdtemp).
    private static func makeFolder(owner account: ServerAccount) throws(ApplyError) -> URL {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("strata-trace-XXXXXX").path
        var template = Array(base.utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ApplyError(.connection, "cannot create a temporary folder for the PostgreSQL cluster: \(String(cString: strerror(errno)))")
        }
        let folder = URL(fileURLWithPath: String(cString: made), isDirectory: true)
        if let owner = account.owner, chown(folder.path, owner.uid, owner.gid) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: folder)
            throw ApplyError(.connection, "cannot hand \(folder.path) to the postgres user: \(reason)")
        }
        return folder
    }

    /// A port of 127.0.0.1 no one listens on: the one the system gives a socket bound to port 0.
    private static func freePort() throws(ApplyError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ApplyError(.connection, "cannot find a free port: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ApplyError(.connection, "cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func initdb() throws(ApplyError) {
        let passwordFile = folder.appendingPathComponent("pwfile")
        guard FileManager.default.createFile(atPath: passwordFile.path, contents: Data((password + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ApplyError(.connection, "cannot write \(passwordFile.path)")
        }
        if let owner = account.owner { _ = chown(passwordFile.path, owner.uid, owner.gid) }
        defer { try? FileManager.default.removeItem(at: passwordFile) }
        let log = folder.appendingPathComponent("initdb.log")
        // C collation with UTF-8: the one locale every system has (macOS has no C.UTF-8).
        let status = try run("initdb", ["-D", data, "-U", user, "--auth-local=trust", "--auth-host=scram-sha-256",
                                        "--pwfile=\(passwordFile.path)", "-E", "UTF8", "--locale=C", "--no-sync"], log: log)
        guard status == 0 else {
            throw ApplyError(.connection, "initdb failed (\(binaries)/initdb, exit code \(status)): \(Self.tail(of: log))")
        }
    }

    private func startServer() throws(ApplyError) {
        // pg_ctl hands -o to a shell: the socket folder goes in single quotes.
        let socketFolder = "'" + folder.path.replacingOccurrences(of: "'", with: "'\\''") + "'"
        let options = "-c listen_addresses=127.0.0.1 -p \(port) -k \(socketFolder) -c fsync=off "
            + "-c synchronous_commit=off -c full_page_writes=off"
        let log = folder.appendingPathComponent("pg_ctl.log")
        let status = try run("pg_ctl", ["-D", data, "-l", serverLog.path, "-w", "-t", "60", "-o", options, "start"], log: log)
        guard status == 0 else {
            let said = [Self.tail(of: serverLog), Self.tail(of: log)].filter { !$0.isEmpty }.joined(separator: "; ")
            throw ApplyError(.connection, "the temporary PostgreSQL server did not start (pg_ctl exit code \(status)): \(said)")
        }
    }

    private var stopped = false

    /// Stops the server at once (its data is thrown away) and removes the folder; notes for
    /// the user when either fails. A second call does nothing.
    func stop() -> [String] {
        guard !stopped else { return [] }
        stopped = true
        var notes: [String] = []
        if FileManager.default.fileExists(atPath: data + "/postmaster.pid") {
            let log = folder.appendingPathComponent("pg_ctl-stop.log")
            let status = (try? run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"], log: log)) ?? -1
            if status != 0, let pid = Self.postmasterPID(data), kill(pid, SIGKILL) != 0, errno != ESRCH {
                notes.append("could not stop the temporary PostgreSQL server (pid \(pid)) on port \(port): \(Self.tail(of: log))")
            }
        }
        do {
            try FileManager.default.removeItem(at: folder)
        } catch {
            notes.append("could not remove the temporary PostgreSQL cluster's folder \(folder.path): \(error.localizedDescription)")
        }
        return notes
    }

    private static func postmasterPID(_ data: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first, let pid = pid_t(first.trimmingCharacters(in: .whitespaces)), pid > 0
        else { return nil }
        return pid
    }

    /// Runs initdb or pg_ctl as the server's account, from `/` (the account may not enter the
    /// working directory), its output appended to `log`: the exit code.
    ///
    /// Not Foundation's Process: the server pg_ctl starts outlives it, and would inherit the
    /// descriptor Process watches to learn that its child ended (waitUntilExit never returns).
    /// `strata_spawn_tied_in` leaves the program nothing of Strata's but its standard streams.
    private func run(_ program: String, _ arguments: [String], log: URL) throws(ApplyError) -> Int32 {
        let command = account.prefix + [(binaries as NSString).appendingPathComponent(program)] + arguments
        let output = open(log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw ApplyError(.connection, "cannot write \(log.path): \(String(cString: strerror(errno)))") }
        defer { close(output) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let code = withCStringArray(command) { argv in
            withCStringArray(environment) { envp in strata_spawn_tied_in("/", command[0], argv, envp, null, output, output, &pid) }
        }
        guard code == 0 else {
            throw ApplyError(.connection, "cannot run \(binaries)/\(program): \(String(cString: strerror(code)))")
        }
        var status: Int32 = 0
        var reaped = waitpid(pid, &status, 0)
        while reaped < 0, errno == EINTR { reaped = waitpid(pid, &status, 0) }
        guard reaped == pid else { return -1 }
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// The last lines of a log, on one line, for an error message.
    static func tail(of log: URL, lines: Int = 8) -> String {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(lines).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " | ")
    }
}

/// Who runs initdb and the server. Both refuse to run as root: root runs them as the
/// `postgres` system user, through runuser or setpriv.
struct ServerAccount {
    /// What goes before the program's path on its command line (nothing: this process's user).
    var prefix: [String]
    /// The account that must own the cluster's folder, when it is not this process's.
    var owner: (uid: uid_t, gid: gid_t)?

    static func current() throws(ApplyError) -> ServerAccount {
        guard geteuid() == 0 else { return ServerAccount(prefix: [], owner: nil) }
        guard let entry = getpwnam("postgres") else {
            throw ApplyError(.connection, "PostgreSQL's initdb and server refuse to run as root, and there is no postgres "
                             + "system user to run them as; run strata as another user, create one (useradd --system "
                             + "postgres), or trace on a scratch database of your own with --database URL")
        }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        let folders = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        if let runuser = PostgresInstallSearch.program("runuser", in: folders) {
            return ServerAccount(prefix: [runuser, "-u", "postgres", "--"], owner: (uid, gid))
        }
        if let setpriv = PostgresInstallSearch.program("setpriv", in: folders) {
            return ServerAccount(prefix: [setpriv, "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups"], owner: (uid, gid))
        }
        throw ApplyError(.connection, "PostgreSQL's initdb and server refuse to run as root, and neither runuser nor "
                         + "setpriv was found to run them as the postgres user; run strata as another user, or trace "
                         + "on a scratch database of your own with --database URL")
    }
}

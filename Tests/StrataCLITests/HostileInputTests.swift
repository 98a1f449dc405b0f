import Foundation
import StrataApply
import Testing

/// What an adversarial run of the real binary found (issue 18, item 8): option values that
/// parse as numbers but are none (`nan`, `inf`, `1e19`), migrations folders holding FIFOs,
/// devices, link loops and names that are not UTF-8, and links named strata.yml. Each must end
/// in a usage error (64) or an error naming the file (2), never a crash, a hang, a migration
/// applied twice or a file created on the way. Runs that could hang have a deadline.
@Suite("hostile input: option values, files that are not files, link loops, odd names")
struct HostileInputTests {
    static let migration = Fixtures.migration(up: "CREATE TABLE a (id INT PRIMARY KEY);", down: "DROP TABLE a;")

    // MARK: - --lock-timeout and --wait

    /// Every command with database options, every value that is a Double but not a number of
    /// seconds the run can wait: exit 64 before anything is opened (no SQLite file left behind).
    @Test(arguments: [["status"], ["up"], ["backup", "create"], ["metrics"]])
    func secondsThatAreNotANumberOfSecondsAreUsageErrors(_ command: [String]) throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Self.migration)
        for option in ["--lock-timeout", "--wait"] {
            for value in ["nan", "inf", "-inf", "1e19", "604801", "-1", "-0.5"] {
                let outcome = try CLI.run(command + ["\(option)=\(value)", "--database", "sqlite:./data/app.db"], in: p.root)
                #expect(outcome.status == 64, "\(command) \(option)=\(value): \(outcome.stderr)")
                #expect(outcome.stderr.contains("\(option) must be a number of seconds from 0 to 604800 (a week)"),
                        "\(command) \(option)=\(value): \(outcome.stderr)")
                #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("data").path),
                        "\(command) \(option)=\(value) created the database")
            }
        }
    }

    /// The same values as separate arguments (`--wait inf`), the form a command line most often
    /// has: the same error.
    @Test func upRefusesTheSameValuesAsSeparateArguments() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Self.migration)
        for (option, value) in [("--lock-timeout", "nan"), ("--wait", "inf"), ("--lock-timeout", "1e19"), ("--wait", "1e400")] {
            let outcome = try p.run("up", option, value)
            #expect(outcome.status == 64, "\(option) \(value): \(outcome.stderr)")
            #expect(outcome.stderr.contains("\(option) must be a number of seconds from 0 to 604800"), "\(outcome.stderr)")
            #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("data/app.db").path))
        }
        // The bounds themselves are accepted.
        let edge = try p.run("up", "--lock-timeout", "604800", "--wait", "0")
        #expect(edge.status == 0, "\(edge.stderr)")
        #expect(edge.stdout.contains("applied 1 migration"), "\(edge.stdout)")
    }

    // MARK: - Files that are not regular files

    /// A FIFO named like a migration: opening it for reading used to wait for a writer for ever.
    @Test(arguments: [["lint", "--layout", "plain", "migrations"], ["status", "--layout", "plain"], ["up", "--layout", "plain"],
                      ["up", "--layout", "plain", "--single-transaction"]])
    func aFIFOInTheMigrationsFolderIsAnErrorNamingIt(_ args: [String]) throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", "CREATE TABLE a (id INT PRIMARY KEY);\n")
        try #require(mkfifo(p.root.appendingPathComponent("migrations/0002_f.sql").path, 0o644) == 0)
        let outcome = try Bounded.run(args + (args[0] == "lint" ? [] : ["--database", "sqlite:./data/app.db"]), in: p.root)
        #expect(outcome.status == 2, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stderr.contains("strata: error: migrations/0002_f.sql: is a FIFO (named pipe), not a regular file"), "\(outcome.stderr)")
        if args[0] == "up" {
            let db = p.root.appendingPathComponent("data/app.db").path
            let applied = FileManager.default.fileExists(atPath: db)
                ? try DatabaseConnector.connect(DatabaseURL("sqlite:" + db)).query("SELECT count(*) FROM sqlite_schema WHERE name = 'a'").first?.first?.integer
                : 0
            #expect(applied == 0, "nothing is kept when a file cannot be read")
        }
    }

    /// A migration that is, or links to, a device: `/dev/zero` used to be read until 35 GB
    /// could not be allocated. Devices and over-large files are errors naming the file.
    @Test func devicesAndOversizedFilesAreErrorsNamingThem() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", "CREATE TABLE a (id INT PRIMARY KEY);\n")
        let link = p.root.appendingPathComponent("migrations/0002_dev.sql").path
        for device in ["/dev/zero", "/dev/urandom"] {
            try? FileManager.default.removeItem(atPath: link)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: device)
            for args in [["lint", "--layout", "plain", "migrations"], ["up", "--layout", "plain", "--database", "sqlite:./data/app.db"]] {
                let outcome = try Bounded.run(args, in: p.root)
                #expect(outcome.status == 2, "\(device) \(args): \(outcome.stderr)")
                #expect(outcome.stderr.contains("migrations/0002_dev.sql: is a character device, not a regular file"), "\(outcome.stderr)")
            }
        }
        try FileManager.default.removeItem(atPath: link)
        #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("data/app.db").path))

        // One byte over the limit (a sparse file: no disk is used).
        let big = p.root.appendingPathComponent("migrations/0003_big.sql").path
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        #expect(truncate(big, off_t(64 << 20) + 1) == 0)
        let outcome = try Bounded.run(["lint", "--layout", "plain", "migrations"], in: p.root)
        #expect(outcome.status == 2)
        #expect(outcome.stderr == "strata: error: migrations/0003_big.sql: is larger than 64 MiB (67108865 bytes), the most strata reads from one file\n",
                "\(outcome.stderr)")
        // A file named alone on the command line is checked the same way.
        let alone = try Bounded.run(["lint", "migrations/0003_big.sql"], in: p.root)
        #expect(alone.status == 2 && alone.stderr.contains("is larger than 64 MiB"), "\(alone.stderr)")
    }

    /// Links to nothing and link loops named like migrations say which they are.
    @Test func brokenLinksNamedLikeMigrationsSayWhatTheyAre() throws {
        let p = try Project()
        let folder = p.root.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("0001_gone.sql").path, withDestinationPath: "nowhere.sql")
        let dangling = try Bounded.run(["lint", "--layout", "plain", "migrations"], in: p.root)
        #expect(dangling.status == 2)
        #expect(dangling.stderr.contains("migrations/0001_gone.sql: is a symbolic link to a file that does not exist (nowhere.sql)"), "\(dangling.stderr)")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("0001_gone.sql"))
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("0001_loop.sql").path, withDestinationPath: "0001_loop.sql")
        let loop = try Bounded.run(["lint", "--layout", "plain", "migrations"], in: p.root)
        #expect(loop.status == 2)
        #expect(loop.stderr.contains("migrations/0001_loop.sql: is a symbolic link that loops"), "\(loop.stderr)")
    }

    // MARK: - Folder links and migration ids

    /// `ln -s .. migrations/up`: the plain layout read the one migration 41 times (up/0001_a,
    /// up/up/0001_a, ...) and `up` applied it 41 times. Each folder is read once.
    @Test(arguments: Backend.all)
    func aFolderLinkLoopReadsEachMigrationOnce(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", "CREATE TABLE IF NOT EXISTS hits (n INT);\nINSERT INTO hits VALUES (1);\n")
        try FileManager.default.createSymbolicLink(atPath: p.project.root.appendingPathComponent("migrations/up").path, withDestinationPath: "..")
        let lint = try Bounded.run(["lint", "--layout", "plain", "migrations"], in: p.project.root)
        #expect(lint.stdout.hasSuffix("1 file linted: no problems\n"), "\(lint.stdout)\(lint.stderr)")
        let up = try Bounded.run(["up", "--layout", "plain", "--database", p.url], in: p.project.root)
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("applied 1 migration in"), "\(up.stdout)")
        #expect(try p.rows() == ["0001_a applied"])
        #expect(try p.column("SELECT count(*) FROM hits") == ["1"], "the migration ran exactly once")
        let status = try Bounded.run(["status", "--layout", "plain", "--database", p.url], in: p.project.root)
        #expect(status.status == 0 && status.stdout.contains("1 migration: 1 applied"), "\(status.stdout)\(status.stderr)")
    }

    /// A link to a folder that is also there under its own name: the folder is read once, under
    /// its own name (real folders first), whatever order the names are listed in.
    @Test func aLinkToAFolderAlreadyThereAddsNothing() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_a.sql", "CREATE TABLE a (id INT);\n")
        try p.write("migrations/sub/0002_b.sql", "CREATE TABLE b (id INT);\n")
        // "alias" sorts before "sub": the link is still not the name the folder is read under.
        try FileManager.default.createSymbolicLink(atPath: p.project.root.appendingPathComponent("migrations/alias").path, withDestinationPath: "sub")
        let up = try Bounded.run(["up", "--layout", "plain", "--database", p.url], in: p.project.root)
        #expect(up.status == 0, "\(up.stderr)")
        #expect(try p.rows() == ["0001_a applied", "sub/0002_b applied"])
    }

    /// Two files that are one migration id (diesel's one folder per database) cannot both be
    /// tracked: the database commands refuse, naming both; lint still reads both.
    @Test func twoPathsWithOneMigrationIdAreRefused() throws {
        let p = try Project()
        for database in ["postgresql", "sqlite"] {
            try p.write("migrations/\(database)/2020-01-01-000000_users/up.sql", "CREATE TABLE users (id INT);\n")
            try p.write("migrations/\(database)/2020-01-01-000000_users/down.sql", "DROP TABLE users;\n")
        }
        for command in ["up", "status"] {
            let outcome = try Bounded.run([command, "--layout", "diesel", "--database", "sqlite:./data/app.db"], in: p.root)
            #expect(outcome.status == 2, "\(outcome.stdout)\(outcome.stderr)")
            #expect(outcome.stderr.contains("migrations/sqlite/2020-01-01-000000_users/up.sql: is migration 2020-01-01-000000_users, as is migrations/postgresql/2020-01-01-000000_users/up.sql"),
                    "\(outcome.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("data/app.db").path))
        let lint = try Bounded.run(["lint", "--layout", "diesel", "migrations"], in: p.root)
        #expect(lint.stdout.hasSuffix("2 files linted: no problems\n"), "\(lint.stdout)\(lint.stderr)")
    }

    /// `0001_\xFF.sql` and `0001_\xFE.sql` both showed as `0001_\u{FFFD}`: lint counted one
    /// file, `up` applied one, `status` was clean. Lint reads both; the database commands refuse
    /// a name that is not UTF-8 (ids are stored as text), showing its bytes.
    @Test func namesThatDifferOnlyInBytesThatAreNotUTF8() throws {
        let p = try Project()
        let folder = p.root.appendingPathComponent("migrations").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (byte, table) in [(UInt8(0xFF), "a"), (UInt8(0xFE), "b")] {
            let path = Array(folder.utf8) + Array("/0001_".utf8) + [byte] + Array(".sql".utf8) + [0]
            let fd = path.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644) }
            try #require(fd >= 0)
            _ = Array("CREATE TABLE \(table) (id INT);\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        let lint = try Bounded.run(["lint", "--layout", "plain", "migrations"], in: p.root)
        #expect(lint.stdout.hasSuffix("2 files linted: no problems\n"), "\(lint.stdout)\(lint.stderr)")
        for command in ["up", "status"] {
            let outcome = try Bounded.run([command, "--layout", "plain", "--database", "sqlite:./data/app.db"], in: p.root)
            #expect(outcome.status == 2, "\(outcome.stdout)\(outcome.stderr)")
            #expect(outcome.stderr.contains("migrations/0001_\\xFE.sql: the file name is not valid UTF-8"), "\(outcome.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("data/app.db").path))
    }

    // MARK: - strata.yml

    /// A strata.yml that is a link to nothing, a link loop or a FIFO used to be passed over in
    /// silence (the defaults used) or to hang: an error naming it.
    @Test func aStrataYmlThatCannotBeReadIsAnError() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", "CREATE TABLE a (id INT);\n")
        let config = p.root.appendingPathComponent("strata.yml").path
        let cases: [(String, () throws -> Void)] = [
            ("is a symbolic link to a file that does not exist (elsewhere.yml)", {
                try FileManager.default.createSymbolicLink(atPath: config, withDestinationPath: "elsewhere.yml") }),
            ("is a symbolic link that loops", { try FileManager.default.createSymbolicLink(atPath: config, withDestinationPath: "strata.yml") }),
            ("is a FIFO (named pipe), not a regular file", { try #require(mkfifo(config, 0o644) == 0) }),
        ]
        for (message, make) in cases {
            try? FileManager.default.removeItem(atPath: config)
            try make()
            for args in [["lint"], ["status", "--database", "sqlite:./data/app.db"]] {
                let outcome = try Bounded.run(args, in: p.root)
                #expect(outcome.status == 2, "\(message) \(args): \(outcome.stdout)\(outcome.stderr)")
                #expect(outcome.stderr.contains("strata.yml: \(message)"), "\(outcome.stderr)")
            }
        }
    }

    // MARK: - metrics --output

    /// A FIFO, a character device (a copy of /dev/null's node), and a link to a file: written
    /// through, never replaced by a regular file. A folder or a link to nothing: refused.
    @Test func metricsOutputOnlyReplacesRegularFiles() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_a.sql", Self.migration)
        try #require(try p.run("up").status == 0)
        let root = p.project.root

        // A FIFO, read by another process.
        let fifo = root.appendingPathComponent("metrics.fifo").path
        try #require(mkfifo(fifo, 0o644) == 0)
        let copied = root.appendingPathComponent("from-fifo.txt").path
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "exec cat \"$1\" > \"$2\"", "sh", fifo, copied]
        try reader.run()
        let toFIFO = try Bounded.run(["metrics", "--output", fifo, "--database", p.url], in: root)
        #expect(toFIFO.status == 0, "\(toFIFO.stderr)")
        if !eventually(30, { !reader.isRunning }) {
            // Unblock (or end) the reader, whatever the path has become.
            kill(reader.processIdentifier, SIGKILL)
            Issue.record("the FIFO's reader never saw the end of the metrics")
        }
        reader.waitUntilExit()
        #expect(try String(contentsOfFile: copied, encoding: .utf8).contains("strata_migrations{database=\"\(try MonitoringFixture.redacted(p))\",state=\"applied\"} 1\n"))
        #expect(Self.kind(fifo) == S_IFIFO, "the FIFO is still a FIFO")

        // A character device: /dev/null's node made here (root may do so), else /dev/null
        // itself (which no one else can replace).
        let device = root.appendingPathComponent("null").path
        let null = mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0 ? device : "/dev/null"
        let toDevice = try Bounded.run(["metrics", "--output", null, "--database", p.url], in: root)
        #expect(toDevice.status == 0, "\(toDevice.stderr)")
        #expect(Self.kind(null) == S_IFCHR, "\(null) is still a character device")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix(".") }.isEmpty, "no temporary file left")

        // A link to a regular file stays a link; the file it points to is replaced.
        try p.write("real.prom", "stale\n")
        let link = root.appendingPathComponent("link.prom").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.prom")
        let throughLink = try Bounded.run(["metrics", "--output", "link.prom", "--database", p.url], in: root)
        #expect(throughLink.status == 0, "\(throughLink.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.prom")
        #expect(try p.project.read("real.prom").contains("strata_migrations{database=\"\(try MonitoringFixture.redacted(p))\",state=\"applied\"} 1\n"))

        // Refused: a folder, a link to nothing (left as it is).
        try FileManager.default.createDirectory(at: root.appendingPathComponent("folder.prom"), withIntermediateDirectories: true)
        let folder = try Bounded.run(["metrics", "--output", "folder.prom", "--database", p.url], in: root)
        #expect(folder.status == 2)
        #expect(folder.stderr.contains("cannot write the metrics file folder.prom (--output): it is a folder"), "\(folder.stderr)")
        let gone = root.appendingPathComponent("gone.prom").path
        try FileManager.default.createSymbolicLink(atPath: gone, withDestinationPath: "missing/x.prom")
        let dangling = try Bounded.run(["metrics", "--output", "gone.prom", "--database", p.url], in: root)
        #expect(dangling.status == 2)
        #expect(dangling.stderr.contains("cannot write the metrics file gone.prom (--output): it is a symbolic link that cannot be followed"), "\(dangling.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: gone) == "missing/x.prom")
    }

    static func kind(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }
}

/// `strata` runs with a deadline: one still running after it is killed and recorded as a
/// failure (a FIFO once made `lint` wait for ever), so a regression fails instead of hanging
/// the suite. The deadline is far above any run here; it measures nothing.
enum Bounded {
    static func run(_ args: [String], in directory: URL, seconds: Double = 120,
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Outcome {
        let running = try RunningCLI(args, in: directory)
        if !eventually(seconds, { !running.process.isRunning }) {
            running.kill9()
            Issue.record("strata \(args.joined(separator: " ")) still ran after \(Int(seconds)) s: killed", sourceLocation: sourceLocation)
        }
        return running.wait()
    }
}

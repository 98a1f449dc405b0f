import Foundation
@testable import StrataApply
import Testing

/// A database of its own on the test server, dropped afterwards.
private final class FreshDatabase {
    let name: String
    let url: String

    init() throws {
        name = "strata_tt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try TestPostgres.connect().execute("CREATE DATABASE \(name)")
        var components = try #require(URLComponents(string: try TestPostgres.requireURL()))
        components.path = "/" + name
        url = try #require(components.string)
    }

    deinit { try? TestPostgres.connect().execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    func connect() throws -> any Database { try DatabaseConnector.connect(DatabaseURL(url)) }

    /// Every object of the user's schemas, with its oid (a dropped and re-created object
    /// counts as another one), and every extension, schema and constraint.
    func catalog() throws -> [String] {
        let user = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
        let rows = try connect().query("""
            SELECT 'schema ' || n.nspname || ' ' || n.oid FROM pg_namespace n WHERE \(user)
            UNION ALL SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.oid
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE \(user)
            UNION ALL SELECT 'type ' || n.nspname || '.' || t.typname || ' ' || t.oid
              FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE \(user)
            UNION ALL SELECT 'routine ' || p.oid::regprocedure::text || ' ' || p.oid
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE \(user)
            UNION ALL SELECT 'constraint ' || n.nspname || '.' || o.conname || ' ' || o.oid
              FROM pg_constraint o JOIN pg_namespace n ON n.oid = o.connamespace WHERE \(user)
            UNION ALL SELECT 'extension ' || e.extname || ' ' || e.oid FROM pg_extension e
            ORDER BY 1
            """)
        return rows.compactMap { $0.first?.text }
    }
}

/// Whether this machine has initdb and pg_ctl (under CI the cluster tests run and fail
/// without them).
private let serverProgramsInstalled = (try? PostgresInstallSearch.standard.find()) != nil
    || ProcessInfo.processInfo.environment["CI"] != nil

@Suite("TraceTarget") struct TraceTargetTests {
    // MARK: --temporary

    @Test("--temporary starts a cluster of its own, and finish stops it and removes its folder",
          .enabled(if: serverProgramsInstalled))
    func temporaryCluster() throws {
        var steps: [String] = []
        let target = try TraceTarget.temporary { steps.append($0) }
        let cluster = try #require(target.cluster)
        #expect(target.description.hasPrefix("a temporary PostgreSQL \(target.database.serverVersion) cluster"))
        #expect(target.description.hasSuffix("(initdb from \(cluster.binaries))"))
        #expect(steps.contains { $0.contains("starting PostgreSQL on 127.0.0.1:\(cluster.port)") })

        let row = try #require(try target.database.query("SELECT current_database(), current_user, inet_server_port()").first)
        #expect(row == [.text("strata_trace"), .text("postgres"), .integer(Int64(cluster.port))])
        try target.database.execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)")
        #expect(try target.database.query("SELECT count(*) FROM t").first?.first == .integer(1))
        // The postgres database stays empty: the trace has a database of its own.
        let postgres = try DatabaseConnector.connect(cluster.url(database: "postgres"))
        #expect(try postgres.query("SELECT count(*) FROM pg_class WHERE relname = 't'").first?.first == .integer(0))

        // Over TCP, where any local user reaches the port, only the password lets one in.
        let stranger = try DatabaseURL("postgresql://postgres:wrong@127.0.0.1:\(cluster.port)/postgres")
        #expect(throws: ApplyError.self) { try DatabaseConnector.connect(stranger) }

        if geteuid() == 0 {
            // Run as root here: the server runs as the postgres user, who owns the folder.
            var info = stat()
            #expect(stat(cluster.folder.path, &info) == 0)
            #expect(info.st_uid == getpwnam("postgres")?.pointee.pw_uid)
        }
        #expect(try target.database.query("SELECT current_setting('data_directory')").first?.first
                 == .text(cluster.folder.appendingPathComponent("data").path))
        #expect(FileManager.default.fileExists(atPath: cluster.folder.path))

        #expect(target.finish().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cluster.folder.path))
        let error = try #require(throws: ApplyError.self) { try DatabaseConnector.connect(cluster.url(database: "postgres")) }
        #expect(error.kind == .connection)
        #expect(error.message.contains("refused"), "the port no longer answers: \(error.message)")
        #expect(target.finish().isEmpty, "a second finish does nothing")
    }

    @Test("without initdb and pg_ctl --temporary says what is missing and how to install it")
    func missingServerPrograms() throws {
        let empty = try TemporaryFolder()
        let search = PostgresInstallSearch(path: empty.url.path, places: [.folder(empty.url.path), .versions(empty.url.path)])
        let error = try #require(throws: ApplyError.self) { try TraceTarget.temporary(search: search, progress: { _ in }) }
        #expect(error.kind == .connection)
        #expect(error.exitStatus == .environment)
        #expect(error.message.contains("initdb and pg_ctl"))
        #expect(error.message.contains("apt-get install postgresql-15"))
        #expect(error.message.contains("brew install postgresql@16"))
        #expect(error.message.contains("--database URL"))
        #expect(error.message.contains(empty.url.path + "/<N>/bin"))
    }

    @Test("the highest installed version with both initdb and pg_ctl is used")
    func highestVersion() throws {
        let root = try TemporaryFolder()
        func install(_ version: String, _ programs: [String]) throws {
            let bin = root.url.appendingPathComponent(version).appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            for program in programs {
                let file = bin.appendingPathComponent(program).path
                #expect(FileManager.default.createFile(atPath: file, contents: Data("#!/bin/sh\n".utf8),
                                                       attributes: [.posixPermissions: 0o755]))
            }
        }
        try install("9.6", ["initdb", "pg_ctl"])
        try install("13", ["initdb", "pg_ctl"])
        try install("16", ["initdb"])   // a client-only or half-removed install
        let search = PostgresInstallSearch(path: "", places: [.versions(root.url.path)])
        #expect(try search.find() == root.url.path + "/13/bin")
    }

    @Test("a cluster that cannot be made or started says why, from its log, and leaves no folder",
          arguments: [("initdb", "initdb: boom from a broken install"), ("pg_ctl", "pg_ctl: could not start server, see log")])
    func failedStart(program: String, says: String) throws {
        let install = try TemporaryFolder()
        for name in ["initdb", "pg_ctl"] {
            let script = name == program ? "#!/bin/sh\necho \"\(says)\" >&2\nexit 1\n" : "#!/bin/sh\nexit 0\n"
            #expect(FileManager.default.createFile(atPath: install.path(name), contents: Data(script.utf8),
                                                   attributes: [.posixPermissions: 0o755]))
        }
        var steps: [String] = []
        let search = PostgresInstallSearch(path: "", places: [.folder(install.url.path)])
        let error = try #require(throws: ApplyError.self) { try TraceTarget.temporary(search: search) { steps.append($0) } }
        #expect(error.kind == .connection)
        #expect(error.message.contains(says), "\(error.message)")
        let data = try #require(steps.first?.split(separator: " ").dropFirst().first)
        #expect(data.hasSuffix("/data"))
        #expect(!FileManager.default.fileExists(atPath: String(data.dropLast("/data".count))), "the cluster's folder is removed")
    }

    // MARK: --database URL

    @Test("--database refuses a database that holds tables, naming up to five", .enabled(if: TestPostgres.runs))
    func refusesNonempty() throws {
        let fresh = try FreshDatabase()
        let db = try fresh.connect()
        for name in ["a", "b", "c", "d", "e", "f"] { try db.execute("CREATE TABLE \(name) (id int)") }
        try db.execute("CREATE VIEW v AS SELECT 1 AS one")
        let before = try fresh.catalog()
        let error = try #require(throws: ApplyError.self) {
            try TraceTarget.database(DatabaseURL(fresh.url), allowNonempty: false, keep: false)
        }
        #expect(error.kind == .refused)
        #expect(error.exitStatus == .refused)
        #expect(error.message.contains("holds 7 tables or views (public.a, public.b, public.c, public.d, public.e and 2 more)"))
        #expect(error.message.contains("--allow-nonempty"))
        let password = try #require(URLComponents(string: fresh.url)?.password)
        #expect(!error.message.contains(password))
        #expect(try fresh.catalog() == before)
    }

    @Test("--database refuses an SQLite URL")
    func refusesSQLite() throws {
        let folder = try TemporaryFolder()
        let error = try #require(throws: ApplyError.self) {
            try TraceTarget.database(DatabaseURL("sqlite:" + folder.path("app.db")), allowNonempty: true, keep: false)
        }
        #expect(error.message.hasPrefix("strata trace runs on PostgreSQL only; "))
        #expect(error.exitStatus == .environment)
        #expect(!FileManager.default.fileExists(atPath: folder.path("app.db")))
    }

    /// DDL of the kinds migrations create, objects depending on each other included.
    private static let migrationDDL = """
        CREATE SCHEMA s;
        CREATE TABLE s.t (id int PRIMARY KEY);
        CREATE TYPE mood AS ENUM ('happy', 'sad');
        CREATE DOMAIN positive AS int CHECK (VALUE > 0);
        CREATE EXTENSION citext;
        CREATE SEQUENCE counter;
        CREATE TABLE public.u (id serial PRIMARY KEY, m mood, name citext UNIQUE, n positive, t int REFERENCES s.t);
        CREATE TABLE public.w (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, u int REFERENCES u);
        ALTER TABLE public.u ADD COLUMN w int REFERENCES w;
        CREATE INDEX u_m ON public.u (m);
        CREATE FUNCTION happiest() RETURNS SETOF u LANGUAGE sql AS $$ SELECT * FROM u WHERE m = 'happy' $$;
        CREATE VIEW happy AS SELECT * FROM happiest();
        CREATE PROCEDURE reset_counter() LANGUAGE sql AS $$ SELECT setval('counter', 1) $$;
        CREATE TYPE pair AS (a int, b text);
        INSERT INTO s.t VALUES (1);
        """

    @Test("finish drops what the migrations created and leaves the database as it was", .enabled(if: TestPostgres.runs))
    func cleansEmptyDatabase() throws {
        let fresh = try FreshDatabase()
        let before = try fresh.catalog()
        let target = try TraceTarget.database(DatabaseURL(fresh.url), allowNonempty: false, keep: false)
        #expect(target.description == (try DatabaseURL(fresh.url)).redacted)
        try target.database.execute(Self.migrationDDL)
        #expect(try fresh.catalog().count > before.count + 15)
        #expect(target.finish() == [])
        #expect(try fresh.catalog() == before)
        #expect(target.finish() == [], "a second finish does nothing")
    }

    @Test("with --allow-nonempty finish keeps what was there, and says what it cannot undo", .enabled(if: TestPostgres.runs))
    func cleansNonemptyDatabase() throws {
        let fresh = try FreshDatabase()
        try fresh.connect().execute("""
            CREATE TABLE old (id int PRIMARY KEY, label text);
            CREATE FUNCTION old_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE TABLE doomed (id int)
            """)
        let before = try fresh.catalog()
        let target = try TraceTarget.database(DatabaseURL(fresh.url), allowNonempty: true, keep: false)
        try target.database.execute(Self.migrationDDL + """
            CREATE INDEX old_label ON old (label);
            CREATE TABLE child (id int, old int REFERENCES old);
            ALTER TABLE old ADD COLUMN extra int;
            DROP TABLE doomed;
            """)
        let notes = target.finish()
        #expect(notes.count == 2)
        #expect(notes.contains { $0.contains("dropped 1 object") && $0.contains("TABLE public.doomed") })
        #expect(notes.contains { $0.contains("cannot be undone") })
        let expected = before.filter { !$0.contains("doomed") }
        #expect(try fresh.catalog() == expected)
    }

    @Test("--keep leaves what the migrations created", .enabled(if: TestPostgres.runs))
    func keeps() throws {
        let fresh = try FreshDatabase()
        let target = try TraceTarget.database(DatabaseURL(fresh.url), allowNonempty: false, keep: true)
        try target.database.execute(Self.migrationDDL)
        let after = try fresh.catalog()
        let notes = target.finish()
        #expect(notes.count == 1)
        #expect(notes.first?.contains("kept what the migrations created") == true)
        #expect(try fresh.catalog() == after)
        #expect(after.contains { $0.hasPrefix("relation public.u r ") })
    }

    @Test("finish cleans while the trace's transaction still holds its locks", .enabled(if: TestPostgres.runs))
    func cleansDuringTransaction() throws {
        let fresh = try FreshDatabase()
        try fresh.connect().execute("CREATE TABLE old (id int PRIMARY KEY)")
        let before = try fresh.catalog()
        let target = try TraceTarget.database(DatabaseURL(fresh.url), allowNonempty: true, keep: false)
        try target.database.execute("CREATE TABLE child (id int, old int REFERENCES old)")
        // A migration stopped mid-transaction (an interrupted trace): its lock on `old` would
        // keep DROP TABLE child waiting.
        try target.database.execute("BEGIN; ALTER TABLE old ADD COLUMN x int; CREATE TABLE inside (id int)")
        let notes = target.finish()
        #expect(notes.count == 1, "only the allow-nonempty note: \(notes)")
        #expect(try fresh.catalog() == before)
        #expect(throws: ApplyError.self) { try target.database.query("SELECT 1") }
    }

    @Test("finish from another thread (a signal handler's) while a statement runs ends it and cleans",
          .enabled(if: TestPostgres.runs))
    func finishWhileStatementRuns() throws {
        let fresh = try FreshDatabase()
        let before = try fresh.catalog()
        let target = try TraceTarget.database(DatabaseURL(fresh.url), allowNonempty: false, keep: false)
        try target.database.execute("CREATE TABLE made (id int)")
        let running = RunningStatement(target.database)
        let thread = Thread { running.run("BEGIN; CREATE TABLE inside (id int); SELECT pg_sleep(600)") }
        thread.start()
        let watcher = try fresh.connect()
        while try watcher.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()")
                .first?.first != .integer(1) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(target.finish() == [])
        running.done.wait()
        #expect(running.error?.kind == .connection || running.error?.kind == .statement, "the statement was ended")
        #expect(try fresh.catalog() == before)
    }
}

/// A statement run on another thread, as the trace runs one while a signal comes.
private final class RunningStatement: @unchecked Sendable {
    // Unchecked: the connection is used by the one thread that runs the statement, and
    // `error` is read only after `done`.
    private let database: any Database
    let done = DispatchSemaphore(value: 0)
    var error: ApplyError?

    init(_ database: any Database) { self.database = database }

    func run(_ sql: String) {
        do { try database.execute(sql) } catch { self.error = error }
        done.signal()
    }
}

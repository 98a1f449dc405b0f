import Foundation
import Testing

/// What a PostgreSQL session carries between migrations: Strata's own settings, and the ones a
/// migration makes.
@Suite("strata up: the PostgreSQL session", .enabled(if: Backend.postgresRuns))
struct ApplySessionTests {
    /// The application name goes to the server as a connection parameter, never as SQL text:
    /// a user name that would end a string literal (with `standard_conforming_strings` off, a
    /// backslash escapes the quote) stays data.
    @Test func theApplicationNameIsAConnectionParameter() throws {
        let p = try ApplyProject(.postgres)
        try p.write("migrations/0001_canary.sql", Fixtures.migration(up: "CREATE TABLE canary (x INT);", down: "DROP TABLE canary;"))
        try p.write("migrations/0002_seen.sql", Fixtures.migration(
            up: "CREATE TABLE seen AS SELECT current_setting('application_name') AS app;", down: "DROP TABLE seen;"))
        let user = "x\\'; DROP TABLE canary; --"
        let url = p.url + "?options=-c%20standard_conforming_strings%3Doff"
        let up = try CLI.run(["up", "--database", url], in: p.project.root, environment: ["USER": user])
        #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
        #expect(try p.tableExists("canary"))
        let seen = try p.column("SELECT app FROM seen")
        #expect(seen.first?.hasPrefix("strata up \(user)@") == true, "\(seen)")
    }
}

extension ApplySessionTests {
    /// A migration's SET search_path (and role, timeouts, application name) stays in that
    /// migration: the tracking rows go to the schema Strata found when it connected, and the
    /// next migration starts from Strata's own session.
    @Test func aMigrationsSessionSettingsStayInIt() throws {
        let p = try ApplyProject(.postgres)
        let server = try p.connect()
        let role = "strata_r_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        try server.execute("CREATE ROLE \(role) NOLOGIN")
        defer { try? server.execute("DROP ROLE IF EXISTS \(role)") }
        try p.write("migrations/0001_app.sql", Fixtures.migration(
            up: "CREATE SCHEMA app;\nSET search_path = app;\nCREATE TABLE t (x int);", down: "DROP SCHEMA app CASCADE;", rollbackSafe: false))
        try p.write("migrations/0002_settings.sql", Fixtures.migration(
            up: "SET lock_timeout = '1234ms';\nSET statement_timeout = '5min';\nSET application_name = 'hijacked';\nSET ROLE \(role);"))
        try p.write("migrations/0003_nt.sql", "-- @transaction: false\n" + Fixtures.migration(
            up: "SET search_path = app;\nCREATE TABLE u (x int);", down: "DROP TABLE app.u;"))
        try p.write("migrations/0004_seen.sql", Fixtures.migration(up: """
            CREATE TABLE seen AS SELECT current_setting('search_path') AS search_path, current_setting('lock_timeout') AS lock_timeout,
              current_setting('statement_timeout') AS statement_timeout, current_setting('application_name') AS app, current_user::text AS who;
            """, down: "DROP TABLE seen;"))
        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
        #expect(try p.rows() == ["0001_app applied", "0002_settings applied", "0003_nt applied", "0004_seen applied"])
        #expect(try p.column("SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_name IN ('t', 'u', 'seen', '__migrations__') ORDER BY 1")
                == ["app.t", "app.u", "public.__migrations__", "public.seen"])
        let seen = try p.connect().query("SELECT search_path, lock_timeout, statement_timeout, app, who FROM seen").first?.map { $0.text ?? "?" }
        #expect(seen?.dropLast(2) == ["\"$user\", public", "0", "0"], "\(seen ?? [])")
        #expect(seen?[3].hasPrefix("strata up ") == true && seen?[4] == "postgres", "\(seen ?? [])")
        #expect(try p.run("status").status == 0)
        #expect(try p.run("up").stdout.hasSuffix("nothing to apply: the database is up to date\n"))
    }

    /// In one transaction the settings carry over from migration to migration (as in one
    /// `psql -1` run), but the tracking rows still go where Strata found its tables.
    @Test func inOneTransactionSettingsCarryOverAndTheRowsStayPut() throws {
        let p = try ApplyProject(.postgres)
        try p.write("migrations/0001_app.sql", Fixtures.migration(
            up: "CREATE SCHEMA app;\nSET search_path = app;\nCREATE TABLE t (x int);", down: "DROP SCHEMA app CASCADE;", rollbackSafe: false))
        try p.write("migrations/0002_v.sql", Fixtures.migration(up: "CREATE TABLE v (x int);", down: "DROP TABLE v;"))
        let up = try p.run("up", "--single-transaction")
        #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
        #expect(try p.rows() == ["0001_app applied", "0002_v applied"])
        #expect(try p.column("SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_name IN ('t', 'v', '__migrations__') ORDER BY 1")
                == ["app.t", "app.v", "public.__migrations__"])
        #expect(try p.run("status").status == 0)
    }
}

extension ApplySessionTests {
    /// A search_path naming no schema that exists leaves nowhere for the tracking tables: a
    /// clear error before anything runs.
    @Test func aSearchPathWithNoSchemaIsAClearError() throws {
        let p = try ApplyProject(.postgres)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        let url = p.url + "?options=-csearch_path%3Dnowhere"
        for command in ["status", "up"] {
            let outcome = try CLI.run([command, "--database", url], in: p.project.root)
            #expect(outcome.status == 2)
            #expect(outcome.stderr == "strata: error: no schema to keep the tracking tables in: search_path (nowhere) names none that exists; create one, or set search_path in the URL (options=-csearch_path=...)\n", "\(outcome.stderr)")
        }
        #expect(try p.column("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == ["0"])
    }
}

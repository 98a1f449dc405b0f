import Foundation
import StrataApply
import Testing

/// A sqitch project, written after sqitch's documentation, through every command: in plan
/// order, with a reworked change, a script's own BEGIN/COMMIT, verify scripts and the registry.
@Suite struct SqitchCommandTests {
    static func write(_ p: ApplyProject, brokenVerify: Bool = false) throws {
        let engine = p.backend == .sqlite ? "sqlite" : "pg"
        try p.write("strata.yml", "migrations: db\n")
        try p.write("db/sqitch.conf", "[core]\n\tengine = \(engine)\n")
        try p.write("db/sqitch.plan", """
            %syntax-version=1.0.0
            %project=widgets

            users 2024-01-02T10:00:00Z Ann Planner <ann@example.com> # Users table.
            accounts [users] 2024-01-03T10:00:00Z Ann Planner <ann@example.com> # Accounts.
            @v1.0 2024-01-04T10:00:00Z Ann Planner <ann@example.com> # Release 1.0.
            names [users] 2024-01-05T10:00:00Z Ann Planner <ann@example.com> # A view.
            @v1.1 2024-01-06T10:00:00Z Ann Planner <ann@example.com> # Release 1.1.
            names [names@v1.1 accounts other:thing] 2024-01-07T10:00:00Z Ann Planner <ann@example.com> # Reworked view.

            """)
        // Named so that name order is not plan order (accounts < names < users).
        try p.write("db/deploy/users.sql", "-- Deploy widgets:users\n\nBEGIN;\n\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\nCOMMIT;\n")
        try p.write("db/revert/users.sql", "BEGIN;\nDROP TABLE users;\nCOMMIT;\n")
        try p.write("db/verify/users.sql", "BEGIN;\nSELECT id, name FROM users WHERE 1 = 0;\nROLLBACK;\n")
        try p.write("db/deploy/accounts.sql", "BEGIN;\nCREATE TABLE accounts (id INTEGER PRIMARY KEY, user_id INTEGER);\nCOMMIT;\n")
        try p.write("db/revert/accounts.sql", "BEGIN;\nDROP TABLE accounts;\nCOMMIT;\n")
        try p.write("db/verify/accounts.sql", "BEGIN;\n\nSELECT id, user_id\(brokenVerify ? ", missing" : "") FROM accounts WHERE 1 = 0;\nROLLBACK;\n")
        try p.write("db/deploy/names@v1.1.sql", "BEGIN;\nCREATE VIEW user_names AS SELECT name FROM users;\nCOMMIT;\n")
        try p.write("db/revert/names@v1.1.sql", "BEGIN;\nDROP VIEW user_names;\nCOMMIT;\n")
        try p.write("db/deploy/names.sql", "BEGIN;\nDROP VIEW user_names;\nCREATE VIEW user_names AS SELECT name, id FROM users;\nCOMMIT;\n")
        try p.write("db/revert/names.sql", "BEGIN;\nDROP VIEW user_names;\nCREATE VIEW user_names AS SELECT name FROM users;\nCOMMIT;\n")
        try p.write("db/verify/names.sql", "BEGIN;\nSELECT name, id FROM user_names WHERE 1 = 0;\nROLLBACK;\n")
        // Not in the plan: sqitch never runs it.
        try p.write("db/deploy/scratch.sql", "DROP TABLE users;\n")
    }

    @Test(arguments: Backend.all)
    func changesApplyAndRollBackInPlanOrder(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try Self.write(p)
        let lint = try p.project.run("lint", "--verbose", "db")
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(lint.stderr.contains("layout sqitch (detected: db/sqitch.plan)"), "\(lint.stderr)")
        #expect(!lint.stdout.contains("transaction-balance"), "\(lint.stdout)")
        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        let order = ["[1/4] users", "[2/4] accounts", "[3/4] names@v1.1", "[4/4] names"].map { up.stdout.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(), "\(up.stdout)")
        #expect(!up.stdout.contains("outside a transaction"), "\(up.stdout)")
        #expect(try p.column("SELECT id FROM user_names") == [])
        let rollback = try p.run("rollback", "--yes")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(rollback.stdout.contains("names ... rolled back"), "\(rollback.stdout)")
        // The older view is back, as the revert script of the rework restores it.
        #expect(throws: (any Error).self) { try p.column("SELECT id FROM user_names") }
        #expect(try p.column("SELECT name FROM user_names") == [])
        let status = try p.run("status")
        #expect(status.stdout.contains("4 migrations: 3 applied, 1 pending"), "\(status.stdout)")
    }

    @Test(arguments: Backend.all)
    func verifyRunsEachVerifyScriptAfterUp(_ backend: Backend) throws {
        let good = try ApplyProject(backend)
        try Self.write(good)
        let passed = try good.run("verify", "--all")
        #expect(passed.status == 0, "\(passed.stdout)\(passed.stderr)")
        let p = try ApplyProject(backend)
        try Self.write(p, brokenVerify: true)
        let failed = try p.run("verify", "--all")
        #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stdout.contains("db/verify/accounts.sql:3:"), "\(failed.stdout)")
        #expect(failed.stdout.contains("[verify-fails]"), "\(failed.stdout)")
        #expect(failed.stdout.contains("3 passed, 1 failed"), "\(failed.stdout)")
    }

    /// sqitch's registry `changes` table, as sqitch creates it (PostgreSQL: schema `sqitch`;
    /// SQLite: a registry file beside the database).
    static func createRegistry(_ p: ApplyProject, deployed: [(change: String, project: String)]) throws {
        let columns = """
            change_id TEXT PRIMARY KEY, script_hash TEXT, change TEXT NOT NULL, project TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
            committed_at TIMESTAMP NOT NULL, committer_name TEXT NOT NULL, committer_email TEXT NOT NULL,
            planned_at TIMESTAMP NOT NULL, planner_name TEXT NOT NULL, planner_email TEXT NOT NULL
            """
        let db: any Database
        switch p.backend {
        case .postgres:
            db = try p.connect()
            try db.execute("CREATE SCHEMA sqitch")
            try db.execute("CREATE TABLE sqitch.changes (\(columns))")
        case .sqlite:
            try FileManager.default.createDirectory(atPath: (p.sqlitePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            db = try DatabaseConnector.connect(DatabaseURL("sqlite:" + (p.sqlitePath as NSString).deletingLastPathComponent + "/sqitch.db"))
            try db.execute("CREATE TABLE changes (\(columns))")
        }
        let table = p.backend == .postgres ? "sqitch.changes" : "changes"
        for (index, row) in deployed.enumerated() {
            try db.execute("""
                INSERT INTO \(table) VALUES ('id\(index)', 'h', '\(row.change)', '\(row.project)', '', '2024-02-0\(index + 1) 10:00:00',
                'Ann', 'ann@example.com', '2024-01-01 10:00:00', 'Ann', 'ann@example.com')
                """)
        }
    }

    @Test(arguments: Backend.all)
    func baselineReadsTheRegistry(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try Self.write(p)
        if backend == .sqlite {
            // The database exists before the registry is looked for.
            try FileManager.default.createDirectory(atPath: (p.sqlitePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try p.connect().execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            let missing = try p.run("baseline", "--from", "sqitch")
            #expect(missing.status == 1, "\(missing.stdout)\(missing.stderr)")
            #expect(missing.stderr.contains("no sqitch registry at"), "\(missing.stderr)")
        }
        // users and the first names were deployed; another project's change is not ours.
        try Self.createRegistry(p, deployed: [("users", "widgets"), ("accounts", "widgets"), ("names", "widgets"), ("users", "other")])
        let baseline = try p.run("baseline", "--from", "sqitch")
        #expect(baseline.status == 0, "\(baseline.stdout)\(baseline.stderr)")
        let status = try p.run("status")
        #expect(status.stdout.contains("4 migrations: 3 applied, 1 pending"), "\(status.stdout)")
        #expect(status.stdout.contains("names@v1.1") && status.stdout.split(separator: "\n").contains { $0.hasPrefix("names ") && $0.contains("pending") },
                "\(status.stdout)")
    }

    @Test func newAddsTheScriptsAndThePlanLine() throws {
        let p = try ApplyProject(.sqlite)
        try Self.write(p)
        let new = try p.project.run("new", "add widgets", environment: ["USER": "ann", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"])
        #expect(new.status == 0, "\(new.stdout)\(new.stderr)")
        for folder in ["deploy", "revert", "verify"] {
            #expect(FileManager.default.fileExists(atPath: p.project.root.appendingPathComponent("db/\(folder)/add_widgets.sql").path))
        }
        let plan = try p.project.read("db/sqitch.plan")
        let line = try #require(plan.split(separator: "\n").last)
        #expect(line.hasPrefix("add_widgets 20") && line.contains(" ann <ann@") && line.hasSuffix("# add widgets"), "\(plan)")
        let again = try p.project.run("new", "add widgets")
        #expect(again.status == 1 && again.stderr.contains("is in the plan already"), "\(again.stderr)")
        let status = try p.run("status")
        #expect(status.stdout.contains("add_widgets") && status.stdout.contains("5 migrations"), "\(status.stdout)")
    }

    @Test func convertNumbersThePlansChanges() throws {
        let p = try ApplyProject(.sqlite)
        try Self.write(p)
        let convert = try p.project.run("convert", "--to", "strata")
        #expect(convert.status == 0, "\(convert.stdout)\(convert.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: p.project.root.appendingPathComponent("db").path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(names == ["0001_users.sql", "0002_accounts.sql", "0003_names_v1.1.sql", "0004_names.sql"])
        let last = try p.project.read("db/0004_names.sql")
        #expect(last.contains("-- @dependencies: [\"0003_names_v1.1\"]"), "\(last)")
        #expect(!last.contains("BEGIN;") && !last.contains("COMMIT;"), "\(last)")
        // Once the plan is gone, the folder is Strata's, and it applies.
        try p.remove("db/sqitch.plan")
        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
    }

    /// sqitch's own SQLite tutorial project (MIT), kept in RealProjects/sqitch-sqlite-intro.
    @Test func theSQLiteTutorialProject() throws {
        let p = try ApplyProject(.sqlite)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("RealProjects/sqitch-sqlite-intro")
        try FileManager.default.copyItem(at: source, to: p.project.root.appendingPathComponent("flipr"))
        try p.write("strata.yml", "migrations: flipr\n")
        let lint = try p.project.run("lint", "flipr")
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(!lint.stdout.contains("error"), "\(lint.stdout)")
        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("applied 5 migrations"), "\(up.stdout)")
        let verify = try p.run("verify", "--all")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("5 passed, 0 failed"), "\(verify.stdout)")
        let rollback = try p.run("rollback", "--steps", "5", "--yes")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(try !p.tableExists("users") && !p.tableExists("flips"))
    }
}

import Foundation
import Testing

/// diesel's `metadata.toml` (`run_in_transaction = false`) and Flyway's script configuration
/// file (`V2__x.sql.conf`, `executeInTransaction=false`) beside a migration decide, for lint,
/// `check`, `up` and `rollback` alike, whether it runs in a transaction: what Strata's own hints
/// tell diesel and Flyway users to write takes effect.
@Suite("diesel's metadata.toml and Flyway's .sql.conf")
struct TransactionSettingsFileTests {
    /// A layout's files: a migration that makes `orders`, then one that adds a CHECK NOT VALID
    /// and validates it in the same file (`validate-same-tx` on PostgreSQL).
    struct Layout: CustomStringConvertible, Sendable {
        var name: String
        var first: (up: String, down: String)
        var second: (up: String, down: String)
        /// The settings file of the second migration and the line that runs it outside a transaction.
        var settings: String
        var noTransaction: String

        var description: String { name }

        static let diesel = Layout(name: "diesel",
                                   first: ("migrations/2024-01-01-000000_orders/up.sql", "migrations/2024-01-01-000000_orders/down.sql"),
                                   second: ("migrations/2024-01-02-000000_check/up.sql", "migrations/2024-01-02-000000_check/down.sql"),
                                   settings: "migrations/2024-01-02-000000_check/metadata.toml", noTransaction: "run_in_transaction = false")
        static let flyway = Layout(name: "flyway",
                                   first: ("migrations/V1__orders.sql", "migrations/U1__orders.sql"),
                                   second: ("migrations/V2__check.sql", "migrations/U2__check.sql"),
                                   settings: "migrations/V2__check.sql.conf", noTransaction: "executeInTransaction=false")
        static let all = [diesel, flyway]

        var secondID: String { name == "diesel" ? "2024-01-02-000000_check" : "V2__check" }
    }

    static let orders = "CREATE TABLE orders (id BIGINT PRIMARY KEY, total BIGINT NOT NULL);\n"
    static let check = """
        SET lock_timeout = '5s';
        ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;
        ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;

        """

    static func write(_ layout: Layout, into write: (String, String) throws -> Void, seed: String = "") throws {
        try write(layout.first.up, orders + seed)
        try write(layout.first.down, "DROP TABLE orders;\n")
        try write(layout.second.up, check)
        try write(layout.second.down, "ALTER TABLE orders DROP CONSTRAINT orders_total_check;\n")
    }

    /// The findings of `strata lint` on PostgreSQL, as (rule, file, help).
    static func lint(_ project: Project, _ layout: Layout, _ paths: String...) throws -> [(rule: String, file: String, help: String)] {
        let outcome = try CLI.run(["lint", "--dialect", "postgresql", "--layout", layout.name, "--format", "json"] + paths, in: project.root)
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        let diagnostics = try JSON.object(outcome.stdout)["diagnostics"] as? [[String: Any]] ?? []
        return diagnostics.map { ($0["rule"] as? String ?? "", $0["file"] as? String ?? "", $0["help"] as? String ?? "") }
    }

    @Test("the hint, followed literally, makes validate-same-tx go away", arguments: Layout.all)
    func hintFollowedLiterally(_ layout: Layout) throws {
        let project = try Project()
        try Self.write(layout, into: project.write)
        let before = try Self.lint(project, layout).filter { $0.rule == "validate-same-tx" }
        #expect(before.count == 1 && before.first?.file == layout.second.up, "\(before)")
        let help = try #require(before.first?.help)
        // `put `LINE` in NAME beside ...`, or for diesel `in a metadata.toml beside its up.sql`.
        let pattern = try NSRegularExpression(pattern: "put `([^`]+)` in (?:a )?(\\S+) beside")
        let match = try #require(pattern.firstMatch(in: help, range: NSRange(help.startIndex..., in: help)), "\(help)")
        let line = String(help[Range(match.range(at: 1), in: help)!])
        let name = String(help[Range(match.range(at: 2), in: help)!])
        let folder = (layout.second.up as NSString).deletingLastPathComponent
        let path = folder + "/" + name
        #expect(path == layout.settings && line == layout.noTransaction, "\(help)")
        try project.write(path, line + "\n")
        #expect(try Self.lint(project, layout).filter { $0.rule == "validate-same-tx" }.isEmpty)
    }

    @Test("without the setting the finding stays: no file, a file that says true, a Flyway file without the key",
          arguments: Layout.all)
    func findingStaysWithoutTheSetting(_ layout: Layout) throws {
        let project = try Project()
        try Self.write(layout, into: project.write)
        let validate = { try Self.lint(project, layout).filter { $0.rule == "validate-same-tx" }.count }
        #expect(try validate() == 1)
        try project.write(layout.settings, layout.noTransaction.replacingOccurrences(of: "false", with: "true") + "\n")
        #expect(try validate() == 1)
        // The settings file named (a pre-commit hook's staged file) stands for its migration.
        let named = try Self.lint(project, layout, layout.settings)
        #expect(named.contains { $0.rule == "validate-same-tx" && $0.file == layout.second.up }, "\(named)")
        #expect(named.allSatisfy { $0.file == layout.second.up }, "\(named)")
        if layout.name == "flyway" {
            // Another key only: Flyway's default (in a transaction) holds.
            try project.write(layout.settings, "# the script's own settings\nencoding=UTF-8\n")
            #expect(try validate() == 1)
        } else {
            // diesel reads a metadata.toml without the key as run_in_transaction = false (its
            // field's default), and runs the migration outside a transaction: so does Strata.
            try project.write(layout.settings, "# nothing but a comment\n")
            #expect(try validate() == 0)
        }
        // Blanks, CRLF and comments (Flyway's properties have no comment after a value).
        let trailing = layout.name == "diesel" ? "   # outside: validate scans under a weaker lock" : "   "
        try project.write(layout.settings, "# why\r\n  \(layout.noTransaction)\(trailing)\r\n")
        #expect(try validate() == 0)
    }

    @Test("a settings file its tool cannot read stops lint, up and check with its file, line and column",
          arguments: Layout.all)
    func malformedSettingsFile(_ layout: Layout) throws {
        let repo = try GitFixture()
        try Self.write(layout, into: repo.write)
        let key = layout.name == "diesel" ? "run_in_transaction" : "executeInTransaction"
        let bad = layout.name == "diesel" ? "# why\n\(key) = \"false\"\n" : "# why\n\(key)=no\n"
        try repo.write(layout.settings, bad)
        let expected = "strata: error: \(layout.settings):2:22: `\(key)` must be true or false"
        let lint = try repo.strata("lint", "--dialect", "postgresql", "--layout", layout.name)
        #expect(lint.status == 2 && lint.stderr.hasPrefix(expected), "\(lint.stderr)")
        let up = try repo.strata("up", "--layout", layout.name, "--database", "sqlite:app.db")
        #expect(up.status == 2 && up.stderr.hasPrefix(expected), "\(up.stderr)")
        #expect(!FileManager.default.fileExists(atPath: repo.root.appendingPathComponent("app.db").path), "nothing applied, nothing opened")
        try repo.commitAll("migrations")
        for args in [["check"], ["check", "--rev", "HEAD"], ["check", "--staged"]] {
            let check = try GitFixture.runStrata(args + ["--dialect", "postgresql", "--layout", layout.name], in: repo.root)
            #expect(check.status == 2 && check.stderr.contains(expected.dropFirst("strata: error: ".count)), "\(args): \(check.stderr)")
        }
    }

    /// On the working tree, the index and a commit, `check` decides as `lint` does.
    @Test("check reads the settings file from the working tree, the index and a commit", arguments: Layout.all)
    func checkAgreesWithLint(_ layout: Layout) throws {
        let repo = try GitFixture()
        try repo.write(layout.first.up, Self.orders)
        try repo.write(layout.first.down, "DROP TABLE orders;\n")
        try repo.commitAll("orders")
        try repo.checkout("feature", create: true)
        try repo.write(layout.second.up, Self.check)
        try repo.write(layout.second.down, "ALTER TABLE orders DROP CONSTRAINT orders_total_check;\n")
        func rules(_ args: String...) throws -> [String] {
            let json = try GitFixture.runStrata(args + ["--dialect", "postgresql", "--layout", layout.name, "--format", "json"], in: repo.root)
            #expect(json.status == 0, "\(args): \(json.stdout)\(json.stderr)")
            return try Finding.decode(json.stdout).map(\.rule)
        }
        #expect(try rules("check").contains("validate-same-tx"))
        #expect(try rules("lint").contains("validate-same-tx"))
        try repo.write(layout.settings, layout.noTransaction + "\n")
        #expect(try !rules("check").contains("validate-same-tx"))
        #expect(try !rules("lint").contains("validate-same-tx"))
        // Staged without the settings file, then with it.
        try repo.add(layout.second.up, layout.second.down)
        #expect(try rules("check", "--staged").contains("validate-same-tx"))
        try repo.add(layout.settings)
        #expect(try !rules("check", "--staged").contains("validate-same-tx"))
        try repo.commit("check")
        #expect(try !rules("check", "--rev", "HEAD").contains("validate-same-tx"))
        #expect(try rules("check", "--rev", "HEAD").isEmpty)
        // A named file is read with its folder, settings file included.
        #expect(try !rules("lint", layout.second.up).contains("validate-same-tx"))
        #expect(try !rules("check", layout.second.up).contains("validate-same-tx"))
    }

    /// A settings file added beside an applied migration: its checksum (the SQL's bytes) is
    /// the same, so the database's records do not see an edit; `check` reports the change of
    /// behaviour, as it does for a changed `@transaction`.
    @Test("adding a settings file keeps the checksum; check reports it on an applied migration", arguments: Layout.all)
    func appliedMigrationGainsASettingsFile(_ layout: Layout) throws {
        let repo = try GitFixture()
        try repo.write(layout.first.up, "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n")
        try repo.write(layout.first.down, "DROP TABLE orders;\n")
        try repo.commitAll("applied")
        let url = "sqlite:" + repo.root.appendingPathComponent("app.db").path
        let up = try repo.strata("up", "--layout", layout.name, "--database", url)
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        try repo.checkout("feature", create: true)
        let settings = layout.name == "diesel" ? "migrations/2024-01-01-000000_orders/metadata.toml" : "migrations/V1__orders.sql.conf"
        try repo.write(settings, layout.noTransaction + "\n")

        let status = try repo.strata("status", "--layout", layout.name, "--database", url)
        #expect(status.status == 0 && status.stdout.hasSuffix("1 migration: 1 applied\n"), "\(status.stdout)\(status.stderr)")
        let summary = try JSON.object(try repo.strata("status", "--json", "--layout", layout.name, "--database", url).stdout)["summary"] as? [String: Any]
        #expect(summary?["changed"] as? Int == 0 && summary?["applied"] as? Int == 1, "\(summary ?? [:])")
        let again = try repo.strata("up", "--layout", layout.name, "--database", url)
        #expect(again.status == 0 && again.stdout.contains("nothing to apply"), "\(again.stdout)\(again.stderr)")

        let since = try repo.mergeBase("HEAD", "main")
        let check = try repo.checkJSON("--layout", layout.name)
        let declaration = layout.name == "diesel" ? "run_in_transaction = false in metadata.toml" : "executeInTransaction=false in V1__orders.sql.conf"
        #expect(check.status == 1, "\(check.diagnostics) \(check.stderr)")
        let finding = Finding(layout.first.up, 1, 1, "error", "edited-applied-migration",
                              "applied migration edited: the settings file beside it changed whether it runs in a transaction, from no setting to `\(declaration)`, since it was applied (on main since \(since))")
        #expect(check.diagnostics == [finding])
        // Named alone, as a pre-commit hook passes a staged file.
        #expect(try repo.checkJSON("--layout", layout.name, settings).diagnostics == [finding])
        // A comment in it changes nothing: the same setting, nothing reported.
        try repo.write(settings, "# added later\n" + layout.noTransaction + "\n")
        try repo.commitAll("settings")
        try repo.checkout("main")
        try repo.git("merge", "-q", "--ff-only", "feature")
        try repo.checkout("feature2", create: true)
        try repo.write(settings, "# said again\n\n" + layout.noTransaction + "  \n")
        #expect(try repo.checkJSON("--layout", layout.name).diagnostics.isEmpty)
    }

    /// The index needs CONCURRENTLY, which PostgreSQL refuses in a transaction; the progress
    /// line and the event log say it ran outside one, because of the file.
    @Test(.enabled(if: Backend.postgresRuns)) func dieselConcurrentIndexRunsOutsideATransaction() throws {
        let db = try ApplyProject(.postgres)
        try db.write("migrations/2024-01-01-000000_users/up.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);\n")
        try db.write("migrations/2024-01-01-000000_users/down.sql", "DROP TABLE users;\n")
        try db.write("migrations/2024-01-02-000000_email/up.sql", "CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n")
        try db.write("migrations/2024-01-02-000000_email/down.sql", "DROP INDEX CONCURRENTLY idx_users_email;\n")
        try db.write("migrations/2024-01-02-000000_email/metadata.toml", "run_in_transaction = false\n")
        let dry = try db.run("up", "--layout", "diesel", "--dry-run")
        #expect(dry.stdout.contains("-- 2024-01-02-000000_email (migrations/2024-01-02-000000_email/up.sql, statement by statement (run_in_transaction = false in metadata.toml))"),
                "\(dry.stdout)\(dry.stderr)")
        let up = try db.run("up", "--layout", "diesel", "--log-json", "events.jsonl")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("2024-01-02-000000_email ... ok") && up.stdout.contains("(outside a transaction: run_in_transaction = false in metadata.toml)"),
                "\(up.stdout)")
        let started = try JSON.lines(try db.project.read("events.jsonl")).filter { $0["event"] as? String == "migration_started" }
        #expect(started.map { "\($0["migration_id"] ?? "") \($0["transaction"] as? Bool ?? true)" }
                == ["2024-01-01-000000_users true", "2024-01-02-000000_email false"])
        #expect(try db.connect().query("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_users_email'").first?.first == .integer(1))
        // diesel's file serves DOWN too: DROP INDEX CONCURRENTLY runs outside a transaction.
        let rollback = try db.run("rollback", "--yes", "--layout", "diesel")
        #expect(rollback.status == 0 && rollback.stdout.contains("(outside a transaction: run_in_transaction = false in metadata.toml)"),
                "\(rollback.stdout)\(rollback.stderr)")
    }

    /// With the file, `up` runs the two ALTERs one by one: when VALIDATE fails (a row breaks
    /// the check), the NOT VALID constraint added before it stays, as it would under diesel or
    /// Flyway; without the file they run in one transaction and nothing stays.
    @Test(.enabled(if: Backend.postgresRuns), arguments: Layout.all)
    func upRunsTheFileStatementByStatement(_ layout: Layout) throws {
        let constraint = "SELECT count(*) FROM pg_constraint WHERE conname = 'orders_total_check'"
        for withSettings in [true, false] {
            let db = try ApplyProject(.postgres)
            try Self.write(layout, into: db.write, seed: "INSERT INTO orders (id, total) VALUES (1, -5);\n")
            if withSettings { try db.write(layout.settings, layout.noTransaction + "\n") }
            let up = try db.run("up", "--layout", layout.name, "--log-json", "events.jsonl")
            #expect(up.status == 2, "\(up.stdout)\(up.stderr)")
            #expect(up.stderr.contains("orders_total_check"), "\(up.stderr)")
            let started = try JSON.lines(try db.project.read("events.jsonl")).filter { $0["event"] as? String == "migration_started" }
            #expect(started.last?["migration_id"] as? String == layout.secondID)
            #expect(started.last?["transaction"] as? Bool == !withSettings, "\(started)")
            #expect(try db.connect().query(constraint).first?.first == .integer(withSettings ? 1 : 0), "settings file: \(withSettings)")
        }
        // Data that passes: applied outside a transaction, then rolled back the same way.
        let db = try ApplyProject(.postgres)
        try Self.write(layout, into: db.write)
        try db.write(layout.settings, layout.noTransaction + "\n")
        let up = try db.run("up", "--layout", layout.name)
        #expect(up.status == 0 && up.stdout.contains("\(layout.secondID) ... ok") && up.stdout.contains("outside a transaction"), "\(up.stdout)\(up.stderr)")
        #expect(try db.rows().sorted() == ["2024-01-01-000000_orders applied", "2024-01-02-000000_check applied"].map {
            layout.name == "diesel" ? $0 : $0.replacingOccurrences(of: "2024-01-01-000000_orders", with: "V1__orders").replacingOccurrences(of: "2024-01-02-000000_check", with: "V2__check")
        }.sorted())
    }

    /// SQLite: `PRAGMA foreign_keys` does nothing inside a transaction; with the settings file
    /// the finding goes and `up` runs the file statement by statement. A Flyway undo script
    /// has a configuration file of its own: it decides for `rollback`, not the V script's.
    @Test("SQLite: the settings file runs the file outside a transaction; a Flyway undo script's own decides for rollback")
    func sqliteStatementByStatement() throws {
        let db = try ApplyProject(.sqlite)
        let rebuild = """
            PRAGMA foreign_keys = OFF;
            CREATE TABLE notes_new (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
            INSERT INTO notes_new (id, body) SELECT id, body FROM notes;
            DROP TABLE notes;
            ALTER TABLE notes_new RENAME TO notes;
            PRAGMA foreign_keys = ON;

            """
        try db.write("migrations/V1__notes.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n")
        try db.write("migrations/U1__notes.sql", "DROP TABLE notes;\n")
        try db.write("migrations/V2__rebuild.sql", rebuild)
        try db.write("migrations/U2__rebuild.sql", "SELECT 1;\n")
        func pragmaFindings() throws -> Int {
            let lint = try db.project.run("lint", "--dialect", "sqlite", "--layout", "flyway", "--format", "json")
            let diagnostics = try JSON.object(lint.stdout)["diagnostics"] as? [[String: Any]] ?? []
            return diagnostics.filter { $0["rule"] as? String == "sqlite-fk-pragma-in-tx" }.count
        }
        #expect(try pragmaFindings() > 0)
        try db.write("migrations/V2__rebuild.sql.conf", "executeInTransaction=false\n")
        #expect(try pragmaFindings() == 0)
        // The streamed reader of `up --single-transaction` reads it too: one transaction cannot hold it.
        let single = try db.run("up", "--single-transaction", "--layout", "flyway")
        #expect(single.status != 0 && single.stderr.contains("V2__rebuild cannot run in a transaction (executeInTransaction=false in V2__rebuild.sql.conf): --single-transaction refused"),
                "\(single.stdout)\(single.stderr)")
        #expect(try db.rows().isEmpty)
        let up = try db.run("up", "--layout", "flyway", "--log-json", "up.jsonl")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        let started = try JSON.lines(try db.project.read("up.jsonl")).filter { $0["event"] as? String == "migration_started" }
        #expect(started.map { $0["transaction"] as? Bool } == [true, false])
        #expect(up.stdout.contains("(outside a transaction: executeInTransaction=false in V2__rebuild.sql.conf)"), "\(up.stdout)")

        // The V script's file does not reach its undo script: U2 runs in a transaction...
        var rollback = try db.run("rollback", "--yes", "--layout", "flyway", "--log-json", "rollback.jsonl")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        var events = try JSON.lines(try db.project.read("rollback.jsonl")).filter { $0["event"] as? String == "rollback_started" }
        #expect(events.map { $0["transaction"] as? Bool } == [true])
        // ...until the undo script has its own.
        #expect(try db.run("up", "--layout", "flyway").status == 0)
        try db.write("migrations/U2__rebuild.sql.conf", "executeInTransaction=false\n")
        rollback = try db.run("rollback", "--yes", "--layout", "flyway", "--log-json", "rollback2.jsonl")
        #expect(rollback.status == 0 && rollback.stdout.contains("executeInTransaction=false in U2__rebuild.sql.conf"), "\(rollback.stdout)\(rollback.stderr)")
        events = try JSON.lines(try db.project.read("rollback2.jsonl")).filter { $0["event"] as? String == "rollback_started" }
        #expect(events.map { $0["transaction"] as? Bool } == [false])
    }
}

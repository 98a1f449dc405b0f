import Foundation
import StrataApply
import Testing

/// Other tools' layouts through the CLI: detection, the applier, baselining from their real
/// tracking tables (created as those tools create them), and conversion.
@Suite("Other tools' layouts: commands")
struct LayoutCommandTests {
    @Test func autoDetectionIsReportedAndMixedFoldersRefused() throws {
        let project = try Project()
        try project.write("migrations/1_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n")
        try project.write("migrations/1_users.down.sql", "DROP TABLE users;\n")
        let lint = try project.run("lint", "--verbose")
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(lint.stderr.contains("strata: layout golang-migrate (detected: migrations/1_users."), "\(lint.stderr)")
        try project.write("migrations/2_posts.sql", "-- +goose Up\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n")
        try project.write("migrations/3_tags.sql", "-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n")
        let mixed = try project.run("lint", "migrations/2_posts.sql", "migrations/3_tags.sql")
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("cannot tell the layout") && mixed.stderr.contains("dbmate") && mixed.stderr.contains("goose"), "\(mixed.stderr)")
        let named = try project.run("lint", "--layout", "goose", "migrations/2_posts.sql")
        #expect(named.stdout.contains("missing-down"), "\(named.stdout)")
    }

    @Test func historyOfPairedFilesPointsAtTheFileEdited() throws {
        let repo = try GitFixture()
        try repo.write("migrations/1_users.up.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY);\n")
        try repo.write("migrations/1_users.down.sql", "DROP TABLE users;\n")
        try repo.commitAll("applied")
        try repo.checkout("feature", create: true)
        try repo.write("migrations/2_posts.up.sql", "CREATE TABLE posts (id BIGINT PRIMARY KEY);\n")
        try repo.write("migrations/2_posts.down.sql", "DROP TABLE posts;\n")
        let clean = try repo.checkJSON()
        #expect(clean.status == 0, "\(clean.diagnostics)\(clean.stderr)")
        // The applied migration's DOWN file edited on the branch: the finding is in that file.
        try repo.write("migrations/1_users.down.sql", "-- keep the data\nDROP TABLE IF EXISTS users;\n")
        let since = try repo.mergeBase("HEAD", "main")
        let edited = try repo.checkJSON()
        #expect(edited.status == 1)
        #expect(edited.diagnostics == [Finding("migrations/1_users.down.sql", 2, 12, "error", "edited-applied-migration",
                                               "applied migration edited: its SQL changed on line 2 since it was applied (on main since \(since))")])
        // Deleting the applied pair is reported under the UP file's path.
        try repo.remove("migrations/1_users.up.sql")
        try repo.remove("migrations/1_users.down.sql")
        let deleted = try repo.checkJSON()
        #expect(deleted.diagnostics.map(\.rule) == ["deleted-applied-migration"], "\(deleted.diagnostics)")
        #expect(deleted.diagnostics.first?.file == "migrations/1_users.up.sql")
    }

    @Test func newWritesTheFoldersOwnFormat() throws {
        func created(_ outcome: CLI.Outcome) -> [String] {
            outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("created ") }.map { String($0.dropFirst("created ".count)) }
        }
        let goose = try Project()
        try goose.write("migrations/00007_users.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n")
        let gooseNew = try goose.run("new", "add tags")
        #expect(created(gooseNew) == ["migrations/00008_add_tags.sql"], "\(gooseNew.stdout)\(gooseNew.stderr)")
        #expect(try goose.read("migrations/00008_add_tags.sql") == "-- +goose Up\n\n-- +goose Down\n")

        let dbmate = try Project()
        try dbmate.write("migrations/20240101000000_users.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n")
        let dbmateNew = created(try dbmate.run("new", "add tags"))
        #expect(dbmateNew.count == 1 && dbmateNew[0].hasSuffix("_add_tags.sql"))
        let version = String(dbmateNew[0].dropFirst("migrations/".count).prefix { $0.isNumber })
        #expect(version.count == 14 && version > "20240101000000", "\(dbmateNew)")
        #expect(try dbmate.run("lint", "--verbose").stderr.contains("layout dbmate"), "the folder stays one layout")

        let migrate = try Project()
        try migrate.write("migrations/3_users.up.sql", "SELECT 1;\n")
        #expect(created(try migrate.run("new", "add tags")) == ["migrations/4_add_tags.up.sql", "migrations/4_add_tags.down.sql"])

        let flyway = try Project()
        try flyway.write("migrations/V2_5__users.sql", "SELECT 1;\n")
        #expect(created(try flyway.run("new", "Add tags")) == ["migrations/V3__add_tags.sql", "migrations/U3__add_tags.sql"])

        let diesel = try Project()
        try diesel.write("migrations/2024-01-01-000000_users/up.sql", "SELECT 1;\n")
        let dieselNew = created(try diesel.run("new", "add tags"))
        #expect(dieselNew.count == 2 && dieselNew.allSatisfy { $0.contains("_add_tags/") } && dieselNew[0].hasSuffix("/up.sql"), "\(dieselNew)")

        let plain = try Project()
        try plain.write("migrations/deltas/1/a.sql", "SELECT 1;\n")
        let refused = try plain.run("new", "x")
        #expect(refused.status == 2 && refused.stderr.contains("plain"), "\(refused.stderr)")
    }

    @Test func optimizeWritesTheFoldersOwnFormat() throws {
        let db = try ApplyProject(.sqlite)
        try db.write("migrations/1_init.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));\n")
        try db.write("migrations/1_init.down.sql", "DROP TABLE posts;\nDROP TABLE users;\n")
        #expect(try db.run("up").status == 0)
        let write = try db.run("optimize", "--write-migration")
        #expect(write.status == 0, "\(write.stdout)\(write.stderr)")
        let up = try db.project.read("migrations/2_optimize_indexes_and_statistics.up.sql")
        #expect(up.contains("CREATE INDEX idx_posts_user_id ON posts (user_id);"))
        #expect(try db.project.read("migrations/2_optimize_indexes_and_statistics.down.sql").contains("DROP INDEX IF EXISTS idx_posts_user_id;"))
        let lint = try db.project.run("lint")
        #expect(lint.status == 0, "\(lint.stdout)")
        let apply = try db.run("up")
        #expect(apply.status == 0 && apply.stdout.contains("2_optimize_indexes_and_statistics"), "\(apply.stdout)\(apply.stderr)")
        let rollback = try db.run("rollback", "--yes")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
    }

    @Test(arguments: Backend.all) func pairedFilesApplyAndRollBack(_ backend: Backend) throws {
        let db = try ApplyProject(backend)
        try db.write("migrations/1_users.up.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT);\n")
        try db.write("migrations/1_users.down.sql", "DROP TABLE users;\n")
        try db.write("migrations/2_idx.up.sql", "CREATE INDEX idx_users_name ON users (name);\n")
        try db.write("migrations/2_idx.down.sql", "DROP INDEX idx_users_name;\n")
        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(try db.tableExists("users"))
        let verify = try db.run("verify", "--all")
        #expect(verify.status == 0 && verify.stdout.contains("2 passed"), "\(verify.stdout)\(verify.stderr)")
        let rollback = try db.run("rollback", "--steps", "2", "--yes")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(try !db.tableExists("users"))
        let status = try db.run("status", "--json")
        #expect(status.stdout.contains("\"pending\" : 2"), "\(status.stdout)")
    }

    @Test func flywayAppliesInVersionOrder() throws {
        // 1.10 indexes a column that 1.9 adds: run in text order (1.10 first) it would fail.
        let db = try ApplyProject(.sqlite)
        try db.write("migrations/V1_1__users.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n")
        try db.write("migrations/V1_9__name.sql", "ALTER TABLE users ADD COLUMN name TEXT;\n")
        try db.write("migrations/V1_10__index.sql", "CREATE INDEX idx_users_name ON users (name);\n")
        try db.write("migrations/U1_10__index.sql", "DROP INDEX idx_users_name;\n")
        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        let order = up.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.map { String($0.split(separator: " ")[1]) }
        #expect(order == ["V1_1__users", "V1_9__name", "V1_10__index"])
        let rollback = try db.run("rollback", "--yes")
        #expect(rollback.status == 0 && rollback.stdout.contains("V1_10__index"), "\(rollback.stdout)\(rollback.stderr)")
    }

    @Test(.enabled(if: Backend.postgresRuns)) func gooseNoTransactionRunsConcurrentIndexes() throws {
        let db = try ApplyProject(.postgres)
        try db.write("migrations/00001_users.sql", "-- +goose Up\nCREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);\n-- +goose Down\nDROP TABLE users;\n")
        try db.write("migrations/00002_email.sql", """
            -- +goose NO TRANSACTION
            -- +goose Up
            CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
            -- +goose Down
            DROP INDEX CONCURRENTLY idx_users_email;
            """)
        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        let rows = try db.connect().query("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_users_email'")
        #expect(rows.first?.first == .integer(1))
    }
}

/// `strata baseline`: the other tool's table created and filled as that tool does it.
@Suite("strata baseline")
struct BaselineCommandTests {
    static func writeDbmate(_ db: ApplyProject) throws {
        for (version, table) in [("20240101000000", "users"), ("20240102000000", "posts"), ("20240103000000", "tags")] {
            try db.write("migrations/\(version)_\(table).sql", "-- migrate:up\nCREATE TABLE \(table) (id BIGINT PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE \(table);\n")
        }
    }

    @Test(arguments: Backend.all) func dbmateTableIsTakenOver(_ backend: Backend) throws {
        let db = try ApplyProject(backend)
        try Self.writeDbmate(db)
        // What dbmate has done: the first two migrations, and its table as it creates it.
        let connection = try db.connect()
        try connection.execute(backend == .sqlite
            ? "create table if not exists schema_migrations (version varchar(128) primary key)"
            : "CREATE TABLE IF NOT EXISTS public.schema_migrations (version character varying(128) NOT NULL PRIMARY KEY)")
        try connection.execute("CREATE TABLE users (id BIGINT PRIMARY KEY); CREATE TABLE posts (id BIGINT PRIMARY KEY)")
        try connection.execute("INSERT INTO schema_migrations (version) VALUES ('20240101000000'), ('20240102000000')")

        let dry = try db.run("baseline", "--from", "dbmate", "--dry-run")
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("adopt   20240101000000_users") && dry.stdout.contains("pending 20240103000000_tags"), "\(dry.stdout)")
        #expect(try !db.tableExists("__migrations__"), "a dry run writes nothing")

        let baseline = try db.run("baseline", "--from", "dbmate")
        #expect(baseline.status == 0, "\(baseline.stdout)\(baseline.stderr)")
        #expect(baseline.stdout.contains("recorded 2 migrations as applied"))
        // Nothing ran again: had `up` run the adopted files, CREATE TABLE users would fail.
        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("20240103000000_tags") && !up.stdout.contains("20240101000000_users"), "\(up.stdout)")
        let status = try db.run("status", "--json")
        #expect(status.status == 0 && status.stdout.contains("\"applied\" : 3"), "\(status.stdout)")
        // History shows the adopted migrations as applies, by the baseline.
        let history = try JSON.object(try db.run("history", "--json").stdout)["events"] as? [[String: Any]] ?? []
        #expect(history.map { "\($0["event"] ?? "") \($0["migration_id"] ?? "")" }
                == ["applied 20240101000000_users", "applied 20240102000000_posts", "applied 20240103000000_tags"])
        #expect(history.prefix(2).allSatisfy { ($0["who"] as? String)?.hasSuffix("(baseline from dbmate)") == true }, "\(history)")
        let again = try db.run("baseline", "--from", "dbmate")
        #expect(again.status == 0 && again.stdout.contains("recorded 0 migrations"), "\(again.stdout)")
    }

    @Test(arguments: Backend.all) func gooseTableIsTakenOverLatestRowWinning(_ backend: Backend) throws {
        let db = try ApplyProject(backend)
        for (version, table) in [("00001", "users"), ("00002", "posts"), ("00003", "tags")] {
            try db.write("migrations/\(version)_\(table).sql", "-- +goose Up\nCREATE TABLE \(table) (id BIGINT PRIMARY KEY);\n-- +goose Down\nDROP TABLE \(table);\n")
        }
        let connection = try db.connect()
        try connection.execute(backend == .sqlite ? """
            CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))
            """ : """
            CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))
            """)
        let (yes, no) = backend == .sqlite ? ("1", "0") : ("true", "false")
        // goose's own first row (version 0), then 1 and 2 up, 2 down again (older goose writes
        // a row with is_applied false for a down), then 3 up: applied now are 1 and 3.
        try connection.execute("""
            INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, \(yes)), (1, \(yes)), (2, \(yes)), (2, \(no)), (3, \(yes))
            """)
        try connection.execute("CREATE TABLE users (id BIGINT PRIMARY KEY); CREATE TABLE tags (id BIGINT PRIMARY KEY)")
        let baseline = try db.run("baseline", "--from", "goose")
        #expect(baseline.status == 0, "\(baseline.stdout)\(baseline.stderr)")
        #expect(baseline.stdout.contains("adopt   00001_users") && baseline.stdout.contains("adopt   00003_tags")
                && baseline.stdout.contains("pending 00002_posts"), "\(baseline.stdout)")
        let up = try db.run("up")
        #expect(up.status == 0 && up.stdout.contains("applied 1 migration"), "\(up.stdout)\(up.stderr)")
    }

    @Test(arguments: Backend.all) func dirtyOrFailedStatesAreRefused(_ backend: Backend) throws {
        let db = try ApplyProject(backend)
        try db.write("migrations/1_users.up.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY);\n")
        let connection = try db.connect()
        try connection.execute("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)")
        try connection.execute("INSERT INTO schema_migrations (version, dirty) VALUES (1, \(backend == .sqlite ? "1" : "true"))")
        let dirty = try db.run("baseline", "--from", "golang-migrate")
        #expect(dirty.status == 1)
        #expect(dirty.stderr.contains("dirty at version 1"), "\(dirty.stderr)")
        #expect(try !db.tableExists("__migrations__"))

        let flyway = try ApplyProject(backend)
        try flyway.write("migrations/V1__users.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY);\n")
        try flyway.write("migrations/V2__posts.sql", "CREATE TABLE posts (id BIGINT PRIMARY KEY);\n")
        let history = try flyway.connect()
        try history.execute("""
            CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time INT NOT NULL, success BOOLEAN NOT NULL)
            """)
        let (yes, no) = backend == .sqlite ? ("1", "0") : ("true", "false")
        try history.execute("""
            INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
            VALUES (1, '1', 'users', 'SQL', 'V1__users.sql', 1, 'ci', 12, \(yes)), (2, '2', 'posts', 'SQL', 'V2__posts.sql', 2, 'ci', 3, \(no))
            """)
        let failed = try flyway.run("baseline", "--from", "flyway")
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("version 2") && failed.stderr.contains("failed"), "\(failed.stderr)")

        let missing = try ApplyProject(backend)
        try missing.write("migrations/1_users.up.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY);\n")
        let none = try missing.run("baseline", "--from", "goose", "--layout", "golang-migrate")
        #expect(none.status == 1 && none.stderr.contains("no goose_db_version table"), "\(none.stderr)")
    }

    @Test func versionsWithoutFilesAreRefusedUnlessAllowed() throws {
        let db = try ApplyProject(.sqlite)
        try Self.writeDbmate(db)
        let connection = try db.connect()
        try connection.execute("create table if not exists schema_migrations (version varchar(128) primary key)")
        try connection.execute("INSERT INTO schema_migrations (version) VALUES ('20240101000000'), ('20230101000000')")
        let refused = try db.run("baseline", "--from", "dbmate")
        #expect(refused.status == 1 && refused.stderr.contains("20230101000000"), "\(refused.stderr)")
        let allowed = try db.run("baseline", "--from", "dbmate", "--allow-missing-files")
        #expect(allowed.status == 0 && allowed.stdout.contains("recorded 1 migration"), "\(allowed.stdout)\(allowed.stderr)")
    }
}

/// `strata convert --to strata`.
@Suite("strata convert")
struct ConvertCommandTests {
    static let metadataRules: Set<String> = ["missing-metadata", "invalid-metadata", "unknown-dependency", "dependency-cycle", "section-markers", "missing-down"]

    @Test(arguments: ["dbmate", "goose", "golang-migrate", "diesel", "flyway"])
    func convertedFolderLintsCleanOfMetadataFindingsAndAppliesIdentically(_ layout: String) throws {
        let original = try ApplyProject(.sqlite)
        let converted = try ApplyProject(.sqlite)
        let steps: [(String, String, String)] = [
            ("users", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);", "DROP TABLE users;"),
            ("posts", "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));\nCREATE INDEX idx_posts_user ON posts (user_id);",
             "DROP INDEX idx_posts_user;\nDROP TABLE posts;"),
            ("trigger", "CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN\n  UPDATE users SET name = name WHERE id = new.user_id;\nEND;", "DROP TRIGGER posts_ai;"),
        ]
        for project in [original, converted] {
            for (n, (name, up, down)) in steps.enumerated() {
                let version = String(format: "2024010%d000000", n + 1)
                switch layout {
                case "dbmate": try project.write("migrations/\(version)_\(name).sql", "-- migrate:up\n\(up)\n\n-- migrate:down\n\(down)\n")
                case "goose":
                    try project.write("migrations/0000\(n + 1)_\(name).sql",
                                      "-- +goose Up\n-- +goose StatementBegin\n\(up)\n-- +goose StatementEnd\n-- +goose Down\n\(down)\n")
                case "golang-migrate":
                    try project.write("migrations/\(version)_\(name).up.sql", up + "\n")
                    try project.write("migrations/\(version)_\(name).down.sql", down + "\n")
                case "diesel":
                    try project.write("migrations/2024-01-0\(n + 1)-000000_\(name)/up.sql", up + "\n")
                    try project.write("migrations/2024-01-0\(n + 1)-000000_\(name)/down.sql", down + "\n")
                default:
                    try project.write("migrations/V1_\(n + 8)__\(name).sql", up + "\n")   // 1.8, 1.9, 1.10
                    try project.write("migrations/U1_\(n + 8)__\(name).sql", down + "\n")
                }
            }
        }
        let convert = try converted.project.run("convert", "--to", "strata")
        #expect(convert.status == 0, "\(convert.stdout)\(convert.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: converted.project.root.appendingPathComponent("migrations").path)
        #expect(files.count == 3 && files.allSatisfy { $0.hasSuffix(".sql") && !$0.hasSuffix(".up.sql") }, "\(files)")
        let lint = try converted.project.run("lint", "--layout", "strata", "--format", "json")
        let findings = try Finding.decode(lint.stdout)
        #expect(findings.filter { Self.metadataRules.contains($0.rule) }.isEmpty, "\(findings)")

        for project in [original, converted] {
            let up = try project.run("up")
            #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        }
        let schema = "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE '\\_\\_%' ESCAPE '\\' ORDER BY name"
        #expect(try original.connect().query(schema) == converted.connect().query(schema))
        let rollback = try converted.run("rollback", "--steps", "3", "--yes", "--force")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(try !converted.tableExists("users"))
    }

    @Test func dryRunWritesNothing() throws {
        let project = try Project()
        try project.write("migrations/1_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n")
        let dry = try project.run("convert", "--to", "strata", "--dry-run")
        #expect(dry.status == 0 && dry.stdout.contains("-- @rollbackSafe: false"), "\(dry.stdout)\(dry.stderr)")
        #expect(FileManager.default.fileExists(atPath: project.root.appendingPathComponent("migrations/1_users.up.sql").path))
        #expect(!FileManager.default.fileExists(atPath: project.root.appendingPathComponent("migrations/1_users.sql").path))
    }
}

import Foundation
import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// A folder of migration files on disk, removed when the test ends.
final class LayoutFolder {
    let root: String

    init(_ files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-layout-\(UUID().uuidString)").path
        for (path, text) in files {
            let url = URL(fileURLWithPath: root).appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func discover(_ layout: LayoutKind) throws -> [DiscoveredFile] { try FileDiscovery.discover([root], layout: layout.layout) }

    func parse(_ layout: LayoutKind, dialect: Dialect = .postgresql) throws -> [MigrationFile] {
        try discover(layout).map { layout.layout.parse(try FileDiscovery.input($0), dialect: dialect, depth: .full) }
    }

    func lint(_ layout: LayoutKind, dialect: Dialect = .postgresql) throws -> [Diagnostic] {
        try Linter(rules: AllRules.instances(), settings: [:], dialect: dialect, layout: layout).lint(paths: [root]).diagnostics
    }

    func path(_ relative: String) -> String { root + "/" + relative }
}

@Suite("Other tools' layouts")
struct LayoutsTests {
    func texts(_ section: MigrationSection?, _ file: MigrationFile) -> [String] {
        (section?.statements ?? []).map { file.source!.text($0.range.byteRange) }
    }

    @Test func dbmateReadsMarkersAndTheTransactionOption() throws {
        let folder = try LayoutFolder([
            "20240101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id BIGINT PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE users;\n",
            "20240102000000_index.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY idx_users_id ON users (id);\n-- migrate:down\nDROP INDEX CONCURRENTLY idx_users_id;\n",
        ])
        let files = try folder.parse(.dbmate)
        #expect(files.map(\.id) == ["20240101000000_users", "20240102000000_index"])
        #expect(texts(files[0].up, files[0]) == ["CREATE TABLE users (id BIGINT PRIMARY KEY)"])
        #expect(texts(files[0].down, files[0]) == ["DROP TABLE users"])
        #expect(files[0].transactionDeclared == nil)
        #expect(files[1].transactionDeclared == false)
        #expect(files[1].nonTransactionalReason != nil)
    }

    @Test func dbmateFileWithoutUpMarkerIsReported() throws {
        let folder = try LayoutFolder(["001_a.sql": "CREATE TABLE a (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE a;\n"])
        let found = try folder.lint(.dbmate)
        let marker = try #require(found.first { $0.rule == "section-markers" })
        #expect(marker.message.contains("-- migrate:up"), "\(marker.message)")
        #expect(found.count { $0.rule == "section-markers" } == 1, "the missing marker is the one finding: \(found)")
    }

    @Test func gooseKeepsStatementBlocksWhole() throws {
        let folder = try LayoutFolder([
            "00001_fn.sql": """
                -- +goose Up
                CREATE TABLE t (id INT PRIMARY KEY);
                -- +goose StatementBegin
                CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN
                  UPDATE t SET id = id WHERE id = new.id;
                  DELETE FROM t WHERE id < 0;
                END;
                -- +goose StatementEnd

                -- +goose Down
                DROP TABLE t;
                """,
            "00002_concurrent.sql": "-- +goose NO TRANSACTION\n-- +goose up\nCREATE INDEX CONCURRENTLY idx ON t (id);\n-- +goose down\nDROP INDEX idx;\n",
        ])
        let files = try folder.parse(.goose, dialect: .sqlite)
        #expect(files.count == 2)
        let up = texts(files[0].up, files[0])
        #expect(up.count == 2)
        #expect(up[1].hasPrefix("CREATE TRIGGER") && up[1].hasSuffix("END"))
        #expect(texts(files[0].down, files[0]) == ["DROP TABLE t"])
        #expect(files[1].transactionDeclared == false)
        #expect(texts(files[1].up, files[1]) == ["CREATE INDEX CONCURRENTLY idx ON t (id)"])
    }

    /// A block's statements are read one by one, as any others (dollar quotes and BEGIN ATOMIC
    /// bodies kept whole), and the section keeps the block as one piece for the applier.
    @Test func gooseBlocksAreReadStatementByStatementAndKeptAsOneUnit() throws {
        let folder = try LayoutFolder([
            "00001_block.sql": """
                -- +goose Up
                CREATE TABLE a (id INT);
                -- +goose StatementBegin
                ALTER TABLE a ADD COLUMN p int;
                ALTER TABLE b ADD COLUMN q int NOT NULL;
                CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;
                CREATE FUNCTION g() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;
                -- +goose StatementEnd
                DROP TABLE z;
                -- +goose StatementBegin
                SELECT 1;
                -- +goose StatementEnd
                -- +goose Down
                -- +goose StatementBegin
                DROP FUNCTION g; DROP FUNCTION f;
                -- +goose StatementEnd
                DROP TABLE a;
                """,
        ])
        let file = try #require(try folder.parse(.goose).first)
        let up = try #require(file.up)
        #expect(texts(up, file) == [
            "CREATE TABLE a (id INT)", "ALTER TABLE a ADD COLUMN p int", "ALTER TABLE b ADD COLUMN q int NOT NULL",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
            "CREATE FUNCTION g() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql", "DROP TABLE z", "SELECT 1",
        ])
        // The block of four is one unit; a block of one statement is sent as any statement is.
        #expect(up.blocks == [1..<5])
        #expect(up.units == [0..<1, 1..<5, 5..<6, 6..<7])
        #expect(up.statements.map(\.range.start.line) == [2, 4, 5, 6, 7, 9, 11])
        let down = try #require(file.down)
        #expect(texts(down, file) == ["DROP FUNCTION g", "DROP FUNCTION f", "DROP TABLE a"])
        #expect(down.blocks == [0..<2] && down.units == [0..<2, 2..<3])
    }

    /// Every rule sees each statement of a block: the NOT NULL column is `b.q`'s, at its place
    /// (not `a.p`, which the text of the whole block used to be read as), a DROP TABLE second
    /// in a block is seen, and a suppression inside a block covers the statement after it.
    @Test func everyStatementOfABlockIsLinted() throws {
        let folder = try LayoutFolder([
            "00001_block.sql": """
                -- +goose Up
                -- +goose StatementBegin
                ALTER TABLE a ADD COLUMN p int; ALTER TABLE b ADD COLUMN q int NOT NULL;
                DROP TABLE old_b;
                -- strata:ignore add-required-column c is empty in every environment
                ALTER TABLE c ADD COLUMN r int NOT NULL;
                -- +goose StatementEnd
                """,
        ])
        let found = try folder.lint(.goose).filter { ["add-required-column", "drop-table", "unused-ignore"].contains($0.rule) }
        #expect(found.map { "\($0.rule) \($0.line):\($0.column)" } == ["add-required-column 3:47", "drop-table 4:1"], "\(found)")
        #expect(found.first?.message.contains("q on b") == true, "\(found.first?.message ?? "")")
    }

    @Test func golangMigratePairsFilesAndReportsMissingDown() throws {
        let folder = try LayoutFolder([
            "1_users.up.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\n",
            "1_users.down.sql": "DROP TABLE users;\n",
            "2_posts.up.sql": "CREATE TABLE posts (id BIGINT PRIMARY KEY);\n",
            "10_tags.up.sql": "CREATE TABLE tags (id BIGINT PRIMARY KEY);\n",
            "10_tags.down.sql": "DROP TABLE tags;\n",
        ])
        let units = try folder.discover(.golangMigrate)
        #expect(Set(units.map(\.id)) == ["1_users", "2_posts", "10_tags"])
        #expect(units.first { $0.id == "1_users" }?.down?.path == folder.path("1_users.down.sql"))
        #expect(units.first { $0.id == "2_posts" }?.down == nil)
        let found = try folder.lint(.golangMigrate)
        let missing = found.filter { $0.rule == "missing-down" }
        #expect(missing.map(\.file) == [folder.path("2_posts.up.sql")])
        #expect(missing.first?.message.contains("2_posts.down.sql") == true, "\(missing.map(\.message))")
    }

    @Test func findingsInADownFilePointAtIt() throws {
        let folder = try LayoutFolder([
            "001_users.up.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\nCREATE TABLE old (id BIGINT PRIMARY KEY);\n",
            // line 3, column 1 of the down file: a parse error there must say so
            "001_users.down.sql": "DROP TABLE users;\n\nSELECT 'unterminated;\n",
        ])
        let found = try folder.lint(.golangMigrate)
        let parse = try #require(found.first { $0.rule == "parse-error" })
        #expect(parse.file == folder.path("001_users.down.sql"))
        #expect(parse.line == 3 && parse.column == 8, "\(parse.line):\(parse.column)")
    }

    @Test func orphanDownFileIsAnError() throws {
        let folder = try LayoutFolder(["3_x.down.sql": "DROP TABLE x;\n"])
        #expect(throws: InputError.self) { try folder.discover(.golangMigrate) }
    }

    @Test func popxDatabaseFilesPairWithGenericOnes() throws {
        let folder = try LayoutFolder([
            "20200101000000000000_a.up.sql": "CREATE TABLE a (id INT PRIMARY KEY);\n",
            "20200101000000000000_a.sqlite3.down.sql": "DROP TABLE a;\n",
            "20200101000000000000_a.postgres.down.sql": "DROP TABLE a CASCADE;\n",
            "20200102000000000000_b.postgres.up.sql": "CREATE TABLE b (id INT PRIMARY KEY);\n",
            "20200102000000000000_b.down.sql": "DROP TABLE b;\n",
            "20200103000000000000_c.autocommit.up.sql": "CREATE INDEX CONCURRENTLY c_idx ON b (id);\n",
            "20200103000000000000_c.down.sql": "DROP INDEX c_idx;\n",
        ])
        let units = try folder.discover(.golangMigrate).sorted { $0.id < $1.id }
        #expect(units.map(\.id) == ["20200101000000000000_a", "20200101000000000000_a.postgres", "20200101000000000000_a.sqlite3",
                                    "20200102000000000000_b.postgres", "20200103000000000000_c"])
        #expect(units[0].down == nil)
        #expect(units[1].path.hasSuffix("_a.up.sql") && units[1].down?.path.hasSuffix("_a.postgres.down.sql") == true)
        #expect(units[3].down?.path.hasSuffix("_b.down.sql") == true)
        let autocommit = try folder.parse(.golangMigrate).first { $0.id == "20200103000000000000_c" }
        #expect(autocommit?.transactionDeclared == false)
    }

    @Test func dieselFoldersPairAndAStrayFileIsAnError() throws {
        let folder = try LayoutFolder([
            "2019-01-01-000000_users/up.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\n",
            "2019-01-01-000000_users/down.sql": "DROP TABLE users;\n",
            "2019-02-01-000000_posts/up.sql": "CREATE TABLE posts (id BIGINT PRIMARY KEY);\n",
        ])
        let files = try folder.parse(.diesel)
        #expect(files.map(\.id) == ["2019-01-01-000000_users", "2019-02-01-000000_posts"])
        #expect(texts(files[0].down, files[0]) == ["DROP TABLE users"])
        #expect(files[1].down == nil)
        let stray = try LayoutFolder(["2019-01-01-000000_users/up.sql": "SELECT 1;\n", "notes.sql": "SELECT 1;\n"])
        #expect(throws: InputError.self) { try stray.discover(.diesel) }
    }

    @Test func flywayOrdersVersionsAsFlywayDoesAndPairsUndoFiles() throws {
        let folder = try LayoutFolder([
            "V1_9__nine.sql": "CREATE TABLE nine (id INT PRIMARY KEY);\n",
            "V1_10__ten.sql": "CREATE TABLE ten (id INT PRIMARY KEY);\n",
            "U1_10__ten.sql": "DROP TABLE ten;\n",
            "V2__two.sql": "CREATE TABLE two (id INT PRIMARY KEY);\n",
            "R__views.sql": "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
            "afterMigrate.sql": "ANALYZE;\n",
            "sub/V1_2__nested.sql": "CREATE TABLE nested (id INT PRIMARY KEY);\n",
        ])
        let layout = FlywayLayout()
        let units = try folder.discover(.flyway)
        let ordered = units.map(\.id).sorted(by: layout.precedes)
        #expect(ordered == ["V1_2__nested", "V1_9__nine", "V1_10__ten", "V2__two", "R__views"])
        #expect(units.first { $0.id == "V1_10__ten" }?.down?.path == folder.path("U1_10__ten.sql"))
        let bad = try LayoutFolder(["create_users.sql": "SELECT 1;\n"])
        #expect(throws: InputError.self) { try bad.discover(.flyway) }
    }

    @Test func detectionNamesTheLayoutAndRefusesMixedFolders() throws {
        let cases: [(LayoutKind, [String: String])] = [
            (.dbmate, ["1_a.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"]),
            (.goose, ["1_a.sql": "-- +goose Up\nSELECT 1;\n"]),
            (.golangMigrate, ["1_a.up.sql": "SELECT 1;\n"]),
            (.diesel, ["2019-01-01_a/up.sql": "SELECT 1;\n"]),
            (.flyway, ["V1__a.sql": "SELECT 1;\n"]),
            (.strata, ["0001_a.sql": "-- @name: a\n-- UP MIGRATION\nSELECT 1;\n"]),
            // Numbered files without any tool's markers are sqlx's (and the Supabase CLI's).
            (.sqlx, ["0001_a.sql": "SELECT 1;\n", "0002_b.sql": "SELECT 2;\n"]),
            (.sqlx, ["20240101000000_a.sql": "SELECT 1;\n", "20240102000000_b.up.sql": "SELECT 2;\n"]),
            (.plain, ["0001-a.sql": "SELECT 1;\n"]),
            (.strata, [:]),
            (.prisma, ["20240101000000_a/migration.sql": "SELECT 1;\n"]),
            (.drizzle, ["0000_a.sql": "SELECT 1;\n", "meta/_journal.json": "{\"entries\": []}"]),
            (.drizzle, ["0000_a.sql": "CREATE TABLE a (id INT);\n--> statement-breakpoint\nCREATE TABLE b (id INT);\n"]),
            (.plain, ["deltas/35/add.sql": "SELECT 1;\n", "deltas/36/more.sql": "SELECT 1;\n"]),
        ]
        for (expected, files) in cases {
            let folder = try LayoutFolder(files)
            #expect(try LayoutDetector.detect([folder.root]).layout == expected, "\(files.keys)")
        }
        let mixed = try LayoutFolder(["1_a.sql": "-- migrate:up\nSELECT 1;\n", "2_b.sql": "-- +goose Up\nSELECT 1;\n"])
        #expect { try LayoutDetector.detect([mixed.root]) } throws: { error in
            let message = (error as? InputError)?.message ?? ""
            return message.contains("dbmate") && message.contains("goose")
        }
    }
}

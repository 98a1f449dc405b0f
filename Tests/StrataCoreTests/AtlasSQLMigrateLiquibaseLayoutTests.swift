import Foundation
import StrataCore
import StrataSyntax
import Testing

/// The Atlas, sql-migrate and Liquibase formatted SQL layouts: files, sections, order, the
/// no-transaction switches, atlas.sum, changesets.
@Suite("Atlas, sql-migrate and Liquibase layouts")
struct AtlasSQLMigrateLiquibaseLayoutTests {
    static let gosqle = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StrataCLITests/RealProjects/gosqle/migrations")

    func input(_ layout: any MigrationLayout, _ name: String, _ text: String) -> MigrationInput {
        MigrationInput(id: layout.id(forRelativePath: name), path: name, bytes: Array(text.utf8))
    }

    // MARK: - Atlas

    /// A real atlas.sum (gosqle, written by `atlas migrate hash`) verifies, and is written back
    /// byte for byte.
    @Test func aRealAtlasSumVerifies() throws {
        let name = "20230824090503_init.sql"
        let bytes = Array(try Data(contentsOf: Self.gosqle.appendingPathComponent(name)))
        let sum = Array(try Data(contentsOf: Self.gosqle.appendingPathComponent("atlas.sum")))
        #expect(AtlasSum.problems(files: [(name, bytes)], sum: sum).isEmpty)
        #expect(AtlasSum.text([(name, bytes)]) == String(decoding: sum, as: UTF8.self))
    }

    @Test func atlasSumFindsTheEditedTheMissingAndTheStale() {
        let files: [(name: String, bytes: [UInt8])] = [("1_a.sql", Array("CREATE TABLE a (id int);\n".utf8)),
                                                       ("2_b.sql", Array("CREATE TABLE b (id int);\n".utf8)),
                                                       ("3_c.sql", Array("CREATE TABLE c (id int);\n".utf8))]
        let sum = Array(AtlasSum.text(files).utf8)
        // Edited: the file edited is named, not the ones after it (whose hashes change too).
        var edited = files
        edited[1].bytes = Array("CREATE TABLE b (id bigint);\n".utf8)
        let found = AtlasSum.problems(files: edited, sum: sum)
        #expect(found.keys.sorted() == ["2_b.sql"])
        #expect(found["2_b.sql"]?.first?.contains("changed after atlas.sum was written") == true)
        // Added without re-hashing, and a line whose file is gone.
        let added = AtlasSum.problems(files: files + [("4_d.sql", Array("SELECT 1;\n".utf8))], sum: sum)
        #expect(added["4_d.sql"]?.first?.contains("is not in atlas.sum") == true, "\(added)")
        let gone = AtlasSum.problems(files: Array(files.prefix(2)), sum: sum)
        #expect(gone["1_a.sql"] == ["atlas.sum line 4 lists 3_c.sql, which is not in the folder"], "\(gone)")
        // The first line edited by hand.
        var forged = AtlasSum.text(files)
        forged.replaceSubrange(forged.index(forged.startIndex, offsetBy: 3)..<forged.index(forged.startIndex, offsetBy: 6), with: "AAA")
        #expect(AtlasSum.problems(files: files, sum: Array(forged.utf8))["1_a.sql"]?.first?.contains("first line of atlas.sum") == true)
        #expect(AtlasSum.problems(files: files, sum: nil)["1_a.sql"]?.first?.contains("no atlas.sum") == true)
    }

    @Test func atlasReadsTxmodeNoneOnlyAsAFileDirective() {
        let layout = AtlasLayout()
        let off = layout.parse(input(layout, "1_a.sql", "-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON t (a);\n"), dialect: .postgresql, depth: .full)
        #expect(off.transactionDeclared == false)
        #expect(off.up?.statements.count == 1 && off.down == nil)
        // Without the blank line after it, Atlas takes the comment for the statement's own.
        let attached = layout.parse(input(layout, "1_a.sql", "-- atlas:txmode none\nCREATE INDEX CONCURRENTLY i ON t (a);\n"), dialect: .postgresql, depth: .full)
        #expect(attached.transactionDeclared == nil)
        #expect(layout.precedes("1_a", "1_b") && layout.precedes("10_a", "2_a"), "Atlas orders names as text")
    }

    // MARK: - sql-migrate

    @Test func sqlMigrateSectionsBlocksAndNoTransaction() {
        let layout = SQLMigrateLayout()
        let file = layout.parse(input(layout, "1_f.sql", """
            -- +migrate Up notransaction
            CREATE TABLE t (a int);
            -- +migrate StatementBegin
            CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;
            SELECT 1;
            -- +migrate StatementEnd

            -- +migrate Down
            DROP TABLE t;
            """), dialect: .postgresql, depth: .full)
        #expect(file.up?.statements.count == 3)
        #expect(file.up?.blocks == [1..<3])
        #expect(file.down?.statements.count == 1)
        #expect(file.transactionDeclared == false)
        // sql-migrate matches its commands as spelt: `-- +migrate up` is a comment to it.
        let lower = layout.parse(input(layout, "2_g.sql", "-- +migrate up\nSELECT 1;\n"), dialect: .sqlite, depth: .full)
        #expect(lower.up == nil && lower.markers.isEmpty)
    }

    @Test func sqlMigrateOrdersNumbersAsNumbersThenNamesAsText() {
        let layout = SQLMigrateLayout()
        #expect(layout.precedes("2_b", "10_a"))
        #expect(layout.precedes("10_a", "init"), "an id with a number comes before one without")
        #expect(layout.precedes("alpha", "beta"))
    }

    // MARK: - Liquibase formatted SQL

    static let changelog = """
        --liquibase formatted sql

        --changeset alice:1
        --comment: users
        CREATE TABLE users (id int PRIMARY KEY);
        --rollback DROP TABLE users;

        --changeset bob:add-index runInTransaction:false
        --rollback DROP INDEX users_id;
        CREATE INDEX CONCURRENTLY users_id ON users (id);

        --changeset alice:fn splitStatements:false
        CREATE TABLE a (id int);
        CREATE TABLE b (id int);

        """

    @Test func liquibaseChangesetsAreMigrationsWithTheFilesPositions() throws {
        let layout = LiquibaseSQLLayout()
        let parts = LiquibaseSQLLayout.parts(of: input(layout, "db/001_init.sql", Self.changelog))
        #expect(parts.map(\.id) == ["001_init/alice:1", "001_init/bob:add-index", "001_init/alice:fn"])
        let files = parts.map { layout.parse($0, dialect: .postgresql, depth: .full) }
        let first = files[0]
        #expect(first.up?.statements.map(\.range.start.line) == [5])
        #expect(first.down?.statements.map(\.range.start.line) == [6])
        #expect(first.down?.statements.first.map { first.source!.text($0.range.byteRange) }?.hasPrefix("DROP TABLE users") == true)
        #expect(first.anchor.line == 3, "findings about a changeset point at its --changeset line")
        // A rollback line before the SQL, and the changeset outside a transaction.
        let second = files[1]
        #expect(second.up?.statements.map(\.range.start.line) == [10])
        #expect(second.down?.statements.map(\.range.start.line) == [9])
        #expect(second.transactionDeclared == false)
        #expect(second.dependencies == ["001_init/alice:1"], "a changeset runs after the one before it")
        // splitStatements:false: sent as one piece of text.
        #expect(files[2].up?.blocks == [0..<2])
        #expect(files[2].down == nil)
        // What history compares is the changeset's own text.
        #expect(String(decoding: parts[0].content, as: UTF8.self).hasPrefix("--changeset alice:1\n"))
        #expect(!String(decoding: parts[0].content, as: UTF8.self).contains("bob"))
    }

    @Test func liquibaseOrdersFilesByNameAndKeepsChangesetOrder() {
        let layout = LiquibaseSQLLayout()
        #expect(layout.precedes("001_init/zed:1", "002_more/alice:1"))
        #expect(!layout.precedes("001_init/zed:1", "001_init/alice:1") && !layout.precedes("001_init/alice:1", "001_init/zed:1"))
        // The catalog orders a file's changesets as written, not by author or id.
        let inputs = LiquibaseSQLLayout.parts(of: input(layout, "001_init.sql", "--liquibase formatted sql\n--changeset z:9\nSELECT 1;\n--changeset a:1\nSELECT 2;\n"))
        let parsed = inputs.map { layout.parse($0, dialect: .sqlite, depth: .full) }
        let order = MigrationOrder(dependencies: Dictionary(uniqueKeysWithValues: parsed.map { ($0.id, $0.dependencies) }), precedes: layout.precedes)
        #expect(order.ordered == ["001_init/z:9", "001_init/a:1"])
    }

    @Test func aFileWithoutTheHeaderIsOneForwardMigration() {
        let layout = LiquibaseSQLLayout()
        let parts = LiquibaseSQLLayout.parts(of: input(layout, "raw.sql", "--changeset a:1\nSELECT 1;\n"))
        #expect(parts.count == 1 && parts[0].id == "raw")
    }

    /// Liquibase reads `-- rollback` (a space after `--`) and any case as `--rollback`, and
    /// `--rollback empty` / `not required` as a rollback with nothing to run: not SQL.
    @Test func liquibaseRollbackLinesAsLiquibaseReadsThem() {
        let layout = LiquibaseSQLLayout()
        let text = """
            -- liquibase formatted sql

            -- changeset a:1
                CREATE TABLE t (
                id INT NOT NULL
            )
            -- rollback DROP TABLE t

            -- changeset a:2
            INSERT INTO t(id) values (1)
            -- rollback empty

            --changeset a:3
            INSERT INTO t(id) values (2);
            --ROLLBACK not required

            --changeset a:4
            INSERT INTO t(id) values (3);
            --rollbacks are not written here
            """
        let files = LiquibaseSQLLayout.parts(of: input(layout, "c.sql", text)).map { layout.parse($0, dialect: .postgresql, depth: .full) }
        #expect(files.map(\.id) == ["c/a:1", "c/a:2", "c/a:3", "c/a:4"])
        #expect(files[0].up?.statements.count == 1 && files[0].down?.statements.count == 1)
        #expect(files[0].down?.statements.first.map { files[0].source!.text($0.range.byteRange) } == "DROP TABLE t")
        #expect(files[0].down?.statements.first?.range.start.line == 7)
        for declared in files[1...2] {
            #expect(declared.up?.statements.count == 1, "\(declared.id)")
            #expect(declared.down != nil && declared.down?.statements.isEmpty == true, "\(declared.id): a DOWN with nothing to run")
        }
        // `--rollbacks` is a comment, not a rollback line.
        #expect(files[3].down == nil)
    }

    /// XML, YAML and JSON changelogs with changesets are migrations Strata cannot run, in the
    /// order by file name; a master changelog that only includes files is not a migration.
    @Test func liquibaseChangelogsInOtherFormatsAreMigrationsStrataCannotRun() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-liquibase-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let files = [
            "001_init.sql": "--liquibase formatted sql\n--changeset a:1\nCREATE TABLE t (id int);\n",
            "002_seed.xml": """
                <?xml version="1.0" encoding="UTF-8"?>
                <databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
                  <changeSet id="2" author="a"><insert tableName="t"><column name="id" valueNumeric="1"/></insert></changeSet>
                </databaseChangeLog>
                """,
            "003_more.yaml": "databaseChangeLog:\n  - changeSet:\n      id: 3\n      author: a\n      changes:\n        - dropTable:\n            tableName: old\n",
            "004_more.json": "{\"databaseChangeLog\": [{\"changeSet\": {\"id\": \"4\", \"author\": \"a\", \"changes\": []}}]}\n",
            "db.changelog-master.xml": """
                <?xml version="1.0" encoding="UTF-8"?>
                <databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
                  <!-- each changeSet lives in its own file -->
                  <include file="001_init.sql" relativeToChangelogFile="true"/>
                  <includeAll path="more/" relativeToChangelogFile="true"/>
                </databaseChangeLog>
                """,
            "db.changelog-master.yaml": "databaseChangeLog:\n  - includeAll:\n      path: db/changelog/\n",
            "notes.txt": "not a changelog\n",
        ]
        for (name, text) in files { try Data(text.utf8).write(to: root.appendingPathComponent(name)) }
        let layout = LiquibaseSQLLayout()
        let found = try FileDiscovery.discover([root.path], layout: layout)
        #expect(found.map(\.id) == ["001_init/a:1", "002_seed", "003_more", "004_more"], "\(found.map(\.path))")
        let xml = layout.parse(MigrationInput(id: "002_seed", path: "002_seed.xml", bytes: Array(files["002_seed.xml"]!.utf8)), dialect: .postgresql, depth: .full)
        #expect(xml.nonSQL == NonSQLMigration(language: "XML", tool: "Liquibase") && xml.up == nil)
        #expect(layout.nonSQLMigration(ofPath: "a/003_more.yml")?.language == "YAML")
        #expect(layout.nonSQLMigration(ofPath: "001_init.sql") == nil)
    }

    // MARK: - Detection

    @Test func detectionReadsTheirSigns() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-layouts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        func folder(_ name: String, _ files: [String: String]) throws -> String {
            let dir = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (file, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(file)) }
            return dir.path
        }
        let atlas = try LayoutDetector.detect([try folder("atlas", ["1_a.sql": "SELECT 1;\n", "atlas.sum": "h1:x\n"])])
        #expect(atlas.layout == .atlas && atlas.reason.hasSuffix("atlas.sum: Atlas's integrity file"), "\(atlas)")
        let sqlMigrate = try LayoutDetector.detect([try folder("sm", ["1_a.sql": "-- +migrate Up\nSELECT 1;\n"])])
        #expect(sqlMigrate.layout == .sqlMigrate, "\(sqlMigrate)")
        let liquibase = try LayoutDetector.detect([try folder("lb", ["changelog.sql": "--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n"])])
        #expect(liquibase.layout == .liquibaseSQL, "\(liquibase)")
    }

    @Test func newWritesEachToolsFormat() throws {
        let now = Date(timeIntervalSince1970: 1_704_067_200)
        let atlas = try LayoutTemplate.files(layout: .atlas, slug: "users", up: "CREATE TABLE users (id int);", down: "DROP TABLE users;",
                                             transactional: false, existing: ["20230101000000_init.sql"], now: now)
        #expect(atlas == [.init(path: "20240101000000_users.sql", text: "-- atlas:txmode none\n\nCREATE TABLE users (id int);\n")])
        let sqlMigrate = try LayoutTemplate.files(layout: .sqlMigrate, slug: "users", up: "CREATE TABLE users (id int);", down: "DROP TABLE users;",
                                                  existing: ["1-init.sql"], now: now)
        #expect(sqlMigrate == [.init(path: "2-users.sql", text: "-- +migrate Up\nCREATE TABLE users (id int);\n\n-- +migrate Down\nDROP TABLE users;\n")])
        let liquibase = try LayoutTemplate.files(layout: .liquibaseSQL, slug: "users", up: "CREATE TABLE users (id int);", down: "DROP TABLE users;",
                                                 existing: ["001_init.sql"], now: now)
        #expect(liquibase.count == 1 && liquibase[0].path == "002_users.sql")
        let written = LiquibaseSQLLayout.parts(of: MigrationInput(id: "002_users", path: "002_users.sql", bytes: Array(liquibase[0].text.utf8)))
        #expect(written.count == 1 && written[0].id.hasPrefix("002_users/") && written[0].id.hasSuffix(":002"), "\(liquibase[0].text)")
        let parsed = LiquibaseSQLLayout().parse(written[0], dialect: .sqlite, depth: .full)
        #expect(parsed.up?.statements.count == 1 && parsed.down?.statements.count == 1)
    }
}

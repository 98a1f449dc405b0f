import Foundation
import StrataApply
import StrataCore
import Testing

/// `strata lint`, `up`, `status`, `rollback`, `new`, `convert` and `baseline` on Atlas,
/// sql-migrate and Liquibase formatted SQL folders, on SQLite and PostgreSQL.
@Suite("Atlas, sql-migrate and Liquibase folders")
struct AtlasSQLMigrateLiquibaseCommandTests {
    static let realProjects = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("RealProjects")

    /// gosqle (MIT), an Atlas project for PostgreSQL: its atlas.sum verifies, it lints without
    /// a finding about its layout, it applies; an edit without `atlas migrate hash` is found.
    @Test(.enabled(if: Backend.postgresRuns)) func realAtlasProjectLintsAndApplies() throws {
        let db = try ApplyProject(.postgres)
        let source = Self.realProjects.appendingPathComponent("gosqle/migrations")
        for name in ["20230824090503_init.sql", "atlas.sum"] {
            try db.project.write("migrations/" + name, try Data(contentsOf: source.appendingPathComponent(name)))
        }
        let lint = try db.project.run("lint", "--verbose")
        #expect(!lint.stdout.contains("atlas-sum-mismatch") && !lint.stdout.contains("section-markers"), "\(lint.stdout)\(lint.stderr)")
        #expect(lint.stderr.contains("atlas") || lint.stdout.contains("atlas"), "auto-detected from atlas.sum: \(lint.stdout)\(lint.stderr)")
        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(try db.tableExists("addresses"))
        let status = try db.run("status", "--json")
        #expect(status.status == 0 && status.stdout.contains("\"applied\" : 1"), "\(status.stdout)")

        try db.write("migrations/20230824090503_init.sql", try db.project.read("migrations/20230824090503_init.sql") + "\nCREATE TABLE extra (id int);\n")
        let edited = try db.project.run("lint")
        #expect(edited.status == 1, "\(edited.stdout)\(edited.stderr)")
        #expect(edited.stdout.contains("migrations/20230824090503_init.sql:1:1") && edited.stdout.contains("atlas-sum-mismatch")
                && edited.stdout.contains("changed after atlas.sum was written"), "\(edited.stdout)")
    }

    @Test(arguments: Backend.all) func atlasNewRehashesAndBaselineReadsRevisions(_ backend: Backend) throws {
        let db = try ApplyProject(backend)
        try db.write("migrations/20240101000000_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
        try db.write("migrations/20240102000000_posts.sql", "CREATE TABLE posts (id bigint PRIMARY KEY);\n")
        let new = try db.project.run("new", "tags", "--layout", "atlas")
        #expect(new.status == 0 && new.stdout.contains("updated migrations/atlas.sum"), "\(new.stdout)\(new.stderr)")
        let created = try #require(try FileManager.default.contentsOfDirectory(atPath: db.project.root.appendingPathComponent("migrations").path)
            .first { $0.hasSuffix("_tags.sql") })
        try db.write("migrations/" + created, "CREATE TABLE tags (id bigint PRIMARY KEY);\n")
        let stale = try db.project.run("lint")
        #expect(stale.status == 1 && stale.stdout.contains("atlas-sum-mismatch"), "an edit after the sum: \(stale.stdout)")
        // Re-hashed as `atlas migrate hash` does: clean.
        _ = try AtlasSum.rewrite(folder: db.project.root.appendingPathComponent("migrations").path)
        let clean = try db.project.run("lint")
        #expect(clean.status == 0 && !clean.stdout.contains("atlas-sum-mismatch"), "\(clean.stdout)")
        // The revisions table as Atlas creates it; users applied, posts applied too.
        let connection = try db.connect()
        if backend == .postgres {
            try connection.execute("""
                CREATE SCHEMA atlas_schema_revisions;
                CREATE TABLE atlas_schema_revisions.atlas_schema_revisions (version character varying NOT NULL, description character varying NOT NULL, type bigint NOT NULL DEFAULT 2, applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0, executed_at timestamptz NOT NULL, execution_time bigint NOT NULL, error text NULL, error_stmt text NULL, hash character varying NOT NULL, partial_hashes jsonb NULL, operator_version character varying NOT NULL, PRIMARY KEY (version))
                """)
        } else {
            try connection.execute("""
                CREATE TABLE atlas_schema_revisions (version text NOT NULL, description text NOT NULL, type integer NOT NULL DEFAULT 2, applied integer NOT NULL DEFAULT 0, total integer NOT NULL DEFAULT 0, executed_at datetime NOT NULL, execution_time integer NOT NULL, error text NULL, error_stmt text NULL, hash text NOT NULL, partial_hashes json NULL, operator_version text NOT NULL, PRIMARY KEY (version))
                """)
        }
        let table = backend == .postgres ? "atlas_schema_revisions.atlas_schema_revisions" : "atlas_schema_revisions"
        try connection.execute("CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE posts (id bigint PRIMARY KEY)")
        try connection.execute("""
            INSERT INTO \(table) (version, description, type, applied, total, executed_at, execution_time, hash, operator_version) VALUES
            ('.atlas_cloud_identifier', 'x', 0, 0, 0, CURRENT_TIMESTAMP, 0, '', 'Atlas CLI v0.14'),
            ('20240101000000', 'users', 2, 1, 1, CURRENT_TIMESTAMP, 1500000, 'h', 'Atlas CLI v0.14'),
            ('20240102000000', 'posts', 2, 1, 1, CURRENT_TIMESTAMP, 900000, 'h', 'Atlas CLI v0.14')
            """)
        let baseline = try db.run("baseline", "--from", "atlas", "--layout", "atlas")
        #expect(baseline.status == 0 && baseline.stdout.contains("recorded 2 migrations as applied"), "\(baseline.stdout)\(baseline.stderr)")
        let up = try db.run("up", "--layout", "atlas")
        #expect(up.status == 0 && up.stdout.contains("applied 1 migration"), "\(up.stdout)\(up.stderr)")
        // A partly applied revision refuses.
        let partial = try ApplyProject(backend)
        try partial.write("migrations/20240101000000_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
        let other = try partial.connect()
        try other.execute("CREATE TABLE atlas_schema_revisions (version varchar NOT NULL PRIMARY KEY, description varchar NOT NULL, type bigint NOT NULL DEFAULT 2, applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0, executed_at timestamp NOT NULL, execution_time bigint NOT NULL, error text NULL, error_stmt text NULL, hash varchar NOT NULL, partial_hashes text NULL, operator_version varchar NOT NULL)")
        try other.execute("INSERT INTO atlas_schema_revisions VALUES ('20240101000000', 'users', 2, 0, 1, CURRENT_TIMESTAMP, 10, 'syntax error', 'CREATE', 'h', NULL, 'v')")
        let refused = try partial.run("baseline", "--from", "atlas", "--layout", "atlas")
        #expect(refused.status == 1 && refused.stderr.contains("version 20240101000000 as failed"), "\(refused.stderr)")
    }

    static let sqlMigrateFiles = [
        "1_users.sql": "-- +migrate Up\nCREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n\n-- +migrate Down\nDROP TABLE users;\n",
        "2_audit.sql": """
            -- +migrate Up
            CREATE TABLE audit (id bigint PRIMARY KEY, note text);
            -- +migrate StatementBegin
            INSERT INTO audit (id, note) VALUES (1, 'a;b');
            INSERT INTO audit (id, note) VALUES (2, 'c');
            -- +migrate StatementEnd

            -- +migrate Down
            DROP TABLE audit;
            """,
        "10_index.sql": "-- +migrate Up\nCREATE INDEX users_email ON users (email);\n\n-- +migrate Down\nDROP INDEX users_email;\n",
    ]

    @Test(arguments: Backend.all) func sqlMigrateUpRollbackConvertAndBaseline(_ backend: Backend) throws {
        let db = try ApplyProject(backend)
        for (name, text) in Self.sqlMigrateFiles { try db.write("migrations/" + name, text) }
        let lint = try db.project.run("lint", "--verbose")
        #expect(!lint.stdout.contains("section-markers") && !lint.stdout.contains("missing-down"), "\(lint.stdout)\(lint.stderr)")
        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        // Numbers as numbers: 10_index after 2_audit.
        #expect(try db.column("SELECT id FROM __migrations__ ORDER BY applied_at, id") .count == 3)
        let order = try #require(up.stdout.range(of: "2_audit")).lowerBound < (try #require(up.stdout.range(of: "10_index"))).lowerBound
        #expect(order, "\(up.stdout)")
        #expect(try db.column("SELECT note FROM audit ORDER BY id") == ["a;b", "c"])
        let rollback = try db.run("rollback", "--yes")
        #expect(rollback.status == 0 && rollback.stdout.contains("10_index"), "\(rollback.stdout)\(rollback.stderr)")
        // sql-migrate's table: 1_users and 2_audit applied by sql-migrate before Strata.
        let taken = try ApplyProject(backend)
        for (name, text) in Self.sqlMigrateFiles { try taken.write("migrations/" + name, text) }
        let connection = try taken.connect()
        try connection.execute(backend == .sqlite
            ? "CREATE TABLE gorp_migrations (id varchar(255) not null primary key, applied_at datetime)"
            : "CREATE TABLE gorp_migrations (id text not null primary key, applied_at timestamp with time zone)")
        try connection.execute("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL); CREATE TABLE audit (id bigint PRIMARY KEY, note text)")
        try connection.execute("INSERT INTO gorp_migrations (id, applied_at) VALUES ('1_users.sql', CURRENT_TIMESTAMP), ('2_audit.sql', CURRENT_TIMESTAMP)")
        let baseline = try taken.run("baseline", "--from", "sql-migrate")
        #expect(baseline.status == 0 && baseline.stdout.contains("recorded 2 migrations as applied") && baseline.stdout.contains("pending 10_index"),
                "\(baseline.stdout)\(baseline.stderr)")
        let rest = try taken.run("up")
        #expect(rest.status == 0 && rest.stdout.contains("applied 1 migration"), "\(rest.stdout)\(rest.stderr)")
        // convert --to strata: Strata's files, same ids, same effect.
        let convert = try taken.project.run("convert", "--to", "strata")
        #expect(convert.status == 0, "\(convert.stdout)\(convert.stderr)")
        let converted = try taken.project.read("migrations/2_audit.sql")
        #expect(converted.contains("-- @dependencies: [\"1_users\"]") && converted.contains("-- DOWN MIGRATION\nDROP TABLE audit;"), "\(converted)")
    }

    static let changelog = """
        --liquibase formatted sql

        --changeset alice:1
        --rollback DROP TABLE person;
        CREATE TABLE person (name VARCHAR(255) NOT NULL, CONSTRAINT pk_person PRIMARY KEY (name));

        --changeset alice:2
        --comment: an address for each person
        --rollback ALTER TABLE person DROP COLUMN address;
        ALTER TABLE person ADD address VARCHAR(255) NULL;

        --changeset bob:3
        ALTER TABLE person ADD email VARCHAR(255) NULL;
        --rollback ALTER TABLE person DROP COLUMN email;

        """

    @Test(arguments: Backend.all) func liquibaseChangesetsApplyRollBackAndBaseline(_ backend: Backend) throws {
        let db = try ApplyProject(backend)
        try db.write("migrations/001_person.sql", Self.changelog)
        try db.write("migrations/002_more.sql", "--liquibase formatted sql\n\n--changeset bob:1\nCREATE TABLE later (id int);\n--rollback DROP TABLE later;\n")
        let lint = try db.project.run("lint", "--verbose", "--format", "json")
        #expect(!lint.stdout.contains("section-markers") && !lint.stdout.contains("missing-down"), "\(lint.stdout)\(lint.stderr)")
        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(try db.rows() == ["001_person/alice:1 applied", "001_person/alice:2 applied", "001_person/bob:3 applied", "002_more/bob:1 applied"])
        let status = try db.run("status")
        #expect(status.status == 0 && status.stdout.contains("001_person/bob:3"), "\(status.stdout)")
        let rollback = try db.run("rollback", "--yes", "--steps", "2")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(try db.rows().count == 2 && !db.tableExists("later"))
        // A finding points into the file at the changeset's own line.
        try db.write("migrations/003_drop.sql", "--liquibase formatted sql\n\n--changeset carol:1\nSELECT 1;\n\n--changeset carol:2\nALTER TABLE person DROP COLUMN email;\n")
        let found = try db.project.run("lint", "migrations/")
        #expect(found.stdout.contains("migrations/003_drop.sql:3:1: warning: no DOWN SQL") && found.stdout.contains("migrations/003_drop.sql:6:1: warning: no DOWN SQL"),
                "\(found.stdout)\(found.stderr)")

        // Liquibase's table, as it creates it (lower case on PostgreSQL).
        let taken = try ApplyProject(backend)
        try taken.write("migrations/001_person.sql", Self.changelog)
        let connection = try taken.connect()
        try connection.execute(backend == .sqlite ? """
            CREATE TABLE DATABASECHANGELOG (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED TEXT NOT NULL, ORDEREXECUTED INTEGER NOT NULL, EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), TAG VARCHAR(255), LIQUIBASE VARCHAR(20), CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10))
            """ : """
            CREATE TABLE databasechangelog (id VARCHAR(255) NOT NULL, author VARCHAR(255) NOT NULL, filename VARCHAR(255) NOT NULL, dateexecuted TIMESTAMP WITHOUT TIME ZONE NOT NULL, orderexecuted INTEGER NOT NULL, exectype VARCHAR(10) NOT NULL, md5sum VARCHAR(35), description VARCHAR(255), comments VARCHAR(255), tag VARCHAR(255), liquibase VARCHAR(20), contexts VARCHAR(255), labels VARCHAR(255), deployment_id VARCHAR(10))
            """)
        try connection.execute("CREATE TABLE person (name VARCHAR(255) NOT NULL PRIMARY KEY, address VARCHAR(255))")
        try connection.execute("""
            INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum) VALUES
            ('1', 'alice', 'db/changelog/001_person.sql', CURRENT_TIMESTAMP, 1, 'EXECUTED', '9:x'),
            ('2', 'alice', 'db/changelog/001_person.sql', CURRENT_TIMESTAMP, 2, 'MARK_RAN', '9:y')
            """)
        let baseline = try taken.run("baseline", "--from", "liquibase-sql")
        #expect(baseline.status == 0 && baseline.stdout.contains("recorded 2 migrations as applied") && baseline.stdout.contains("pending 001_person/bob:3"),
                "\(baseline.stdout)\(baseline.stderr)")
        let rest = try taken.run("up")
        #expect(rest.status == 0 && rest.stdout.contains("applied 1 migration"), "\(rest.stdout)\(rest.stderr)")
        try connection.execute("INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype) VALUES ('9', 'x', 'a.sql', CURRENT_TIMESTAMP, 3, 'FAILED')")
        let failed = try taken.run("baseline", "--from", "liquibase-sql")
        #expect(failed.status == 1 && failed.stderr.contains("FAILED"), "\(failed.stderr)")
    }

    @Test func liquibaseConvertsToStrataFiles() throws {
        let db = try ApplyProject(.sqlite)
        try db.write("migrations/001_person.sql", Self.changelog)
        let convert = try db.project.run("convert", "--to", "strata", "--layout", "liquibase-sql")
        #expect(convert.status == 0, "\(convert.stdout)\(convert.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: db.project.root.appendingPathComponent("migrations").path).sorted()
        #expect(names == ["0001_001_person.alice.1.sql", "0002_001_person.alice.2.sql", "0003_001_person.bob.3.sql"], "\(names)")
        let second = try db.project.read("migrations/0002_001_person.alice.2.sql")
        #expect(second.contains("-- @dependencies: [\"0001_001_person.alice.1\"]") && second.contains("-- UP MIGRATION\nALTER TABLE person ADD address VARCHAR(255) NULL;")
                && second.contains("-- DOWN MIGRATION\nALTER TABLE person DROP COLUMN address;"), "\(second)")
        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
    }
}

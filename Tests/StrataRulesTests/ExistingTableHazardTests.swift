import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// Hazards on tables that existed before the file, in statements that look harmless because
/// of something earlier in the same file (a table filled by a query, a zone set to UTC, a
/// rename), and lock waits on views and on the tables a function's dependents sit on. Each was
/// checked on PostgreSQL 15 (docs/rule-precision.md).
@Suite("Hazards on existing tables")
struct ExistingTableHazardTests {
    let locks = PostgresLockRuleTests()

    func lint(_ files: [(String, String)], rule: String, verbose: Bool = false) -> [Diagnostic] {
        locks.lint(files, rule: rule, verbose: verbose)
    }

    static let base = ("1.sql", """
        CREATE TABLE person (id BIGINT PRIMARY KEY);
        CREATE TABLE comment_like (person_id BIGINT, comment_id BIGINT, score INT);
        CREATE TABLE posts (id BIGINT PRIMARY KEY, published TIMESTAMP NOT NULL, edited TIMESTAMP, title VARCHAR(200), icon BYTEA);
        CREATE INDEX idx_posts_published ON posts (published);
        CREATE UNIQUE INDEX idx_posts_title_published ON posts (title, published);
        """)

    // MARK: add-fk-validated on a table the file filled

    @Test func foreignKeyOnATableFilledByAQueryIsChecked() {
        let filled = """
            CREATE TABLE comment_actions AS SELECT person_id, comment_id FROM comment_like;
            ALTER TABLE comment_actions ADD CONSTRAINT comment_actions_person_fk FOREIGN KEY (person_id) REFERENCES person (id);
            """
        let found = lint([Self.base, ("2.sql", filled)], rule: "add-fk-validated")
        #expect(found.map(\.line) == [2])
        #expect(found.first?.message == "foreign key on comment_actions (person_id) checks every row that line 1 copied into comment_actions against person, which stays locked SHARE ROW EXCLUSIVE, blocking its writes, for the whole check")
        // The same table emptied after the copy, or created empty, holds nothing to check.
        let emptied = filled.replacingOccurrences(of: ";\nALTER", with: ";\nTRUNCATE comment_actions;\nALTER")
        #expect(lint([Self.base, ("2.sql", emptied)], rule: "add-fk-validated").isEmpty)
        let noData = filled.replacingOccurrences(of: "FROM comment_like;", with: "FROM comment_like WITH NO DATA;")
        #expect(lint([Self.base, ("2.sql", noData)], rule: "add-fk-validated").isEmpty)
        let notes = lint([Self.base, ("2.sql", noData)], rule: "add-fk-validated", verbose: true)
        #expect(notes.map(\.severity) == [.note])
        // A parent created in this file is nobody else's either.
        let newParent = "CREATE TABLE people (id BIGINT PRIMARY KEY);\n" + filled.replacingOccurrences(of: "REFERENCES person", with: "REFERENCES people")
        #expect(lint([Self.base, ("2.sql", newParent)], rule: "add-fk-validated").isEmpty)
    }

    @Test func insertSelectFillsATableAndInsertValuesDoesNot() {
        let copied = """
            CREATE TABLE likes (person_id BIGINT, comment_id BIGINT);
            WITH recent AS (SELECT * FROM comment_like) INSERT INTO likes SELECT person_id, comment_id FROM recent;
            ALTER TABLE likes ADD COLUMN voter_id BIGINT DEFAULT 0 REFERENCES person, ADD FOREIGN KEY (person_id) REFERENCES person (id);
            """
        let found = lint([Self.base, ("2.sql", copied)], rule: "add-fk-validated")
        #expect(found.map(\.line) == [3, 3])
        #expect(found.allSatisfy { $0.message.contains("that line 2 copied into likes against person") })
        let typed = copied.replacingOccurrences(of: "WITH recent AS (SELECT * FROM comment_like) INSERT INTO likes SELECT person_id, comment_id FROM recent;",
                                                with: "INSERT INTO likes VALUES (1, 1);")
        #expect(lint([Self.base, ("2.sql", typed)], rule: "add-fk-validated").isEmpty)
    }

    // MARK: change-column-type

    @Test func timestamptzUnderUTCRebuildsTheColumnsIndexes() {
        let utc = "SET timezone = 'UTC';\nALTER TABLE posts ALTER COLUMN published TYPE timestamptz, ALTER COLUMN edited TYPE timestamptz;\n"
        let found = lint([Self.base, ("2.sql", utc)], rule: "change-column-type")
        #expect(found.count == 1)
        #expect(found.first?.message == "changing published of posts from timestamp to timestamptz does not rewrite the table but rebuilds its 2 indexes on published (idx_posts_published, idx_posts_title_published) under an ACCESS EXCLUSIVE lock, blocking its reads and writes")
        // An index dropped earlier in the file is not rebuilt; one created earlier in it is.
        let dropped = "DROP INDEX idx_posts_published;\nDROP INDEX idx_posts_title_published;\n" + utc
        #expect(lint([Self.base, ("2.sql", dropped)], rule: "change-column-type").isEmpty)
        let indexed = "CREATE INDEX idx_posts_edited ON posts (edited);\n" + dropped
        #expect(lint([Self.base, ("2.sql", indexed)], rule: "change-column-type").map(\.message)
                == ["changing edited of posts from timestamp to timestamptz does not rewrite the table but rebuilds its index on edited (idx_posts_edited) under an ACCESS EXCLUSIVE lock, blocking its reads and writes"])
        // In another zone it is a rewrite of the table.
        let paris = utc.replacingOccurrences(of: "'UTC'", with: "'Europe/Paris'")
        #expect(lint([Self.base, ("2.sql", paris)], rule: "change-column-type").map { $0.message.contains("rewrites the table and its indexes") } == [true, true])
    }

    @Test func typeChangeAfterARenameIsStillAChange() {
        let renamed = """
            ALTER TABLE posts RENAME TO articles;
            ALTER TABLE articles RENAME COLUMN icon TO avatar;
            ALTER TABLE articles ALTER COLUMN avatar TYPE text;
            ALTER TABLE articles RENAME COLUMN title TO headline;
            ALTER TABLE articles ALTER COLUMN headline TYPE text;
            """
        let found = lint([Self.base, ("2.sql", renamed)], rule: "change-column-type")
        #expect(found.map(\.line) == [3])
        #expect(found.first?.message.hasPrefix("changing avatar of articles from bytea to text rewrites the table") == true)
    }

    @Test func enumSwapIsAChangeOfType() {
        let base = ("1.sql", "CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TABLE people (id BIGINT PRIMARY KEY, mood mood NOT NULL, moods mood[]);\n")
        let swap = """
            ALTER TYPE mood RENAME TO mood_old;
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            ALTER TABLE people ALTER COLUMN mood TYPE mood USING mood::text::mood;
            ALTER TABLE people ALTER COLUMN moods TYPE mood[] USING moods::text[]::mood[];
            ALTER TABLE people ALTER COLUMN mood TYPE mood;
            DROP TYPE mood_old;
            """
        let found = lint([base, ("2.sql", swap)], rule: "change-column-type")
        #expect(found.map(\.line) == [3, 4])
        #expect(found.first?.message.hasPrefix("changing mood of people from mood_old to mood rewrites") == true, "\(found.map(\.message))")
        // A rename chain is followed; a column added after the swap has the new type.
        let chain = """
            ALTER TYPE mood RENAME TO mood_old;
            ALTER TYPE mood_old RENAME TO mood_older;
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            ALTER TABLE people ADD COLUMN next_mood mood;
            ALTER TABLE people ALTER COLUMN next_mood TYPE mood;
            ALTER TABLE people ALTER COLUMN mood TYPE mood_older;
            ALTER TABLE people ALTER COLUMN moods TYPE mood[] USING moods::text[]::mood[];
            """
        #expect(lint([base, ("2.sql", chain)], rule: "change-column-type").map(\.line) == [7])
    }

    // MARK: missing-lock-timeout

    @Test func dropViewWaitsUnlessTheFileCreatedTheView() {
        let drop = "DROP VIEW IF EXISTS post_view, user_view CASCADE;\n"
        let found = lint([("1.sql", drop)], rule: "missing-lock-timeout")
        #expect(found.map(\.message) == ["DROP VIEW post_view, user_view waits for an ACCESS EXCLUSIVE lock with no lock_timeout set before it, so queries queue behind it while it waits"])
        let recreated = "CREATE VIEW post_view AS SELECT 1 AS id;\nDROP VIEW post_view;\n"
        #expect(lint([("1.sql", recreated)], rule: "missing-lock-timeout").isEmpty)
        let notes = lint([("1.sql", recreated)], rule: "missing-lock-timeout", verbose: true)
        #expect(notes.map(\.message) == ["missing-lock-timeout skipped: post_view is a view created earlier in this file, so it holds no production data yet"])
        // CREATE OR REPLACE may replace a view of an earlier migration: not new.
        let replaced = "CREATE OR REPLACE VIEW post_view AS SELECT 1 AS id;\nDROP MATERIALIZED VIEW post_counts;\nDROP VIEW post_view;\n"
        #expect(lint([("1.sql", replaced)], rule: "missing-lock-timeout").map(\.line) == [2])
        let timed = "SET lock_timeout = '2s';\n" + drop
        #expect(lint([("1.sql", timed)], rule: "missing-lock-timeout").isEmpty)
    }

    @Test func dropFunctionCascadeWaitsForTheTablesOfItsDependents() {
        let cascade = "DROP FUNCTION IF EXISTS hot_rank CASCADE;\n"
        #expect(lint([("1.sql", cascade)], rule: "missing-lock-timeout").map(\.line) == [1])
        // Without CASCADE it fails when anything uses the function: no table is locked.
        #expect(lint([("1.sql", "DROP FUNCTION IF EXISTS hot_rank;\n")], rule: "missing-lock-timeout").isEmpty)
        let madeHere = "CREATE FUNCTION hot_rank(n numeric) RETURNS numeric LANGUAGE sql AS 'SELECT n';\n" + cascade
        #expect(lint([("1.sql", madeHere)], rule: "missing-lock-timeout").isEmpty)
        let replaced = madeHere.replacingOccurrences(of: "CREATE FUNCTION", with: "CREATE OR REPLACE FUNCTION")
        #expect(lint([("1.sql", replaced)], rule: "missing-lock-timeout").map(\.line) == [2])
    }

    @Test func foreignKeyFromANewTableWaitsOnTheExistingOne() {
        let sql = """
            CREATE TABLE comment_actions AS SELECT person_id FROM comment_like;
            ALTER TABLE comment_actions ADD CONSTRAINT comment_actions_person_fk FOREIGN KEY (person_id) REFERENCES person (id) NOT VALID;
            """
        let found = lint([Self.base, ("2.sql", sql)], rule: "missing-lock-timeout")
        #expect(found.map(\.line) == [2])
        #expect(found.first?.message.hasPrefix("ALTER TABLE comment_actions adds a foreign key to person and waits for a SHARE ROW EXCLUSIVE lock on it") == true)
        let local = "CREATE TABLE people (id BIGINT PRIMARY KEY);\n" + sql.replacingOccurrences(of: "REFERENCES person", with: "REFERENCES people")
        #expect(lint([Self.base, ("2.sql", local)], rule: "missing-lock-timeout").isEmpty)
    }
}

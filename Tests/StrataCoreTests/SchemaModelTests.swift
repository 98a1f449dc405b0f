import StrataCore
import StrataSyntax
import Testing

@Suite("Schema model")
struct SchemaModelTests {
    /// Replays `sql` (one migration per element) and returns the schema.
    func replay(_ migrations: [String], dialect: Dialect = .postgresql) -> SchemaModel {
        var schema = SchemaModel()
        for (n, sql) in migrations.enumerated() {
            let source = SourceText(sql, dialect: dialect)
            for range in StatementSplitter.split(source) {
                schema.apply(StatementReader.read(source, tokens: range), migration: "m\(n)")
            }
        }
        return schema
    }

    @Test func tablesColumnsAndKeys() {
        let schema = replay(["""
            CREATE TABLE "Users" (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE, org_id INT REFERENCES orgs (id));
            CREATE TABLE public.posts (id INT, author_id INT, PRIMARY KEY (id), FOREIGN KEY (author_id) REFERENCES "Users" (id));
            """])
        let users = schema.tables["Users"]
        #expect(users?.columns.map(\.name) == ["id", "email", "org_id"])
        #expect(users?.primaryKey == ["id"])
        #expect(users?.uniqueKeys == [["email"]])
        #expect(users?.foreignKeys.first?.references.table.name == "orgs")
        #expect(users?.createdBy == "m0")
        #expect(schema.tables["posts"]?.primaryKey == ["id"], "public. is the default schema")
        #expect(schema.tables["posts"]?.foreignKeys.first?.columns == ["author_id"])
    }

    @Test func notNullChecksFollowValidationRenamesAndDrops() {
        let schema = replay([
            """
            CREATE TABLE users (id INT, email TEXT, phone TEXT, nick TEXT, CHECK (nick IS NOT NULL));
            ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK ("email" IS NOT NULL) NOT VALID;
            ALTER TABLE users ADD CONSTRAINT users_phone_nn CHECK (phone IS NOT NULL) NOT VALID;
            ALTER TABLE users ADD CONSTRAINT users_either CHECK (email IS NOT NULL OR phone IS NOT NULL);
            """,
            """
            ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
            ALTER TABLE users RENAME CONSTRAINT users_phone_nn TO phone_present;
            ALTER TABLE users RENAME COLUMN email TO mail;
            """,
        ])
        let users = schema.tables["users"]
        #expect(users?.hasValidNotNullCheck("mail") == true)
        #expect(users?.hasValidNotNullCheck("phone") == false, "still NOT VALID")
        #expect(users?.hasValidNotNullCheck("nick") == true, "a table CHECK without a name is valid at once")
        #expect(users?.notNullChecks.map(\.name) == [nil, "users_email_nn", "phone_present"])
        let later = replay(["CREATE TABLE t (a INT, CONSTRAINT t_a_nn CHECK (a IS NOT NULL));", "ALTER TABLE t DROP CONSTRAINT t_a_nn;"])
        #expect(later.tables["t"]?.hasValidNotNullCheck("a") == false)
    }

    @Test func coverageByIndexPrimaryKeyAndUnique() {
        let schema = replay([
            "CREATE TABLE t (a INT, b INT, c INT, d INT UNIQUE, PRIMARY KEY (a, b));",
            "CREATE INDEX i_c ON t (c, a); CREATE INDEX i_partial ON t (b) WHERE b > 0; CREATE INDEX i_expr ON t (lower(c));",
        ])
        #expect(schema.isCovered(table: "t", columns: ["a"]))
        #expect(schema.isCovered(table: "t", columns: ["b", "a"]), "leading columns in any order")
        #expect(schema.isCovered(table: "t", columns: ["c"]))
        #expect(schema.isCovered(table: "t", columns: ["d"]))
        #expect(!schema.isCovered(table: "t", columns: ["b"]), "a partial index does not cover every row")
        #expect(!schema.isCovered(table: "t", columns: ["missing"]))
        #expect(!schema.isCovered(table: "other", columns: ["a"]))
        #expect(schema.isCovered(table: "t", columns: ["a", "c"]), "i_c leads on (c, a)")
        #expect(!schema.isCovered(table: "t", columns: ["c", "b"]))
        #expect(!schema.isCovered(table: "t", columns: ["a", "b", "c"]), "longer than every key")
        let partial = replay(["CREATE TABLE p (x INT, y INT); CREATE INDEX p_x ON p (x) WHERE x IS NOT NULL; CREATE INDEX p_y ON p (lower(y), y);"])
        #expect(partial.isCovered(table: "p", columns: ["x"]), "a lookup by x implies x IS NOT NULL")
        #expect(!partial.isCovered(table: "p", columns: ["y"]), "an expression leads p_y")
    }

    @Test func dropsAndRenamesFollowTheIndexes() {
        let schema = replay([
            "CREATE TABLE t (a INT, b INT); CREATE INDEX i_a ON t (a); CREATE INDEX i_b ON t (b);",
            "DROP INDEX i_a; ALTER TABLE t RENAME COLUMN b TO bb; ALTER TABLE t RENAME TO t2;",
        ])
        #expect(schema.tables["t"] == nil)
        #expect(schema.isCovered(table: "t2", columns: ["bb"]))
        #expect(!schema.isCovered(table: "t2", columns: ["a"]))
        #expect(schema.index(named: "i_b")?.table == "t2")
        #expect(schema.index(named: "i_a") == nil)
    }

    @Test func droppingAColumnDropsItsIndexesAndDroppingATableItsIndexNames() {
        let schema = replay([
            "CREATE TABLE t (a INT, b INT); CREATE INDEX i_ab ON t (a, b); CREATE INDEX i_b ON t (b);",
            "ALTER TABLE t DROP COLUMN a;",
            "CREATE TABLE u (x INT); CREATE INDEX i_x ON u (x); DROP TABLE u;",
        ])
        #expect(schema.index(named: "i_ab") == nil)
        #expect(schema.index(named: "i_b") != nil)
        #expect(schema.index(named: "i_x") == nil)
        #expect(schema.tables["t"]?.columns.map(\.name) == ["b"])
    }

    @Test func ifNotExistsKeepsTheFirstDefinition() {
        let schema = replay([
            "CREATE TABLE t (a INT); CREATE INDEX i ON t (a);",
            "CREATE TABLE IF NOT EXISTS t (z INT); CREATE INDEX IF NOT EXISTS i ON t (z);",
        ], dialect: .sqlite)
        #expect(schema.tables["t"]?.columns.map(\.name) == ["a"])
        #expect(schema.index(named: "i")?.columns == ["a"])
        #expect(schema.tables["t"]?.createdBy == "m0")
    }

    @Test func alterColumnChanges() {
        let schema = replay([
            "CREATE TABLE t (a INT);",
            "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'x', ALTER COLUMN a SET NOT NULL, ALTER COLUMN a TYPE bigint;",
        ])
        let columns = schema.tables["t"]?.columns
        #expect(columns?.first { $0.name == "a" }?.notNull == true)
        #expect(columns?.first { $0.name == "a" }?.type == "bigint")
        #expect(columns?.first { $0.name == "b" }?.hasDefault == true)
        #expect(columns?.first { $0.name == "b" }?.addedBy == "m1")
    }
}

@Suite("Schema model: tables before a file")
struct SchemaBeforeFileTests {
    func statements(_ sql: String) -> [Statement] {
        let source = SourceText(sql, dialect: .postgresql)
        return StatementSplitter.split(source).map { StatementReader.read(source, tokens: $0) }
    }

    /// Rules ask what a column was before the file changed it: the file's replay records each
    /// table it touches, as it was, once.
    @Test func applyingAFileRecordsTheTablesItTouchedAsTheyWere() {
        var schema = SchemaModel()
        _ = schema.apply(file: statements("CREATE TABLE a (x varchar(10), y int NOT NULL);\nCREATE TABLE b (id int);\nCREATE TABLE c (id int);\nCREATE INDEX c_id ON c (id);"), migration: "m0")
        let before = schema.apply(file: statements("""
            ALTER TABLE a ALTER COLUMN x TYPE text;
            ALTER TABLE a ALTER COLUMN x SET NOT NULL;
            DROP TABLE b;
            CREATE TABLE d (id int);
            DROP INDEX c_id;
            ALTER TABLE d RENAME TO e;
            """), migration: "m1")
        #expect(before["a"]??.column("x")?.type == "varchar(10)")
        #expect(before["a"]??.column("x")?.notNull == false)
        #expect(schema.tables["a"]?.column("x")?.notNull == true)
        #expect(before["b"]??.createdBy == "m0" && schema.tables["b"] == nil)
        #expect(before["d"] == .some(nil) && before["e"] == .some(nil))
        #expect(before["c"]??.indexes.count == 1 && schema.tables["c"]?.indexes.isEmpty == true)
        #expect(before.keys.sorted() == ["a", "b", "c", "d", "e"])
        #expect(schema.lastCreatedBy["b"] == "m0" && schema.lastCreatedBy["e"] == "m1")
        let restored = schema.restored(to: before)
        #expect(restored.tables.keys.sorted() == ["a", "b", "c"])
        #expect(restored.tables["a"]?.column("x")?.type == "varchar(10)")
        #expect(restored.index(named: "c_id")?.table == "c")
    }
}

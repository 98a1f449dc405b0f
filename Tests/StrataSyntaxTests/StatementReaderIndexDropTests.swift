import Testing
import StrataSyntax

@Suite("StatementReader: CREATE INDEX, DROP, TRUNCATE")
struct StatementReaderIndexDropTests {
    @Test(arguments: Dialect.allCases)
    func simpleIndex(dialect: Dialect) throws {
        let sql = "CREATE UNIQUE INDEX IF NOT EXISTS users_email_idx ON users (email, \"Created At\" DESC)"
        let index = try #require(SRT.createIndex(sql, dialect))
        #expect(index.unique && index.ifNotExists && !index.concurrently)
        #expect(index.name?.name == "users_email_idx" && SRT.at(index.name!.range) == "1:35")
        #expect(index.table.name == "users" && SRT.at(index.table.range) == "1:54")
        #expect(index.elements.map(\.column?.name) == ["email", "Created At"])
        #expect(index.elements.map(\.text) == ["email", "\"Created At\" DESC"])
        #expect(SRT.at(index.elements[1].range) == "1:68")
        #expect(SRT.text(sql, index.elements[1].range) == "\"Created At\" DESC")
        #expect(index.method == nil && index.whereClause == nil)
    }

    @Test func sqliteIndexWithoutSpace() throws {
        let index = try #require(SRT.createIndex("CREATE INDEX IF NOT EXISTS idx ON t(a COLLATE NOCASE, b)", .sqlite))
        #expect(index.name?.name == "idx" && index.table.name == "t")
        #expect(index.elements.map(\.column?.name) == ["a", "b"])
        #expect(index.elements[0].text == "a COLLATE NOCASE")
    }

    @Test func postgresIndexOptions() throws {
        let sql = """
            CREATE INDEX CONCURRENTLY ix ON ONLY app.events USING GIN (payload jsonb_path_ops)
              INCLUDE (id) WITH (fastupdate = off) WHERE deleted_at IS NULL AND  kind = 'x'
            """
        let index = try #require(SRT.createIndex(sql))
        #expect(index.concurrently && !index.unique)
        #expect(index.table.schema == "app" && index.table.name == "events")
        #expect(index.method == "gin")
        #expect(index.elements.map(\.column?.name) == ["payload"])
        #expect(index.whereClause == "deleted_at IS NULL AND kind = 'x'")

        let unnamed = try #require(SRT.createIndex("CREATE INDEX ON t (a)"))
        #expect(unnamed.name == nil && unnamed.table.name == "t")
        let qualified = try #require(SRT.createIndex("CREATE INDEX CONCURRENTLY IF NOT EXISTS app.ix ON app.t USING btree (a)"))
        #expect(qualified.name?.schema == "app" && qualified.name?.name == "ix" && qualified.method == "btree")
        #expect(qualified.concurrently && qualified.ifNotExists)
    }

    @Test(arguments: Dialect.allCases)
    func expressionAndPartialIndexes(dialect: Dialect) throws {
        let sql = "CREATE INDEX ix ON users (lower(email), (a + b), a+b, a || 'x', key, \"type\" ASC NULLS LAST) WHERE active = 1"
        let index = try #require(SRT.createIndex(sql, dialect))
        #expect(index.elements.map(\.column?.name) == [nil, nil, nil, nil, "key", "type"])
        #expect(index.elements.map(\.text) == ["lower(email)", "(a + b)", "a+b", "a || 'x'", "key", "\"type\" ASC NULLS LAST"])
        #expect(index.whereClause == "active = 1")
    }

    @Test func operatorClassesAreColumns() throws {
        let index = try #require(SRT.createIndex("CREATE INDEX ix ON t USING gist (name gist_trgm_ops(siglen = 32), body text_pattern_ops)"))
        #expect(index.elements.map(\.column?.name) == ["name", "body"])
    }

    @Test func truncatedIndexes() {
        #expect(SRT.kind("CREATE INDEX") == .other("create index"))
        #expect(SRT.kind("CREATE UNIQUE INDEX ix") == .other("create index"))
        #expect(SRT.createIndex("CREATE INDEX ix ON t (a, lower(") != nil)
    }

    // MARK: DROP

    @Test(arguments: Dialect.allCases)
    func dropTables(dialect: Dialect) throws {
        let sql = "DROP TABLE IF EXISTS a, app.b, \"C\" CASCADE"
        let drop = try #require(SRT.drop(sql, dialect))
        #expect(drop.objectKind == .table && drop.ifExists && drop.cascade && !drop.concurrently)
        #expect(drop.names.map(\.description) == ["a", "app.b", "C"])
        #expect(SRT.at(drop.names[1].range) == "1:25" && SRT.text(sql, drop.names[1].range) == "app.b")
        let plain = try #require(SRT.drop("drop table users", dialect))
        #expect(!plain.ifExists && !plain.cascade && plain.names.map(\.name) == ["users"])
    }

    @Test func dropKinds() throws {
        let cases: [(String, DropObjectKind, [String])] = [
            ("DROP INDEX CONCURRENTLY IF EXISTS app.ix", .index, ["ix"]),
            ("DROP VIEW v1, v2", .view, ["v1", "v2"]),
            ("DROP MATERIALIZED VIEW mv", .materializedView, ["mv"]),
            ("DROP SCHEMA app CASCADE", .schema, ["app"]),
            ("DROP DATABASE db", .database, ["db"]),
            ("DROP TRIGGER IF EXISTS trg ON users", .trigger, ["trg"]),
            ("DROP FUNCTION f(integer, text), g()", .function, ["f", "g"]),
            ("DROP PROCEDURE p(int)", .procedure, ["p"]),
            ("DROP TYPE mood", .type, ["mood"]),
            ("DROP SEQUENCE s", .sequence, ["s"]),
            ("DROP EXTENSION IF EXISTS pgcrypto", .extension, ["pgcrypto"]),
            ("DROP DOMAIN d", .other, ["d"]),
            ("DROP FOREIGN TABLE ft", .other, ["ft"]),
            ("DROP EVENT TRIGGER et", .other, ["et"]),
            ("DROP POLICY p ON t", .other, ["p"]),
        ]
        for (sql, kind, names) in cases {
            let drop = try #require(SRT.drop(sql), "\(sql)")
            #expect(drop.objectKind == kind, "\(sql)")
            #expect(drop.names.map(\.name) == names, "\(sql)")
        }
        #expect(try #require(SRT.drop("DROP INDEX CONCURRENTLY IF EXISTS app.ix")).concurrently)
        #expect(try #require(SRT.drop("DROP SCHEMA app CASCADE")).cascade)
        #expect(try #require(SRT.drop("DROP FUNCTION f(a int, b int) CASCADE")).cascade)
        #expect(SRT.kind("DROP") == .other("drop"))
        #expect(SRT.drop("DROP TABLE")?.names == [])
    }

    // MARK: TRUNCATE

    @Test(arguments: Dialect.allCases)
    func truncate(dialect: Dialect) {
        guard case .truncate(let one) = SRT.kind("TRUNCATE users", dialect) else { Issue.record("truncate"); return }
        #expect(one.tables.map(\.name) == ["users"] && !one.cascade)
        guard case .truncate(let many) = SRT.kind("TRUNCATE TABLE ONLY a, app.b * RESTART IDENTITY CASCADE", dialect) else {
            Issue.record("truncate many"); return
        }
        #expect(many.tables.map(\.description) == ["a", "app.b"] && many.cascade)
        guard case .truncate(let empty) = SRT.kind("TRUNCATE", dialect) else { Issue.record("empty"); return }
        #expect(empty.tables.isEmpty)
    }
}

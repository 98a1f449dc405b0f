import Testing
import StrataSyntax

@Suite("StatementReader: DELETE, UPDATE, INSERT")
struct StatementReaderDataChangeTests {
    private func change(_ kind: StatementKind) -> DataChange? {
        switch kind {
        case .delete(let change), .update(let change): return change
        default: return nil
        }
    }

    private func insert(_ sql: String, _ dialect: Dialect = .postgresql) -> InsertStatement? {
        if case .insert(let insert) = SRT.kind(sql, dialect) { return insert }
        return nil
    }

    @Test(arguments: Dialect.allCases)
    func deletes(dialect: Dialect) throws {
        let sql = "DELETE FROM app.sessions"
        guard case .delete(let all) = SRT.kind(sql, dialect) else { Issue.record("delete"); return }
        #expect(all.table.description == "app.sessions" && !all.hasWhere && all.whereClause == nil)
        #expect(SRT.at(all.table.range) == "1:13")

        guard case .delete(let some) = SRT.kind("DELETE FROM sessions WHERE expires_at <  now()\n  AND id IN (SELECT id FROM x WHERE y) RETURNING id", dialect) else {
            Issue.record("delete where"); return
        }
        #expect(some.hasWhere)
        #expect(some.whereClause == "expires_at < now() AND id IN (SELECT id FROM x WHERE y)")
    }

    @Test func deleteVariants() throws {
        let using = try #require(change(SRT.kind("DELETE FROM ONLY t AS x USING u WHERE x.id = u.id")))
        #expect(using.table.name == "t" && using.whereClause == "x.id = u.id")
        let subquery = try #require(change(SRT.kind("DELETE FROM t USING (SELECT 1 FROM u WHERE u.a = 1) s")))
        #expect(!subquery.hasWhere)
        let sqlite = try #require(change(SRT.kind("DELETE FROM t WHERE a > 1 ORDER BY a LIMIT 10", .sqlite)))
        #expect(sqlite.whereClause == "a > 1")
        let quoted = try #require(change(SRT.kind("DELETE FROM \"User\" WHERE \"Name\" = 'x'")))
        #expect(quoted.table.name == "User" && quoted.whereClause == "\"Name\" = 'x'")
        #expect(SRT.kind("DELETE") == .other("delete"))
        let emptyWhere = try #require(change(SRT.kind("DELETE FROM t WHERE")))
        #expect(emptyWhere.hasWhere && emptyWhere.whereClause == nil)
    }

    @Test(arguments: Dialect.allCases)
    func updates(dialect: Dialect) throws {
        guard case .update(let all) = SRT.kind("UPDATE users SET active = (SELECT true WHERE 1 = 1)", dialect) else {
            Issue.record("update"); return
        }
        #expect(all.table.name == "users" && !all.hasWhere)
        guard case .update(let some) = SRT.kind("UPDATE users u SET a = 1, b = CASE WHEN c THEN 1 ELSE 2 END WHERE u.id = 4", dialect) else {
            Issue.record("update where"); return
        }
        #expect(some.hasWhere && some.whereClause == "u.id = 4")
        let sqlite = try #require(change(SRT.kind("UPDATE OR IGNORE t SET a = 1 WHERE b = 2", .sqlite)))
        #expect(sqlite.table.name == "t" && sqlite.whereClause == "b = 2")
        let from = try #require(change(SRT.kind("UPDATE ONLY t SET a = o.a FROM other o WHERE o.id = t.id RETURNING *")))
        #expect(from.whereClause == "o.id = t.id")
        #expect(SRT.kind("UPDATE") == .other("update"))
    }

    @Test(arguments: Dialect.allCases)
    func inserts(dialect: Dialect) throws {
        let values = try #require(insert("INSERT INTO users (id, \"Name\", key) VALUES (1, 'a', 2), (2, 'b', 3)", dialect))
        #expect(values.table.name == "users" && !values.fromSelect)
        #expect(values.columns.map(\.name) == ["id", "Name", "key"])
        #expect(SRT.at(values.columns[1].range) == "1:24")
        let select = try #require(insert("INSERT INTO app.archive SELECT * FROM users WHERE old", dialect))
        #expect(select.fromSelect && select.table.schema == "app" && select.columns.isEmpty)
        let selectColumns = try #require(insert("INSERT INTO t (a, b) SELECT a, b FROM u", dialect))
        #expect(selectColumns.fromSelect && selectColumns.columns.map(\.name) == ["a", "b"])
        let defaults = try #require(insert("INSERT INTO t DEFAULT VALUES", dialect))
        #expect(!defaults.fromSelect && defaults.columns.isEmpty)
        let withQuery = try #require(insert("INSERT INTO t (a) WITH x AS (SELECT 1) SELECT * FROM x", dialect))
        #expect(withQuery.fromSelect)
    }

    @Test func sqliteInsertForms() throws {
        let replace = try #require(insert("INSERT OR REPLACE INTO t (a) VALUES (1)", .sqlite))
        #expect(replace.table.name == "t" && replace.columns.map(\.name) == ["a"])
        let ignore = try #require(insert("INSERT OR IGNORE INTO t VALUES (1)", .sqlite))
        #expect(ignore.table.name == "t" && !ignore.fromSelect)
        let replaceInto = try #require(insert("REPLACE INTO [t] ([a], `b`) VALUES (1, 2)", .sqlite))
        #expect(replaceInto.table.name == "t" && replaceInto.columns.map(\.name) == ["a", "b"])
    }

    @Test func postgresInsertForms() throws {
        let alias = try #require(insert("INSERT INTO t AS x (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = excluded.a"))
        #expect(alias.columns.map(\.name) == ["a"])
        let parenthesised = try #require(insert("INSERT INTO t (SELECT 1)"))
        #expect(parenthesised.fromSelect && parenthesised.columns.isEmpty)
        let overriding = try #require(insert("INSERT INTO t (id) OVERRIDING SYSTEM VALUE VALUES (1)"))
        #expect(!overriding.fromSelect && overriding.columns.map(\.name) == ["id"])
        #expect(SRT.kind("INSERT INTO") == .other("insert"))
    }

    /// Its speed is measured by `make bench` (no timed tests); this checks the reading is right.
    @Test func largeInsertIsReadWhole() throws {
        var sql = "INSERT INTO big (a, b) VALUES "
        for i in 0..<20_000 {
            if i > 0 { sql += ", " }
            sql += "(\(i), 'value \(i)')"
        }
        let source = SourceText(sql, dialect: .postgresql)
        let ranges = StatementSplitter.split(source)
        let statement: Statement? = StatementReader.read(source, tokens: ranges[0])
        guard case .insert(let insert) = statement?.kind else { Issue.record("insert"); return }
        #expect(insert.columns.map(\.name) == ["a", "b"])
        #expect(statement?.range.end.offset == sql.utf8.count)
    }

    // MARK: WITH

    @Test(arguments: Dialect.allCases)
    func commonTableExpressionsBeforeDML(dialect: Dialect) throws {
        let delete = "WITH old AS (SELECT id FROM t WHERE a < 1), other(x) AS (DELETE FROM y RETURNING x) DELETE FROM t WHERE id IN (SELECT id FROM old)"
        let d = try #require(change(SRT.kind(delete, dialect)))
        guard case .delete = SRT.kind(delete, dialect) else { Issue.record("delete"); return }
        #expect(d.table.name == "t" && d.whereClause == "id IN (SELECT id FROM old)")
        let statement = SRT.read(delete, dialect)
        #expect(SRT.at(statement.range) == "1:1")

        let update = "WITH RECURSIVE r AS NOT MATERIALIZED (SELECT 1) UPDATE t SET a = 1"
        guard case .update(let u) = SRT.kind(update, dialect) else { Issue.record("update"); return }
        #expect(u.table.name == "t" && !u.hasWhere)

        let insertSQL = "WITH src AS (SELECT 1 AS a) INSERT INTO t (a) SELECT a FROM src"
        let i = try #require(insert(insertSQL, dialect))
        #expect(i.table.name == "t" && i.fromSelect)

        #expect(SRT.kind("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", dialect) == .other("with"))
        #expect(SRT.kind("WITH x AS (SELECT 1)", dialect) == .other("with"))
    }
}

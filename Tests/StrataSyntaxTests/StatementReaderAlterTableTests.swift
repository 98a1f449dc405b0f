import Testing
import StrataSyntax

@Suite("StatementReader: ALTER TABLE")
struct StatementReaderAlterTableTests {
    private func column(_ name: String) -> ColumnName {
        ColumnName(name: name, range: SourceRange(at: .start))
    }

    @Test(arguments: Dialect.allCases)
    func addColumn(dialect: Dialect) throws {
        let sql = "ALTER TABLE users ADD COLUMN age integer NOT NULL DEFAULT 0"
        let alter = try #require(SRT.alterTable(sql, dialect))
        #expect(alter.name.name == "users")
        #expect(alter.actions.count == 1)
        guard case .addColumn(let definition, let ifNotExists) = alter.actions[0].action else {
            Issue.record("add column"); return
        }
        #expect(!ifNotExists)
        #expect(definition.name.name == "age" && definition.type == "integer")
        #expect(definition.notNull && definition.defaultExpression == "0")
        #expect(SRT.at(definition.name.range) == "1:30")
        #expect(SRT.text(sql, alter.actions[0].range) == "ADD COLUMN age integer NOT NULL DEFAULT 0")
        #expect(SRT.text(sql, definition.range) == "age integer NOT NULL DEFAULT 0")

        let bare = SRT.actions("ALTER TABLE t ADD b text REFERENCES u(id)", dialect)
        guard case .addColumn(let b, false) = bare.first else { Issue.record("add without COLUMN"); return }
        #expect(b.name.name == "b" && b.references?.table.name == "u")
    }

    @Test func addColumnIfNotExistsAndKeywordNames() throws {
        let actions = SRT.actions(#"ALTER TABLE IF EXISTS ONLY app.t ADD COLUMN IF NOT EXISTS "type" text, ADD COLUMN key int"#)
        guard case .addColumn(let first, true) = actions.first, case .addColumn(let second, false) = actions.last else {
            Issue.record("\(actions)"); return
        }
        #expect(first.name.name == "type" && second.name.name == "key")
        let alter = try #require(SRT.alterTable("ALTER TABLE IF EXISTS ONLY app.t DROP x"))
        #expect(alter.ifExists && alter.only && alter.name.schema == "app")
    }

    @Test(arguments: Dialect.allCases)
    func dropColumn(dialect: Dialect) {
        #expect(SRT.actions("ALTER TABLE t DROP COLUMN a", dialect) == [.dropColumn(column("a"), ifExists: false, cascade: false)])
        #expect(SRT.actions("ALTER TABLE t DROP a", dialect) == [.dropColumn(column("a"), ifExists: false, cascade: false)])
        #expect(SRT.actions("ALTER TABLE t DROP COLUMN IF EXISTS \"A\" CASCADE", dialect)
            == [.dropColumn(column("A"), ifExists: true, cascade: true)])
        #expect(SRT.actions("ALTER TABLE t DROP COLUMN a RESTRICT", dialect) == [.dropColumn(column("a"), ifExists: false, cascade: false)])
    }

    @Test func alterColumn() {
        #expect(SRT.actions("ALTER TABLE t ALTER COLUMN a TYPE bigint")
            == [.alterColumnType(column("a"), type: "bigint", using: nil)])
        #expect(SRT.actions("ALTER TABLE t ALTER a SET DATA TYPE varchar(20) USING  a::varchar(20)")
            == [.alterColumnType(column("a"), type: "varchar(20)", using: "a::varchar(20)")])
        #expect(SRT.actions("ALTER TABLE t ALTER COLUMN a TYPE text COLLATE \"C\"")
            == [.alterColumnType(column("a"), type: "text", using: nil)])
        #expect(SRT.actions("ALTER TABLE t ALTER COLUMN type TYPE timestamp with time zone")
            == [.alterColumnType(column("type"), type: "timestamp with time zone", using: nil)])
        #expect(SRT.actions("ALTER TABLE t ALTER COLUMN a SET NOT NULL") == [.setNotNull(column("a"))])
        #expect(SRT.actions("ALTER TABLE t ALTER COLUMN a DROP NOT NULL") == [.dropNotNull(column("a"))])
        #expect(SRT.actions("ALTER TABLE t ALTER COLUMN a SET DEFAULT now()") == [.setDefault(column("a"), expression: "now()")])
        #expect(SRT.actions("ALTER TABLE t ALTER a SET DEFAULT 'x' || 'y'") == [.setDefault(column("a"), expression: "'x' || 'y'")])
        #expect(SRT.actions("ALTER TABLE t ALTER COLUMN a DROP DEFAULT") == [.dropDefault(column("a"))])
        #expect(SRT.actions("ALTER TABLE t ALTER COLUMN a SET STATISTICS 100") == [.other("alter column")])
        #expect(SRT.actions("ALTER TABLE t ALTER CONSTRAINT c DEFERRABLE") == [.other("alter constraint")])
    }

    @Test func addConstraints() throws {
        let sql = """
            ALTER TABLE orders
              ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID,
              ADD CONSTRAINT positive CHECK (total > 0),
              ADD PRIMARY KEY (id),
              ADD UNIQUE (a, b)
            """
        let alter = try #require(SRT.alterTable(sql))
        #expect(alter.actions.count == 4)
        guard case .addConstraint(let fk) = alter.actions[0].action,
              case .foreignKey(let columns, let reference) = fk.kind else {
            Issue.record("fk"); return
        }
        #expect(fk.name == "orders_user_fk" && fk.notValid)
        #expect(columns.map(\.name) == ["user_id"] && reference.table.name == "users" && reference.onDelete == "cascade")
        #expect(SRT.at(fk.range) == "2:7")
        #expect(SRT.at(alter.actions[0].range) == "2:3")
        #expect(SRT.text(sql, alter.actions[1].range) == "ADD CONSTRAINT positive CHECK (total > 0)")
        #expect(SRT.at(alter.actions[3].range) == "5:3")
        guard case .addConstraint(let check) = alter.actions[1].action else { Issue.record("check"); return }
        #expect(check.kind == .check(expression: "total > 0") && !check.notValid && check.name == "positive")
        guard case .addConstraint(let pk) = alter.actions[2].action else { Issue.record("pk"); return }
        #expect(pk.kind == .primaryKey(columns: [column("id")]) && pk.name == nil)
        guard case .addConstraint(let unique) = alter.actions[3].action else { Issue.record("unique"); return }
        #expect(unique.kind == .unique(columns: [column("a"), column("b")]))
    }

    @Test func usingIndex() {
        let actions = SRT.actions("ALTER TABLE t ADD CONSTRAINT t_email_key UNIQUE USING INDEX t_email_idx")
        guard case .addConstraint(let unique) = actions.first else { Issue.record("\(actions)"); return }
        #expect(unique.usingIndex == "t_email_idx" && unique.name == "t_email_key")
        #expect(unique.kind == .unique(columns: []))
        let pk = SRT.actions("ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX \"T_Idx\" DEFERRABLE")
        guard case .addConstraint(let primary) = pk.first else { Issue.record("\(pk)"); return }
        #expect(primary.usingIndex == "T_Idx" && primary.kind == .primaryKey(columns: []))
    }

    @Test func constraintManagement() {
        #expect(SRT.actions("ALTER TABLE t DROP CONSTRAINT c") == [.dropConstraint(name: "c", ifExists: false, cascade: false)])
        #expect(SRT.actions("ALTER TABLE t DROP CONSTRAINT IF EXISTS \"C\" CASCADE")
            == [.dropConstraint(name: "C", ifExists: true, cascade: true)])
        #expect(SRT.actions("ALTER TABLE t VALIDATE CONSTRAINT orders_user_fk") == [.validateConstraint(name: "orders_user_fk")])
        #expect(SRT.actions("ALTER TABLE t RENAME CONSTRAINT a TO b") == [.renameConstraint(from: "a", to: "b")])
    }

    @Test(arguments: Dialect.allCases)
    func renames(dialect: Dialect) throws {
        let sql = "ALTER TABLE t RENAME TO \"New\""
        let actions = SRT.actions(sql, dialect)
        guard case .renameTable(let to) = actions.first else { Issue.record("\(actions)"); return }
        #expect(to.name == "New" && SRT.at(to.range) == "1:25")
        #expect(SRT.actions("ALTER TABLE t RENAME COLUMN a TO b", dialect) == [.renameColumn(from: column("a"), to: column("b"))])
        #expect(SRT.actions("ALTER TABLE t RENAME a TO b", dialect) == [.renameColumn(from: column("a"), to: column("b"))])
        let positions = SRT.actions("ALTER TABLE t\nRENAME COLUMN old TO new", dialect)
        guard case .renameColumn(let from, let newName) = positions.first else { Issue.record("rename"); return }
        #expect(SRT.at(from.range) == "2:15" && SRT.at(newName.range) == "2:22")
    }

    @Test func otherActions() {
        #expect(SRT.actions("ALTER TABLE t SET SCHEMA archive") == [.other("set schema")])
        #expect(SRT.actions("ALTER TABLE t OWNER TO bob") == [.other("owner to")])
        #expect(SRT.actions("ALTER TABLE t ENABLE ROW LEVEL SECURITY") == [.other("enable row level")])
        #expect(SRT.actions("ALTER TABLE t ENABLE TRIGGER ALL") == [.other("enable trigger")])
        #expect(SRT.actions("ALTER TABLE t ATTACH PARTITION p FOR VALUES IN (1, 2)") == [.other("attach partition")])
        #expect(SRT.actions("ALTER TABLE t SET (fillfactor = 70, autovacuum_enabled = false)") == [.other("set")])
        #expect(SRT.actions("ALTER TABLE t INHERIT parent") == [.other("inherit")])
        #expect(SRT.actions("ALTER TABLE t") == [])
        #expect(SRT.kind("ALTER TABLE") == .other("alter table"))
    }

    @Test func multipleActionsSplitAtTopLevelCommas() throws {
        let sql = """
            ALTER TABLE t
              ADD COLUMN a numeric(10, 2) DEFAULT round(1.5, 1),
              ALTER COLUMN b SET NOT NULL,
              DROP COLUMN c,
              ADD CONSTRAINT k CHECK (a IN (1, 2, 3))
            """
        let alter = try #require(SRT.alterTable(sql))
        #expect(alter.actions.count == 4)
        guard case .addColumn(let a, _) = alter.actions[0].action else { Issue.record("add"); return }
        #expect(a.type == "numeric(10,2)" && a.defaultExpression == "round(1.5, 1)")
        #expect(alter.actions[1].action == .setNotNull(column("b")))
        #expect(alter.actions[2].action == .dropColumn(column("c"), ifExists: false, cascade: false))
        guard case .addConstraint(let k) = alter.actions[3].action else { Issue.record("check"); return }
        #expect(k.kind == .check(expression: "a IN (1, 2, 3)"))
        #expect(alter.actions.map { SRT.at($0.range) } == ["2:3", "3:3", "4:3", "5:3"])
        #expect(SRT.text(sql, alter.actions[2].range) == "DROP COLUMN c")
    }
}

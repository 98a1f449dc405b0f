import Testing
import StrataSyntax

@Suite("StatementReader: CREATE TABLE")
struct StatementReaderCreateTableTests {
    @Test(arguments: Dialect.allCases)
    func basicTableWithPositions(dialect: Dialect) throws {
        let sql = """
            CREATE TABLE users (
              id integer PRIMARY KEY,
              email text NOT NULL UNIQUE,
              bio text
            )
            """
        let table = try #require(SRT.createTable(sql, dialect))
        #expect(table.name.name == "users")
        #expect(table.name.schema == nil)
        #expect(SRT.at(table.name.range) == "1:14")
        #expect(table.columns.map(\.name.name) == ["id", "email", "bio"])
        #expect(table.columns.map(\.type) == ["integer", "text", "text"])
        let id = table.columns[0]
        #expect(id.primaryKey && !id.notNull)
        let email = table.columns[1]
        #expect(email.notNull && email.unique && !email.primaryKey)
        #expect(SRT.at(email.name.range) == "3:3")
        #expect(SRT.at(email.range) == "3:3")
        #expect(SRT.text(sql, email.range) == "email text NOT NULL UNIQUE")
        #expect(SRT.text(sql, email.name.range) == "email")
        #expect(SRT.text(sql, table.columns[2].range) == "bio text")
        #expect(!table.ifNotExists && !table.temporary && !table.unlogged && !table.asSelect && !table.derivesColumns)
    }

    @Test(arguments: Dialect.allCases)
    func modifiers(dialect: Dialect) throws {
        let table = try #require(SRT.createTable("CREATE TEMP TABLE IF NOT EXISTS t (a int)", dialect))
        #expect(table.temporary && table.ifNotExists)
        #expect(try #require(SRT.createTable("create temporary table t (a int)", dialect)).temporary)
        #expect(try #require(SRT.createTable("CREATE UNLOGGED TABLE t (a int)")).unlogged)
        #expect(try #require(SRT.createTable("CREATE GLOBAL TEMPORARY TABLE t (a int)")).temporary)
    }

    @Test func quotedAndQualifiedNames() throws {
        let sql = #"CREATE TABLE "App"."User ""Data""" ("Key" TEXT, "select" int, key int, type text, name text, status text, "user" text)"#
        let table = try #require(SRT.createTable(sql))
        #expect(table.name.schema == "App")
        #expect(table.name.name == "User \"Data\"")
        #expect(SRT.text(sql, table.name.range) == #""App"."User ""Data""""#)
        #expect(table.columns.map(\.name.name) == ["Key", "select", "key", "type", "name", "status", "user"])
        #expect(table.columns.map(\.type) == ["text", "int", "int", "text", "text", "text", "text"])

        let sqlite = "CREATE TABLE main.[Order Items] (`Item ID` INTEGER, [Qty] int, 'label' text)"
        let t2 = try #require(SRT.createTable(sqlite, .sqlite))
        #expect(t2.name.schema == "main" && t2.name.name == "Order Items")
        #expect(t2.name.key == "Order Items")
        #expect(t2.columns.map(\.name.name) == ["Item ID", "Qty", "label"])

        let unicode = #"CREATE TABLE U&"d\0061t" (a int)"#
        #expect(try #require(SRT.createTable(unicode)).name.name == #"d\0061t"#)

        let upper = try #require(SRT.createTable("CREATE TABLE Public.Users (ID INT)"))
        #expect(upper.name.schema == "public" && upper.name.name == "users" && upper.name.key == "users")
        #expect(upper.columns[0].name.name == "id")
    }

    @Test func typeNormalisation() throws {
        let sql = """
            CREATE TABLE t (
              a VARCHAR(255),
              b numeric( 10 , 2 ),
              c TIMESTAMP WITH TIME ZONE,
              d double   precision,
              e character varying(20),
              f integer[],
              g text [] [],
              h timestamp(3) without time zone,
              i public.citext,
              j "MyType",
              k bit varying(8) NOT NULL,
              l interval day to second,
              m int ARRAY
            )
            """
        let table = try #require(SRT.createTable(sql))
        #expect(table.columns.map(\.type) == [
            "varchar(255)", "numeric(10,2)", "timestamp with time zone", "double precision",
            "character varying(20)", "integer[]", "text[][]", "timestamp(3) without time zone",
            "public.citext", "MyType", "bit varying(8)", "interval day to second", "int array",
        ])
        #expect(table.columns[10].notNull)
    }

    @Test func sqliteColumnsWithoutType() throws {
        let table = try #require(SRT.createTable("CREATE TABLE t (a, b PRIMARY KEY, c UNSIGNED BIG INT, d NOT NULL)", .sqlite))
        #expect(table.columns.map(\.name.name) == ["a", "b", "c", "d"])
        #expect(table.columns.map(\.type) == [nil, nil, "unsigned big int", nil])
        #expect(table.columns[1].primaryKey)
        #expect(table.columns[3].notNull)
    }

    @Test(arguments: Dialect.allCases)
    func defaults(dialect: Dialect) throws {
        let sql = """
            CREATE TABLE t (
              a timestamptz DEFAULT now() NOT NULL,
              b text DEFAULT 'active',
              c int DEFAULT (unixepoch()),
              d int DEFAULT 0,
              e int DEFAULT -1,
              f timestamp DEFAULT current_timestamp,
              g text DEFAULT 'x'::text,
              h int NOT NULL DEFAULT 1 + 2,
              i text DEFAULT NULL,
              j int DEFAULT +5 CHECK (j > 0),
              k text DEFAULT ('a' || /* c */ 'b'),
              l bool DEFAULT true
            )
            """
        let table = try #require(SRT.createTable(sql, dialect))
        #expect(table.columns.map(\.defaultExpression) == [
            "now()", "'active'", "(unixepoch())", "0", "-1", "current_timestamp", "'x'::text", "1 + 2",
            "NULL", "+5", "('a' || 'b')", "true",
        ])
        #expect(table.columns[0].notNull)
        #expect(table.columns[7].notNull)
        #expect(table.columns[9].hasCheck)
    }

    @Test func constraintsInAnyOrder() throws {
        let sql = """
            CREATE TABLE t (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              a text CONSTRAINT a_nn NOT NULL CONSTRAINT a_uq UNIQUE COLLATE NOCASE,
              b int NULL CHECK (b > 0) DEFAULT 3,
              c text COLLATE "C",
              d int UNIQUE ON CONFLICT REPLACE NOT NULL ON CONFLICT ABORT,
              e int PRIMARY KEY DESC
            )
            """
        let table = try #require(SRT.createTable(sql, .sqlite))
        let id = table.columns[0]
        #expect(id.primaryKey && id.identity && id.type == "integer")
        let a = table.columns[1]
        #expect(a.notNull && a.unique && a.collation == "nocase")
        let b = table.columns[2]
        #expect(!b.notNull && b.hasCheck && b.defaultExpression == "3")
        #expect(table.columns[3].collation == "C")
        #expect(table.columns[4].unique && table.columns[4].notNull)
        #expect(table.columns[5].primaryKey)
    }

    @Test func generatedAndIdentityColumns() throws {
        let pg = """
            CREATE TABLE t (
              id bigint GENERATED ALWAYS AS IDENTITY,
              id2 int GENERATED BY DEFAULT AS IDENTITY (START WITH 10 INCREMENT BY 1) PRIMARY KEY,
              total numeric GENERATED ALWAYS AS (price * qty) STORED,
              n serial
            )
            """
        let table = try #require(SRT.createTable(pg))
        #expect(table.columns[0].identity && !table.columns[0].generated)
        #expect(table.columns[1].identity && table.columns[1].primaryKey)
        #expect(table.columns[2].generated && !table.columns[2].identity)
        #expect(!table.columns[3].identity && table.columns[3].type == "serial")

        let sqlite = "CREATE TABLE t (a int, b int AS (a * 2), c int GENERATED ALWAYS AS (a + 1) VIRTUAL, d text AS (upper(x)) STORED NOT NULL)"
        let t2 = try #require(SRT.createTable(sqlite, .sqlite))
        #expect(t2.columns.map(\.generated) == [false, true, true, true])
        #expect(t2.columns[3].notNull)
        #expect(t2.columns[1].type == "int")
    }

    @Test(arguments: Dialect.allCases)
    func inlineForeignKeys(dialect: Dialect) throws {
        let sql = """
            CREATE TABLE orders (
              user_id int NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE SET NULL,
              shop_id int REFERENCES app.shops,
              item_id int REFERENCES items(id) MATCH FULL ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED,
              x int REFERENCES "Xs" ("Id") ON DELETE SET DEFAULT NOT NULL
            )
            """
        let table = try #require(SRT.createTable(sql, dialect))
        let user = try #require(table.columns[0].references)
        #expect(user.table.name == "users" && user.columns.map(\.name) == ["id"])
        #expect(user.onDelete == "cascade" && user.onUpdate == "set null")
        #expect(table.columns[0].notNull)
        let shop = try #require(table.columns[1].references)
        #expect(shop.table.schema == "app" && shop.table.name == "shops" && shop.columns.isEmpty)
        #expect(shop.onDelete == nil)
        let item = try #require(table.columns[2].references)
        #expect(item.onUpdate == "no action" && item.onDelete == nil)
        let x = try #require(table.columns[3].references)
        #expect(x.table.name == "Xs" && x.columns.map(\.name) == ["Id"] && x.onDelete == "set default")
        #expect(table.columns[3].notNull)
        #expect(SRT.at(user.table.range) == "2:35")
    }

    @Test(arguments: Dialect.allCases)
    func tableConstraints(dialect: Dialect) throws {
        let sql = """
            CREATE TABLE t (
              a int,
              b int,
              c text,
              PRIMARY KEY (a, b),
              CONSTRAINT t_c_key UNIQUE (c),
              CONSTRAINT fk_b FOREIGN KEY (b) REFERENCES other (id) ON DELETE RESTRICT,
              CHECK (a > 0 AND (b < 10)),
              UNIQUE (a COLLATE "C" DESC, c)
            )
            """
        let table = try #require(SRT.createTable(sql, dialect))
        #expect(table.columns.count == 3)
        #expect(table.constraints.count == 5)
        let pk = table.constraints[0]
        #expect(pk.name == nil)
        #expect(pk.kind == .primaryKey(columns: [ColumnName(name: "a", range: pk.range), ColumnName(name: "b", range: pk.range)]))
        #expect(SRT.at(pk.range) == "5:3")
        #expect(SRT.text(sql, pk.range) == "PRIMARY KEY (a, b)")
        #expect(table.constraints[1].name == "t_c_key")
        #expect(SRT.text(sql, table.constraints[1].range) == "CONSTRAINT t_c_key UNIQUE (c)")
        guard case .unique(let uniqueColumns) = table.constraints[1].kind else { Issue.record("unique"); return }
        #expect(uniqueColumns.map(\.name) == ["c"])
        #expect(SRT.at(uniqueColumns[0].range) == "6:30")
        guard case .foreignKey(let columns, let reference) = table.constraints[2].kind else {
            Issue.record("foreign key"); return
        }
        #expect(table.constraints[2].name == "fk_b")
        #expect(columns.map(\.name) == ["b"])
        #expect(reference.table.name == "other" && reference.columns.map(\.name) == ["id"])
        #expect(reference.onDelete == "restrict")
        #expect(table.constraints[3].kind == .check(expression: "a > 0 AND (b < 10)"))
        guard case .unique(let u2) = table.constraints[4].kind else { Issue.record("unique 2"); return }
        #expect(u2.map(\.name) == ["a", "c"])
    }

    @Test func postgresConstraintExtras() throws {
        let sql = """
            CREATE TABLE t (
              a int, r tsrange,
              UNIQUE NULLS NOT DISTINCT (a),
              EXCLUDE USING gist (r WITH &&),
              CONSTRAINT pk PRIMARY KEY (a) INCLUDE (r) WITH (fillfactor = 70)
            )
            """
        let table = try #require(SRT.createTable(sql))
        #expect(table.columns.map(\.name.name) == ["a", "r"])
        #expect(table.constraints.map(\.kind) == [
            .unique(columns: [ColumnName(name: "a", range: table.name.range)]),
            .other("exclude"),
            .primaryKey(columns: [ColumnName(name: "a", range: table.name.range)]),
        ])
    }

    @Test func keywordNamedColumnsAreNotConstraints() throws {
        let sql = "CREATE TABLE t (unique text, check int, primary int, constraint text, foreign text)"
        let table = try #require(SRT.createTable(sql, .sqlite))
        #expect(table.columns.map(\.name.name) == ["unique", "check", "primary", "constraint", "foreign"])
        #expect(table.constraints.isEmpty)
    }

    @Test(arguments: Dialect.allCases)
    func tableOptions(dialect: Dialect) throws {
        let strict = try #require(SRT.createTable("CREATE TABLE t (a INTEGER) WITHOUT ROWID, STRICT", dialect))
        #expect(strict.columns.count == 1 && !strict.asSelect && !strict.derivesColumns)
        let asSelect = try #require(SRT.createTable("CREATE TABLE t AS SELECT * FROM u", dialect))
        #expect(asSelect.asSelect && asSelect.columns.isEmpty && !asSelect.withNoData)
    }

    /// `WITH NO DATA` creates the table empty; without it, or with `WITH DATA`, AS copies the rows.
    @Test func createTableAsWithNoData() throws {
        let empty = try #require(SRT.createTable("CREATE TABLE t AS SELECT * FROM u WITH NO DATA"))
        #expect(empty.asSelect && empty.withNoData)
        let emptyWithColumns = try #require(SRT.createTable("create table t (a, b) as select x, y from u with no data"))
        #expect(emptyWithColumns.asSelect && emptyWithColumns.withNoData)
        let filled = try #require(SRT.createTable("CREATE TABLE t AS SELECT * FROM u WITH DATA"))
        #expect(filled.asSelect && !filled.withNoData)
        let filtered = try #require(SRT.createTable("CREATE TABLE t AS SELECT * FROM u WHERE note = 'with no data'"))
        #expect(filtered.asSelect && !filtered.withNoData)
        let plain = try #require(SRT.createTable("CREATE TABLE t (a int)"))
        #expect(!plain.asSelect && !plain.withNoData)
    }

    @Test func postgresDerivedColumns() throws {
        let partition = try #require(SRT.createTable("CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"))
        #expect(partition.derivesColumns && partition.name.name == "m_2024")
        let like = try #require(SRT.createTable("CREATE TABLE t2 (LIKE t INCLUDING ALL, extra int)"))
        #expect(like.derivesColumns && like.columns.map(\.name.name) == ["extra"])
        let inherits = try #require(SRT.createTable("CREATE TABLE c (x int) INHERITS (p)"))
        #expect(inherits.derivesColumns && inherits.columns.count == 1)
        let partitioned = try #require(SRT.createTable("CREATE TABLE m (at date NOT NULL) PARTITION BY RANGE (at)"))
        #expect(!partitioned.derivesColumns && partitioned.columns.count == 1)
        let withOptions = try #require(SRT.createTable("CREATE TABLE t (a int) WITH (fillfactor=70) TABLESPACE fast"))
        #expect(withOptions.columns.count == 1)
        let columnsAs = try #require(SRT.createTable("CREATE TABLE t (a, b) AS SELECT 1, 2"))
        #expect(columnsAs.asSelect)
        let empty = try #require(SRT.createTable("CREATE TABLE t ()"))
        #expect(empty.columns.isEmpty && empty.constraints.isEmpty)
    }

    @Test func commentsInsideDefinitions() throws {
        let sql = """
            CREATE TABLE t ( -- the table
              a /* type: */ int /* c */ NOT /* x */ NULL, -- first
              b text DEFAULT 'x' -- last
            )
            """
        let table = try #require(SRT.createTable(sql))
        #expect(table.columns.map(\.name.name) == ["a", "b"])
        #expect(table.columns[0].type == "int" && table.columns[0].notNull)
        #expect(SRT.text(sql, table.columns[0].range) == "a /* type: */ int /* c */ NOT /* x */ NULL")
        #expect(SRT.text(sql, table.columns[1].range) == "b text DEFAULT 'x'")
    }

    @Test func truncatedTablesReturnWhatTheyHave() throws {
        let table = try #require(SRT.createTable("CREATE TABLE t (a int NOT NULL, b varchar(", .postgresql))
        #expect(table.columns.first?.name.name == "a")
        #expect(table.columns.first?.notNull == true)
        #expect(SRT.kind("CREATE TABLE") == .other("create table"))
        #expect(SRT.kind("CREATE TABLE (a int)") == .other("create table"))
        #expect(SRT.createTable("CREATE TABLE IF NOT EXISTS x") != nil)
    }
}

@Suite("StatementReader: positions")
struct StatementReaderPositionTests {
    @Test(arguments: Dialect.allCases)
    func positionsCountCharactersAndHandleCRLF(dialect: Dialect) throws {
        let sql = "CREATE TABLE \"tablé\" (ü int, b int,\r\n  c text)"
        let table = try #require(SRT.createTable(sql, dialect))
        #expect(table.name.name == "tablé")
        #expect(table.name.range.end.column == 21)
        #expect(table.columns.map(\.name.name) == ["ü", "b", "c"])
        #expect(SRT.at(table.columns[0].name.range) == "1:23")
        #expect(table.columns[0].range.end.column == 28)
        #expect(SRT.at(table.columns[1].name.range) == "1:30")
        #expect(SRT.at(table.columns[2].name.range) == "2:3")
        #expect(table.columns[2].range.end == SourceText(sql, dialect: dialect).position(at: sql.utf8.count - 1))
    }
}

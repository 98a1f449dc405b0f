import Foundation
import StrataApply
import StrataCore
import Testing

/// `strata trace`'s engine on a real PostgreSQL database of each test's own: the locks, rewrites
/// and schema changes PostgreSQL shows for each statement.
@Suite("Tracer", .enabled(if: TestPostgres.runs, "no PostgreSQL (run through `make test`)"))
struct TracerTests {
    /// A fresh database, the trace of `inputs` on it, and a connection to look at it after.
    struct Traced {
        let scratch: ScratchDatabase
        let report: TraceReport
        let progress: [String]
        let database: any Database

        func migration(_ id: String) throws -> TracedMigration { try #require(report.migrations.first { $0.id == id }) }
        func count(_ table: String) throws -> Int64? { try database.query("SELECT count(*) FROM \(table)").first?.first?.integer }
    }

    /// `role`: a login role to trace as (given CREATE on the schema), instead of the superuser.
    func trace(_ inputs: [MigrationInput], reported: Set<String>? = nil, rows: Int = 0,
               role: (name: String, password: String)? = nil) throws -> Traced {
        let scratch = try ScratchDatabase(.postgres)
        var database = try scratch.connect()
        if let role {
            try database.execute("GRANT CREATE, USAGE ON SCHEMA public TO \(role.name)")
            var components = try #require(URLComponents(string: scratch.url))
            components.user = role.name
            components.password = role.password
            database = try DatabaseConnector.connect(DatabaseURL(try #require(components.string)))
        }
        let tracer = try Tracer(database: database)
        var lines: [String] = []
        tracer.progress = { lines.append($0) }
        let catalog = MigrationCatalog(inputs, dialect: .postgresql, postgresMajor: database.postgresMajor)
        let report = try tracer.trace(catalog.entries, reported: reported, rows: rows)
        return Traced(scratch: scratch, report: report, progress: lines, database: try scratch.connect())
    }

    static let accounts = migration("0001_accounts", up: """
        CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, owner TEXT,
                               CONSTRAINT balance_positive CHECK (balance >= 0));
        CREATE INDEX accounts_balance_idx ON accounts (balance);
        """)

    @Test func aColumnTypeChangeRewritesTheTableUnderAnAccessExclusiveLock() throws {
        let traced = try trace([Self.accounts, migration("0002_bigint", up: "ALTER TABLE accounts ALTER COLUMN balance TYPE BIGINT;")])
        let statement = try #require(traced.migration("0002_bigint").statements.first)
        #expect(statement.locks.contains(TracedLock(schema: "public", object: "accounts", kind: "table", mode: "AccessExclusiveLock")), "\(statement.locks)")
        #expect(statement.rewrites.contains("public.accounts"))
        // Its index is rebuilt on the new type: a rewrite too, not a drop and a create.
        #expect(statement.rewrites.contains("public.accounts_balance_idx"), "\(statement.rewrites)")
        #expect(statement.changes == [SchemaChange(kind: "column", action: .altered, object: "public.accounts.balance", detail: "type integer -> bigint")])
        #expect(statement.start.line == 4 && statement.start.column == 1)
        #expect(statement.sql == "ALTER TABLE accounts ALTER COLUMN balance TYPE BIGINT")
        #expect(statement.locksSeen)
    }

    @Test func aPlainCreateIndexTakesAShareLockAndRewritesNothing() throws {
        let traced = try trace([Self.accounts, migration("0002_owner_idx", up: "CREATE INDEX accounts_owner_idx ON accounts (owner);")])
        let statement = try #require(traced.migration("0002_owner_idx").statements.first)
        #expect(statement.locks == [TracedLock(schema: "public", object: "accounts", kind: "table", mode: "ShareLock")])
        #expect(statement.rewrites.isEmpty)
        #expect(statement.changes == [SchemaChange(kind: "index", action: .created, object: "public.accounts_owner_idx",
                                                   detail: "CREATE INDEX accounts_owner_idx ON public.accounts USING btree (owner)")])
    }

    @Test func addingAColumnWithoutADefaultLocksButDoesNotRewrite() throws {
        let traced = try trace([Self.accounts, migration("0002_note", up: "ALTER TABLE accounts ADD COLUMN note TEXT;")])
        let statement = try #require(traced.migration("0002_note").statements.first)
        #expect(statement.locks == [TracedLock(schema: "public", object: "accounts", kind: "table", mode: "AccessExclusiveLock")])
        #expect(statement.rewrites.isEmpty)
        #expect(statement.changes == [SchemaChange(kind: "column", action: .created, object: "public.accounts.note", detail: "text")])
    }

    @Test func droppedConstraintsAndIndexesAreChangesAndEachStatementGetsOnlyItsNewLocks() throws {
        let traced = try trace([Self.accounts, migration("0002_loosen", up: """
            ALTER TABLE accounts DROP CONSTRAINT balance_positive;
            DROP INDEX accounts_balance_idx;
            ALTER TABLE accounts ALTER COLUMN owner SET NOT NULL;
            """)])
        let statements = try traced.migration("0002_loosen").statements
        try #require(statements.count == 3)
        #expect(statements[0].changes == [SchemaChange(kind: "constraint", action: .dropped, object: "public.accounts.balance_positive",
                                                       detail: "CHECK ((balance >= 0))")])
        #expect(statements[0].locks.map(\.mode) == ["AccessExclusiveLock"])
        // The dropped index is named from what the trace knew of it; the table's lock was
        // already held, so it is not this statement's.
        #expect(statements[1].locks == [TracedLock(schema: "public", object: "accounts_balance_idx", kind: "index", mode: "AccessExclusiveLock")])
        #expect(statements[1].changes.map(\.object) == ["public.accounts_balance_idx"])
        #expect(statements[1].changes.first?.action == .dropped)
        #expect(statements[2].locks.isEmpty)
        #expect(statements[2].changes == [SchemaChange(kind: "column", action: .altered, object: "public.accounts.owner", detail: "not null added")])
    }

    @Test func locksAreListedOnlyOnObjectsThatExistedBeforeTheMigration() throws {
        let traced = try trace([Self.accounts, migration("0002_ledger", up: """
            CREATE TABLE ledger (id BIGINT PRIMARY KEY, account_id INTEGER REFERENCES accounts (id));
            CREATE INDEX ledger_account_idx ON ledger (account_id);
            ALTER TABLE ledger ADD COLUMN amount BIGINT;
            """)])
        let statements = try traced.migration("0002_ledger").statements
        try #require(statements.count == 3)
        // The foreign key locks the existing parent (and reads it); the new table itself is
        // never listed.
        #expect(statements[0].locks == ["AccessShareLock", "ShareRowExclusiveLock"].map {
            TracedLock(schema: "public", object: "accounts", kind: "table", mode: $0)
        }, "\(statements[0].locks)")
        #expect(statements[0].changes.contains { $0.kind == "table" && $0.action == .created && $0.object == "public.ledger" })
        #expect(statements[1].locks.isEmpty && statements[2].locks.isEmpty)
        #expect(statements[1].changes.map(\.object) == ["public.ledger_account_idx"])
        #expect(statements[2].changes.map(\.object) == ["public.ledger.amount"])
        #expect(statements.allSatisfy { $0.rewrites.isEmpty })
        // The first migration created everything it touched: no locks at all.
        #expect(try traced.migration("0001_accounts").statements.allSatisfy { $0.locks.isEmpty })
    }

    @Test func aConcurrentIndexRunsOutsideATransactionWithItsLocksUnseen() throws {
        let traced = try trace([Self.accounts, migration("0002_concurrently", header: "-- @transaction: false", up: """
            ALTER TABLE accounts ADD COLUMN email TEXT;
            CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);
            """)])
        let migration = try traced.migration("0002_concurrently")
        #expect(!migration.transactional && migration.error == nil)
        try #require(migration.statements.count == 2)
        #expect(migration.statements[0].locksSeen)
        #expect(migration.statements[0].locks.map(\.mode) == ["AccessExclusiveLock"])
        let concurrent = migration.statements[1]
        #expect(!concurrent.locksSeen && concurrent.locks.isEmpty)
        #expect(concurrent.changes == [SchemaChange(kind: "index", action: .created, object: "public.accounts_email_idx",
                                                    detail: "CREATE INDEX accounts_email_idx ON public.accounts USING btree (email)")])
    }

    @Test func statementsAfterADiscardAllAreStillObserved() throws {
        let traced = try trace([Self.accounts, migration("0002_discard", header: "-- @transaction: false", up: """
            DISCARD ALL;
            ALTER TABLE accounts ADD COLUMN email TEXT;
            """), migration("0003_more", up: "ALTER TABLE accounts ADD COLUMN phone TEXT;")])
        let statements = try traced.migration("0002_discard").statements
        try #require(statements.count == 2)
        #expect(!statements[0].locksSeen)
        #expect(statements[1].locks.map(\.mode) == ["AccessExclusiveLock"])
        #expect(try traced.migration("0003_more").statements.first?.changes.map(\.object) == ["public.accounts.phone"])
    }

    @Test func aFailingStatementStopsTheTraceWithItsPlaceAndKeepsWhatRanBefore() throws {
        let traced = try trace([Self.accounts,
                                migration("0002_broken", up: "CREATE TABLE audit (id INTEGER);\nINSERT INTO missing VALUES (1);"),
                                migration("0003_never", up: "CREATE TABLE never (id INTEGER);")])
        #expect(traced.report.migrations.map(\.id) == ["0001_accounts", "0002_broken"])
        #expect(try traced.migration("0001_accounts").error == nil)
        let broken = try traced.migration("0002_broken")
        let error = try #require(broken.error)
        #expect(error.hasPrefix("migrations/0002_broken.sql:5:13: 0002_broken failed: ERROR:  relation \"missing\" does not exist"), "\(error)")
        #expect(broken.statements.map(\.sql) == ["CREATE TABLE audit (id INTEGER)"])
        // Rolled back: the first migration's table stays, the failed one's does not.
        #expect(try traced.count("accounts") == 0)
        #expect(try traced.scratch.tableExists("audit", on: traced.database) == false)
        #expect(try traced.scratch.tableExists("never", on: traced.database) == false)
    }

    @Test func aDeferredConstraintFailingAtCommitStopsTheTrace() throws {
        let traced = try trace([migration("0001_deferred", up: """
            CREATE TABLE parents (id INTEGER PRIMARY KEY);
            CREATE TABLE children (parent_id INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);
            INSERT INTO children VALUES (1);
            """), migration("0002_never", up: "CREATE TABLE never (id INTEGER);")])
        #expect(traced.report.migrations.map(\.id) == ["0001_deferred"])
        let failed = try traced.migration("0001_deferred")
        #expect(failed.statements.count == 3)
        let error = try #require(failed.error)
        #expect(error.hasPrefix("migrations/0001_deferred.sql: 0001_deferred failed at COMMIT: ERROR:  insert or update on table \"children\""), "\(error)")
        #expect(try traced.scratch.tableExists("parents", on: traced.database) == false)
    }

    @Test func migrationsNotAskedForOnlyBuildTheSchema() throws {
        let traced = try trace([Self.accounts, migration("0002_owner", up: "CREATE INDEX accounts_owner_idx ON accounts (owner);"),
                                migration("0003_drop", up: "DROP INDEX accounts_owner_idx;")], reported: ["0003_drop"])
        #expect(traced.report.migrations.map(\.reported) == [false, false, true])
        #expect(try traced.migration("0001_accounts").statements.isEmpty)
        // What the unreported ones built is known to the reported one.
        let statement = try #require(traced.migration("0003_drop").statements.first)
        #expect(statement.locks.contains(TracedLock(schema: "public", object: "accounts_owner_idx", kind: "index", mode: "AccessExclusiveLock")))
        #expect(statement.changes == [SchemaChange(kind: "index", action: .dropped, object: "public.accounts_owner_idx",
                                                   detail: "CREATE INDEX accounts_owner_idx ON public.accounts USING btree (owner)")])
    }

    @Test func rowsFillEveryTableBeforeTheFirstReportedMigration() throws {
        let schema = migration("0001_shop", up: """
            CREATE TYPE kind AS ENUM ('retail', 'wholesale');
            CREATE TABLE customers (id SERIAL PRIMARY KEY, email VARCHAR(40) NOT NULL UNIQUE, kind kind NOT NULL,
                                    joined DATE NOT NULL, active BOOLEAN NOT NULL DEFAULT true, notes JSONB);
            CREATE TABLE orders (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                 customer_id INTEGER NOT NULL REFERENCES customers (id),
                                 code CHAR(6) NOT NULL UNIQUE, total NUMERIC(12, 2) NOT NULL, token UUID NOT NULL UNIQUE,
                                 placed TIMESTAMPTZ NOT NULL, payload BYTEA);
            CREATE TABLE refusing (amount INTEGER NOT NULL CHECK (amount < 0));
            """)
        let traced = try trace([schema, migration("0002_index", up: "CREATE INDEX orders_placed_idx ON orders (placed);")],
                               reported: ["0002_index"], rows: 100)
        #expect(traced.report.rowsPerTable == 100)
        #expect(try traced.count("customers") == 100)
        #expect(try traced.count("orders") == 100)
        #expect(try traced.count("refusing") == 0)
        #expect(traced.progress.contains { $0.contains("public.refusing skipped") }, "\(traced.progress)")
        // Every order points at a customer that exists.
        #expect(try traced.count("orders o JOIN customers c ON c.id = o.customer_id") == 100)
        #expect(try traced.migration("0002_index").error == nil)
    }

    @Test func rowsWithoutSuperuserFillParentsFirstWithValuesTheyHave() throws {
        let admin = try TestPostgres.connect()
        let role = "strata_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let password = UUID().uuidString
        try admin.execute("CREATE ROLE \(role) LOGIN NOSUPERUSER PASSWORD '\(password)'")
        defer { try? admin.execute("DROP ROLE IF EXISTS \(role)") }
        do {
            // The child is older than its parent: catalog order would fill it first.
            let schema = migration("0001_orders", up: """
                CREATE TABLE lines (id SERIAL PRIMARY KEY, order_id INTEGER NOT NULL UNIQUE, sku TEXT NOT NULL UNIQUE);
                CREATE TABLE orders (id INTEGER PRIMARY KEY, placed DATE NOT NULL);
                ALTER TABLE lines ADD FOREIGN KEY (order_id) REFERENCES orders (id);
                """)
            let traced = try trace([schema, migration("0002_qty", up: "ALTER TABLE lines ADD COLUMN qty INTEGER NOT NULL DEFAULT 1;")],
                                   reported: ["0002_qty"], rows: 100, role: (String(role), password))
            #expect(try traced.count("orders") == 100)
            #expect(try traced.count("lines l JOIN orders o ON o.id = l.order_id") == 100)
            #expect(!traced.progress.contains { $0.contains("skipped") }, "\(traced.progress)")
        }
    }

    @Test func oneTracerTracesAgainWhereItStopped() throws {
        let scratch = try ScratchDatabase(.postgres)
        let tracer = try Tracer(database: try scratch.connect())
        let catalog = MigrationCatalog([Self.accounts, migration("0002_note", up: "ALTER TABLE accounts ADD COLUMN note TEXT;")], dialect: .postgresql)
        _ = try tracer.trace([catalog.entries[0]])
        let report = try tracer.trace([catalog.entries[1]])
        #expect(report.migrations.first?.statements.first?.locks.map(\.mode) == ["AccessExclusiveLock"])
    }

    @Test func refusesSQLite() throws {
        let folder = try TemporaryFolder()
        let database = try DatabaseConnector.connect(DatabaseURL("sqlite:" + folder.path("app.db")))
        #expect(throws: ApplyError(.invalidURL, "strata trace runs on PostgreSQL only")) { _ = try Tracer(database: database) }
    }
}

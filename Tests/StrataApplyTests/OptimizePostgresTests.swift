import Foundation
import StrataApply
import StrataCore
import Testing

/// `OptimizeAnalyzer` and `OptimizePlan` on a real PostgreSQL server, each test in a database
/// of its own (so that statistics counters and `stats_reset` are its own too). Without a
/// server these skip locally and fail under CI (`TestPostgres`).
@Suite("Optimize on PostgreSQL", .enabled(if: TestPostgres.runs))
struct OptimizePostgresTests {
    static let schema = migration("0001_init", up: """
        CREATE TABLE customers (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
        CREATE UNIQUE INDEX idx_customers_name ON customers (name);
        CREATE INDEX idx_customers_name_plain ON customers (name);
        CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT REFERENCES customers (id), status TEXT, ref TEXT,
                             note TEXT, placed_at BIGINT, legacy_code TEXT);
        CREATE INDEX idx_orders_status ON orders (status);
        CREATE INDEX idx_orders_status_ref ON orders (status, ref);
        CREATE INDEX idx_orders_ref ON orders (ref);
        CREATE INDEX idx_orders_ref_copy ON orders (ref);
        CREATE INDEX idx_orders_note ON orders (note);
        CREATE INDEX idx_orders_placed_at ON orders (placed_at);
        CREATE INDEX idx_orders_legacy ON orders (legacy_code);
        CREATE TABLE order_items (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL REFERENCES orders (id), qty INT);
        CREATE INDEX idx_order_items_order_id ON order_items (order_id);
        CREATE TABLE audit (kind TEXT, payload TEXT);
        CREATE TABLE events_log (id BIGINT PRIMARY KEY, body TEXT) WITH (autovacuum_enabled = false);
        """, down: "DROP TABLE events_log;\nDROP TABLE audit;\nDROP TABLE order_items;\nDROP TABLE orders;\nDROP TABLE customers;")

    /// Waits until the statistics views show what `condition` asks, after the sessions that
    /// did the work went idle (PostgreSQL 15 flushes a session's counters when it is idle,
    /// `pg_stat_force_next_flush()` asks it to at once; before 15 the collector sends them
    /// every half second).
    static func waitForStatistics(_ db: any Database, _ condition: String) throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if try db.query("SELECT (\(condition))::int").first?.first == .integer(1) { return }
            usleep(100_000)
        }
        Issue.record("statistics never showed \(condition)")
    }

    static func flush(_ db: any Database) throws {
        if let major = Int(db.serverVersion.prefix { $0 != "." }), major >= 15 { try db.execute("SELECT pg_stat_force_next_flush()") }
    }

    /// A database built by `schema` and then used: rows loaded, statistics taken, queries run
    /// on some indexes and not others, a column dropped by hand, a UNIQUE index built
    /// CONCURRENTLY over duplicates (which fails and leaves it invalid), and rows added to a
    /// table after its ANALYZE.
    static func defectiveDatabase() throws -> (ScratchDatabase, Applier, [MigrationFile]) {
        let scratch = try ScratchDatabase(.postgres)
        let files = MigrationCatalog.parse([schema], layout: .strata, dialect: .postgresql)
        let applier = try scratch.applier([schema])
        _ = try applier.up(try #require(try applier.plan().success))
        let observer = try scratch.connect()
        do {
            let loader = try scratch.connect()
            try loader.execute("""
                INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
                INSERT INTO orders SELECT g, 1 + g % 100, 's' || (g % 5), 'r' || g, 'n' || g, g, 'l' FROM generate_series(1, 20000) g;
                INSERT INTO order_items SELECT g, g, 1 FROM generate_series(1, 10) g;
                INSERT INTO audit VALUES ('k', 'p'), ('k', 'q');
                INSERT INTO events_log SELECT g, 'b' FROM generate_series(1, 1000) g;
                ALTER TABLE orders DROP COLUMN legacy_code;
                """)
            try flush(loader)
            try loader.execute("SELECT 1")
        }
        try waitForStatistics(observer, "SELECT n_live_tup = 1000 FROM pg_stat_user_tables WHERE relname = 'events_log'")
        try observer.execute("ANALYZE customers; ANALYZE orders; ANALYZE order_items; ANALYZE audit; ANALYZE events_log")
        #expect(throws: ApplyError.self) { try observer.execute("CREATE UNIQUE INDEX CONCURRENTLY idx_audit_kind ON audit (kind)") }
        do {
            let worker = try scratch.connect()
            try worker.execute("""
                INSERT INTO events_log SELECT g, 'b' FROM generate_series(1001, 1500) g;
                SET enable_seqscan = off;
                SELECT * FROM orders WHERE placed_at = 5;
                SELECT * FROM order_items WHERE order_id = 7;
                RESET enable_seqscan;
                DO $$ BEGIN FOR i IN 1..30 LOOP PERFORM count(*) FROM orders WHERE note LIKE '%zz%'; END LOOP; END $$;
                """)
            try flush(worker)
            try worker.execute("SELECT 1")
        }
        try waitForStatistics(observer, """
            SELECT (SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'events_log') = 500
               AND (SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'idx_orders_placed_at') > 0
               AND (SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'idx_order_items_order_id') > 0
               AND (SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'orders') >= 30
            """)
        return (scratch, applier, files)
    }

    static func analyze(_ db: any Database, _ files: [MigrationFile], schemas: [String] = []) throws -> OptimizeReport {
        var options = OptimizeOptions()
        options.sequentialScanMinimumRows = 5_000
        options.schemas = schemas
        return try OptimizeAnalyzer(database: db, migrations: files, applied: ["0001_init"], options: options).analyze()
    }

    @Test("finds exactly the defects built in, with the statistics behind them")
    func findsTheDefects() throws {
        let (scratch, applier, files) = try Self.defectiveDatabase()
        defer { _ = scratch }
        let report = try Self.analyze(applier.database, files)
        #expect(OptimizeSQLiteTests.described(report) == [
            "fk-without-index orders(customer_id)",
            "redundant-index idx_customers_name_plain",
            "redundant-index idx_orders_ref_copy",
            "redundant-index idx_orders_status",
            "unused-index idx_orders_note",
            "unused-index idx_orders_ref",
            "unused-index idx_orders_status_ref",
            "invalid-index idx_audit_kind",
            "table-without-primary-key audit",
            "sequential-scans orders",
            "stale-statistics events_log",
            "migration-indexed-column-missing idx_orders_legacy",
        ])
        // The UNIQUE index stays; the plain one on the same column is the redundant one.
        let plain = try #require(report.findings.first { $0.index == "idx_customers_name_plain" })
        #expect(plain.details["redundant_to"] == "idx_customers_name")
        let unused = try #require(report.findings.first { $0.index == "idx_orders_note" })
        #expect(unused.details["stats_reset"] == "never reset" && Int(unused.details["size_bytes"] ?? "") ?? 0 > 0)
        #expect(unused.fix?.needsIncludeDrops == true)
        #expect(report.statisticsReset == nil)
        #expect(report.text().contains("statistics: counted since the database began (never reset)"))
        let stale = try #require(report.findings.first { $0.kind == .staleStatistics })
        #expect(stale.details["n_mod_since_analyze"] == "500")
        #expect(report.statementStatistics?.status == .notInstalled)
        #expect(report.text().contains("pg_stat_statements is not installed in this database"))
        let missing = try #require(report.findings.first { $0.kind == .indexedColumnMissing })
        #expect(missing.location == OptimizeFinding.Location(file: "migrations/0001_init.sql", line: 15, column: 43))
        // The analysis left the session as it found it: writable.
        try applier.database.execute("INSERT INTO audit VALUES ('after', 'analysis')")
    }

    @Test("the plan creates CONCURRENTLY, drops unused indexes only with --include-drops, and its DOWN undoes its UP")
    func plan() throws {
        let (scratch, applier, files) = try Self.defectiveDatabase()
        defer { _ = scratch }
        let db = applier.database
        let report = try Self.analyze(db, files)
        let plan = OptimizePlan(report, includeDrops: false)
        #expect(plan.up == [
            "CREATE INDEX CONCURRENTLY idx_orders_customer_id ON orders (customer_id)",
            "DROP INDEX CONCURRENTLY IF EXISTS idx_customers_name_plain",
            "DROP INDEX CONCURRENTLY IF EXISTS idx_orders_ref_copy",
            "DROP INDEX CONCURRENTLY IF EXISTS idx_orders_status",
            "ANALYZE events_log",
        ])
        #expect(plan.withheld.map { $0.fix.index ?? "" } == ["idx_orders_note", "idx_orders_ref", "idx_orders_status_ref"])
        #expect(!plan.transactional)
        #expect(OptimizeMigrationWriter.contents(plan, now: Date()).contains("-- @transaction: false\n"))
        let withDrops = OptimizePlan(report, includeDrops: true)
        #expect(withDrops.withheld.isEmpty)
        #expect(withDrops.up.filter { $0.hasPrefix("DROP") }.count == 6)

        let before = try SchemaSnapshot.take(of: db)
        for statement in withDrops.up { try db.execute(statement) }
        let after = try Self.analyze(db, files)
        #expect(!after.findings.contains { $0.fix != nil }, "\(OptimizeSQLiteTests.described(after))")
        for statement in withDrops.down { try db.execute(statement) }
        #expect(try SchemaSnapshot.take(of: db) == before)
    }

    @Test("names in other schemas are qualified and quoted, long names cut to 63 bytes, --schema limits the analysis")
    func schemasAndNames() throws {
        let scratch = try ScratchDatabase(.postgres)
        let db = try scratch.connect()
        let long = String(repeating: "very_long_table_name_", count: 3)
        try db.execute("""
            CREATE SCHEMA "Sales Team";
            CREATE TABLE "Sales Team".accounts (id BIGINT PRIMARY KEY);
            CREATE TABLE "Sales Team"."Orders" (id BIGINT PRIMARY KEY, account_id BIGINT REFERENCES "Sales Team".accounts (id));
            CREATE TABLE public.\(long) (id BIGINT PRIMARY KEY, account_identifier_column BIGINT REFERENCES "Sales Team".accounts (id));
            CREATE TABLE public.unrelated (x INT);
            """)
        let scoped = try Self.analyze(db, [], schemas: ["Sales Team"])
        #expect(scoped.findings.compactMap(\.fix).map(\.up) == [
            "CREATE INDEX CONCURRENTLY idx_orders_account_id ON \"Sales Team\".\"Orders\" (account_id)",
        ])
        #expect(scoped.findings.map(\.table) == ["Sales Team.Orders"])
        let all = try Self.analyze(db, [])
        let longFix = try #require(all.findings.compactMap(\.fix).first { $0.table == long })
        let name = try #require(longFix.index)
        #expect(name.utf8.count == 63 && name.hasPrefix("idx_very_long_table_name_"))
        #expect(all.findings.contains { $0.kind == .tableWithoutPrimaryKey && $0.table == "unrelated" })
        for fix in all.findings.compactMap(\.fix) { try db.execute(fix.up) }
        #expect(try Self.analyze(db, []).findings.map(\.kind) == [.tableWithoutPrimaryKey])
    }

    @Test("statistics reset and pg_stat_statements installed but not loaded are reported, not fatal")
    func statisticsSources() throws {
        let scratch = try ScratchDatabase(.postgres)
        let db = try scratch.connect()
        try db.execute("CREATE TABLE things (id BIGINT PRIMARY KEY); SELECT pg_stat_reset(); CREATE EXTENSION pg_stat_statements")
        let report = try Self.analyze(db, [])
        let reset = try #require(report.statisticsReset)
        #expect(report.text().contains("statistics: counted since \(reset) (last reset)"))
        let statements = try #require(report.statementStatistics)
        // The test server does not preload the library, so reading the view fails: said, not thrown.
        #expect(statements.status == .unreadable)
        #expect(statements.note.contains("shared_preload_libraries"))
        #expect(report.findings.isEmpty)
    }

    @Test("mixed-case quoted names (Prisma's) stay quoted: the plan runs on PostgreSQL, and its DOWN undoes it")
    func quotedMixedCaseNames() throws {
        let scratch = try ScratchDatabase(.postgres)
        let db = try scratch.connect()
        try db.execute("""
            CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL);
            CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "authorId" INTEGER NOT NULL, "title" TEXT NOT NULL,
                                 CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id"));
            CREATE UNIQUE INDEX "Post_title_key" ON "Post"("title");
            CREATE INDEX "Post_title_idx" ON "Post"("title");
            """)
        let report = try Self.analyze(db, [])
        let plan = OptimizePlan(report, includeDrops: false)
        #expect(plan.up == [
            "CREATE INDEX CONCURRENTLY idx_post_authorid ON \"Post\" (\"authorId\")",
            "DROP INDEX CONCURRENTLY IF EXISTS \"Post_title_idx\"",
        ])
        let missing = try #require(report.findings.first { $0.kind == .foreignKeyWithoutIndex })
        #expect(missing.why.hasPrefix("each DELETE of a row of User, or change of its key, reads all of Post"))
        let before = try SchemaSnapshot.take(of: db)
        for statement in plan.up { try db.execute(statement) }
        let after = try Self.analyze(db, [])
        #expect(!after.findings.contains { $0.fix?.needsIncludeDrops == false }, "\(OptimizeSQLiteTests.described(after))")
        for statement in plan.down { try db.execute(statement) }
        #expect(try SchemaSnapshot.take(of: db) == before)
    }
}

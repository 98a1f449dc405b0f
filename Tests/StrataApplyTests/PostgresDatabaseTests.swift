import Foundation
import StrataApply
import Testing

@Suite("PostgreSQL driver", .enabled(if: TestPostgres.runs, "no PostgreSQL (DATABASE_URL unset; make test starts one)"))
struct PostgresDatabaseTests {
    @Test func connectsAndReportsTheVersion() throws {
        let db = try TestPostgres.connect()
        #expect(db.dialect == .postgresql)
        #expect(db.serverVersion.hasPrefix("15."))
    }

    @Test func valuesRoundTripAsParameters() throws {
        try TestPostgres.withSchema { db, _ in
            try db.execute("CREATE TABLE v (i bigint, d double precision, t text, b bytea, n text, f boolean)")
            try db.query("INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6)",
                         [.integer(-42), .double(1.5), .text("héllo 'quoted' ✓"), .blob([0, 1, 255]), .null, .text("true")])
            let rows = try db.query("SELECT i, d, t, encode(b, 'hex'), n, f FROM v")
            #expect(rows == [[.integer(-42), .double(1.5), .text("héllo 'quoted' ✓"), .text("0001ff"), .null, .integer(1)]])
        }
    }

    /// A migration's statements go to the server in one message; the one that fails is named
    /// by its index, whatever it is (the third here), and the connection stays usable after
    /// COPY statements that have no data to exchange.
    @Test func statementsSentTogetherReportTheOneThatFailed() throws {
        try TestPostgres.withSchema { db, _ in
            try db.execute("BEGIN")
            let statements = ["CREATE TABLE a (x int) -- a trailing comment", "INSERT INTO a VALUES (1), (2)",
                              "INSERT INTO a VALUES ('not a number')", "CREATE TABLE never (x int)"]
            let failed = try #require(db.execute(statements: statements))
            #expect(failed.unit == 2)
            #expect(failed.error.statement == statements[2])
            #expect(failed.error.message.contains("invalid input syntax for type integer"), "\(failed.error.message)")
            try db.execute("ROLLBACK")
            try db.execute("BEGIN")
            #expect(db.execute(statements: Array(statements[0...1]) + ["COPY a TO STDOUT", "SELECT count(*) FROM a"]) == nil)
            #expect(try db.query("SELECT sum(x) FROM a") == [[.integer(3)]])
            let copy = try #require(db.execute(statements: ["INSERT INTO a VALUES (3)", "COPY a FROM STDIN", "SELECT 1"]))
            #expect(copy.unit == 1 && copy.error.message.contains("COPY ... FROM STDIN with no input"), "\(copy.error.message)")
            try db.execute("ROLLBACK")
            #expect(try db.query("SELECT to_regclass('a') IS NULL") == [[.integer(1)]])
        }
    }

    /// A unit of several statements (a block) has a result per statement: a failure is placed
    /// in the unit it belongs to, at its statement, and the error's position in the message is
    /// given back as an offset in that unit (here past a multi-byte character).
    @Test func aFailureInsideABlockIsPlacedInItsUnit() throws {
        try TestPostgres.withSchema { db, _ in
            try db.execute("BEGIN")
            let block = "CREATE TABLE b (x text);\nINSERT INTO b VALUES ('é');\nINSERT INTO missing_table VALUES (1)"
            let failed = try #require(db.execute(units: [SQLUnit("CREATE TABLE a (x int)"), SQLUnit(block, statements: 3),
                                                         SQLUnit("SET SESSION AUTHORIZATION DEFAULT")]))
            #expect(failed.unit == 1 && failed.statement == 2)
            let offset = try #require(failed.offset)
            #expect(Array(block.utf8)[offset...].starts(with: Array("missing_table".utf8)), "\(offset)")
            #expect(failed.error.message.contains("missing_table"))
            try db.execute("ROLLBACK")
            // No position (a duplicate key): the count alone places it.
            try db.execute("BEGIN")
            let duplicate = try #require(db.execute(units: [SQLUnit("CREATE TABLE u (id int PRIMARY KEY); INSERT INTO u VALUES (1)", statements: 2),
                                                            SQLUnit("SELECT 1"),
                                                            SQLUnit("INSERT INTO u VALUES (2); INSERT INTO u VALUES (1)", statements: 2)]))
            #expect(duplicate.unit == 2 && duplicate.statement == 1 && duplicate.offset == nil, "\(duplicate)")
            try db.execute("ROLLBACK")
        }
    }

    /// The error is the server's, with its DETAIL and HINT, but without libpq's `LINE n:`
    /// excerpt: that line counts the text sent (several statements joined), not the file.
    @Test func errorsKeepDetailAndHintButNotTheSentTextsLine() throws {
        try TestPostgres.withSchema { db, _ in
            try db.execute("CREATE TABLE u (id int PRIMARY KEY, name text); INSERT INTO u VALUES (1, 'a')")
            let missing = try #require(db.execute(units: [SQLUnit("INSERT INTO u VALUES (2, 'b');\nSELECT nam FROM u", statements: 2)]))
            #expect(missing.error.message.hasPrefix("ERROR:  column \"nam\" does not exist"), "\(missing.error.message)")
            #expect(missing.error.message.contains("HINT:  Perhaps you meant to reference the column \"u.name\""), "\(missing.error.message)")
            #expect(!missing.error.message.contains("LINE ") && !missing.error.message.contains("^"), "\(missing.error.message)")
            let duplicate = try #require(db.execute(units: [SQLUnit("INSERT INTO u VALUES (1, 'b')")]))
            #expect(duplicate.error.message.contains("DETAIL:  Key (id)=(1) already exists"), "\(duplicate.error.message)")
            #expect(duplicate.error.code == "23505")
        }
    }

    @Test func parametersAreNeverSQL() throws {
        try TestPostgres.withSchema { db, _ in
            try db.execute("CREATE TABLE ids (id text); CREATE TABLE keep (x int); INSERT INTO keep VALUES (1)")
            let hostile = "0001'); DROP TABLE keep; --"
            try db.query("INSERT INTO ids VALUES (\(db.placeholder(1)))", [.text(hostile)])
            #expect(try db.query("SELECT id FROM ids") == [[.text(hostile)]])
            #expect(try db.query("SELECT count(*) FROM keep") == [[.integer(1)]])
        }
    }

    @Test func failuresCarrySQLState() throws {
        try TestPostgres.withSchema { db, _ in
            do {
                try db.execute("SELECT * FROM missing_table")
                Issue.record("no error")
            } catch let error as ApplyError {
                #expect(error.kind == .statement)
                #expect(error.code == "42P01")
                #expect(error.message.contains("relation \"missing_table\" does not exist"))
            }
        }
    }

    @Test func wrongPasswordIsAClearErrorWithoutThePassword() throws {
        let secret = "wr0ng-" + UUID().uuidString
        do {
            _ = try DatabaseConnector.connect(DatabaseURL(try TestPostgres.url(withPassword: secret)))
            Issue.record("connected with a wrong password")
        } catch let error as ApplyError {
            #expect(error.kind == .connection)
            #expect(error.message.contains("password authentication failed"), "\(error.message)")
            #expect(error.message.contains(":***@"))
            #expect(!error.message.contains(secret))
        }
    }

    /// A short password ("re" is in "refused", "on" in "connection") is redacted from the URL
    /// the message shows, and the server's and libpq's words stay readable.
    @Test(arguments: ["re", "on"])
    func aShortPasswordLeavesTheMessagesReadable(_ secret: String) throws {
        do {
            _ = try DatabaseConnector.connect(DatabaseURL(try TestPostgres.url(withPassword: secret)))
            Issue.record("connected with a wrong password")
        } catch let error as ApplyError {
            #expect(error.message.hasPrefix("cannot connect to postgresql://postgres:***@127.0.0.1:"), "\(error.message)")
            #expect(error.message.contains("connection to server at \"127.0.0.1\""), "\(error.message)")
            #expect(error.message.contains("FATAL:  password authentication failed for user \"postgres\""), "\(error.message)")
            #expect(!error.message.contains(":\(secret)@") && !error.message.contains("***fused"), "\(error.message)")
        }
        var closed = try #require(URLComponents(string: try TestPostgres.url(withPassword: secret)))
        closed.port = 1   // nothing listens there
        do {
            _ = try DatabaseConnector.connect(DatabaseURL(try #require(closed.string)))
            Issue.record("connected to port 1")
        } catch let error as ApplyError {
            #expect(error.message.hasPrefix("cannot connect to postgresql://postgres:***@127.0.0.1:1/"), "\(error.message)")
            #expect(error.message.contains("connection to server at \"127.0.0.1\", port 1 failed: Connection refused"), "\(error.message)")
            #expect(!error.message.contains(":\(secret)@"), "\(error.message)")
        }
    }

    @Test func unreachableServerAndMissingDatabase() throws {
        let url = try TestPostgres.requireURL()
        var components = try #require(URLComponents(string: url))
        components.port = 1   // nothing listens there
        let password = components.password ?? ""
        do {
            _ = try DatabaseConnector.connect(DatabaseURL(try #require(components.string)))
            Issue.record("connected to port 1")
        } catch let error as ApplyError {
            #expect(error.kind == .connection)
            #expect(error.message.contains("Connection refused"), "\(error.message)")
            #expect(password.isEmpty || !error.message.contains(password))
        }
        var missing = try #require(URLComponents(string: url))
        missing.path = "/no_such_database_here"
        do {
            _ = try DatabaseConnector.connect(DatabaseURL(try #require(missing.string)))
            Issue.record("connected to a missing database")
        } catch let error as ApplyError {
            #expect(error.message.contains("database \"no_such_database_here\" does not exist"), "\(error.message)")
            #expect(password.isEmpty || !error.message.contains(password))
        }
    }

    @Test func waitGivesUpOnAServerThatNeverComes() throws {
        var components = try #require(URLComponents(string: try TestPostgres.requireURL()))
        components.port = 1
        let started = ContinuousClock.now
        #expect(throws: ApplyError.self) {
            try DatabaseConnector.connect(DatabaseURL(try #require(components.string)), wait: .milliseconds(600))
        }
        #expect(ContinuousClock.now - started >= .milliseconds(500))
    }
}

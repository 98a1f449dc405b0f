import Foundation
import StrataApply
import Testing

@Suite("SQLite driver")
struct SQLiteDatabaseTests {
    @Test func createsTheFileAndItsFolder() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("nested/dir/app.db")
        let db = try DatabaseConnector.connect(DatabaseURL("sqlite:" + path))
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(db.serverVersion.hasPrefix("3."))
    }

    @Test func valuesRoundTripAsParameters() throws {
        let db = try DatabaseConnector.connect(DatabaseURL("sqlite::memory:"))
        try db.execute("CREATE TABLE v (i INTEGER, d REAL, t TEXT, b BLOB, n TEXT)")
        let values: [DatabaseValue] = [.integer(-42), .double(1.5), .text("héllo 'quoted' ✓"), .blob([0, 1, 255]), .null]
        try db.query("INSERT INTO v VALUES (?1, ?2, ?3, ?4, ?5)", values)
        #expect(try db.query("SELECT i, d, t, b, n FROM v") == [values])
    }

    /// `query` keeps its statements prepared between calls: they must see schema changes made
    /// in between, and a failed step must not leave one mid-read (which would keep a lock).
    @Test func preparedStatementsFollowSchemaChangesAndEndTheirReads() throws {
        let folder = try TemporaryFolder()
        let url = try DatabaseURL("sqlite:" + folder.path("p.db"))
        let db = try DatabaseConnector.connect(url)
        try db.execute("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2)")
        let select = "SELECT * FROM t ORDER BY 1"
        #expect(try db.query(select) == [[.integer(1)], [.integer(2)]])
        try db.execute("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'")
        #expect(try db.query(select) == [[.integer(1), .text("x")], [.integer(2), .text("x")]])
        try db.execute("DROP TABLE t")
        #expect(throws: ApplyError.self) { try db.query(select) }
        try db.execute("CREATE TABLE t (a INTEGER)")
        #expect(try db.query(select).isEmpty)
        // Bindings do not leak from one call to the next.
        try db.query("INSERT INTO t VALUES (?1)", [.integer(7)])
        try db.query("INSERT INTO t VALUES (?1)", [])
        #expect(try db.query("SELECT a FROM t ORDER BY a") == [[.null], [.integer(7)]])
        // A statement stopped by an error holds no read: another connection can write.
        #expect(throws: ApplyError.self) { try db.query("SELECT a, 1 / 0 + abs(-9223372036854775808) FROM t") }
        let other = try DatabaseConnector.connect(url)
        try other.execute("PRAGMA busy_timeout = 0; INSERT INTO t VALUES (8)")
        #expect(try db.query("SELECT count(*) FROM t") == [[.integer(3)]])
        #expect(throws: ApplyError.self) { try db.query("-- only a comment") }
    }

    @Test func parametersAreNeverSQL() throws {
        let db = try DatabaseConnector.connect(DatabaseURL("sqlite::memory:"))
        try db.execute("CREATE TABLE ids (id TEXT); CREATE TABLE keep (x INTEGER); INSERT INTO keep VALUES (1)")
        let hostile = "0001'); DROP TABLE keep; --"
        try db.query("INSERT INTO ids VALUES (\(db.placeholder(1)))", [.text(hostile)])
        #expect(try db.query("SELECT id FROM ids") == [[.text(hostile)]])
        #expect(try db.query("SELECT count(*) FROM keep") == [[.integer(1)]])
    }

    @Test func failuresCarryTheStatementAndMessage() throws {
        let db = try DatabaseConnector.connect(DatabaseURL("sqlite::memory:"))
        do {
            try db.execute("CREATE TABLE a (id INT); INSERT INTO missing VALUES (1)")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .statement)
            #expect(error.message == "no such table: missing")
            #expect(error.statement?.contains("INSERT INTO missing") == true)
        }
    }

    @Test func aFileThatIsNotADatabaseIsAConnectionError() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("garbage.db")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect {
            try DatabaseConnector.connect(DatabaseURL("sqlite:" + path))
        } throws: { error in
            (error as? ApplyError)?.kind == .connection && (error as? ApplyError)?.message.contains("file is not a database") == true
        }
    }
}

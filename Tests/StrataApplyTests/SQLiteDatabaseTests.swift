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

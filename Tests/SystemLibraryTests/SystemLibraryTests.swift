import CGit2
import CLibPQ
import CSQLite
import Testing

/// The C libraries the history and apply features build on link and answer. `make deps`
/// installs their development packages; a missing one fails here, not in a later feature.
@Suite("System libraries")
struct SystemLibraryTests {
    @Test func libgit2() {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        #expect(git_libgit2_version(&major, &minor, &revision) == 0)
        #expect(major >= 1)
    }

    @Test func sqlite() {
        #expect(sqlite3_libversion_number() >= 3_035_000, "DROP COLUMN needs SQLite 3.35")
        var db: OpaquePointer?
        #expect(sqlite3_open(":memory:", &db) == SQLITE_OK)
        #expect(sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
    }

    @Test func libpq() {
        #expect(PQlibVersion() >= 100_000)
    }
}

import CGit2
import CLibPQ
import CLibraryLoader
import CSQLite
import Foundation
import Testing

/// The C libraries the history and apply features build on load and answer. `make deps`
/// installs their development packages; a missing one fails here, not in a later feature.
/// SQLite is linked; libgit2 and libpq are loaded by CLibraryLoader on their first call, so
/// each test here goes through that loading and then calls the real library.
@Suite("System libraries")
struct SystemLibraryTests {
    @Test func libgit2() {
        #expect(git_libgit2_init() >= 1)
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        #expect(git_libgit2_version(&major, &minor, &revision) == 0)
        #expect(major >= 1)
        #expect(strata_git_disable_strict_hash_verification() == 0)
        // A real libgit2 call that fails, and the error it leaves for this thread.
        var repository: OpaquePointer?
        #expect(git_repository_open_ext(&repository, "/nonexistent/strata", 0, nil) == GIT_ENOTFOUND.rawValue)
        #expect(repository == nil)
        let message = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } }
        #expect(message?.contains("/nonexistent/strata") == true, "\(message ?? "no error")")
    }

    /// `strata` caps glibc's malloc arenas at start through this shim: on glibc it must reach
    /// the real mallopt (a guard that compiled it out would return 0). The cap set here is
    /// glibc's own default on this machine, so the test process keeps its arenas.
    @Test func mallocArenaLimit() {
        #if canImport(Glibc)
        let defaultArenas = Int32(8 * ProcessInfo.processInfo.activeProcessorCount)
        #expect(strata_limit_malloc_arenas(defaultArenas) == 1)
        #endif
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
        // A connection that cannot succeed (nothing listens on port 1 of the loopback address)
        // goes through libpq's connection code and comes back with libpq's own message.
        let keywords = ["host", "port", "dbname", "connect_timeout"]
        let values = ["127.0.0.1", "1", "strata", "5"]
        let conn = withCStrings(keywords) { k in withCStrings(values) { v in PQconnectdbParams(k, v, 0) } }
        defer { PQfinish(conn) }
        #expect(conn != nil)
        #expect(PQstatus(conn) == CONNECTION_BAD)
        let message = String(cString: PQerrorMessage(conn))
        #expect(message.contains("127.0.0.1") && message.contains("port 1"), "\(message)")
    }

    /// Null-terminated C string arrays for libpq's keyword/value parameters.
    private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

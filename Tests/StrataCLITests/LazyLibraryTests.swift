#if os(Linux)
import Foundation
import Testing

/// libpq and libgit2 are not linked but loaded on their first call (Sources/CLibraryLoader):
/// `strata lint` and `strata --version` start without them, and the commands that use them
/// load them. `LD_DEBUG=libs` makes the dynamic loader name on stderr every library it opens,
/// those opened with dlopen included.
@Suite("Lazily loaded libraries")
struct LazyLibraryTests {
    static let trace = ["LD_DEBUG": "libs"]

    /// The libraries the loader reported opening ("find library=libpq.so.5 [0]; searching").
    static func opened(_ outcome: CLI.Outcome) -> Set<String> {
        var names = Set<String>()
        for line in outcome.stderr.split(separator: "\n") {
            guard let start = line.range(of: "find library=") else { continue }
            names.insert(String(line[start.upperBound...].prefix { $0 != " " }))
        }
        return names
    }

    static func opens(_ names: Set<String>, _ library: String) -> Bool {
        names.contains { $0.hasPrefix(library + ".") }
    }

    @Test func lintAndVersionLoadNeither() throws {
        let p = try Project()
        try p.write("migrations/0001_users.sql", Fixtures.table("users"))
        let lint = try p.run("lint", "migrations/0001_users.sql", environment: Self.trace)
        #expect(lint.status == 0, "\(lint.stderr)")
        let version = try p.run("--version", environment: Self.trace)
        #expect(version.status == 0)
        #expect(!version.stdout.isEmpty)
        for outcome in [lint, version] {
            let names = Self.opened(outcome)
            // The trace works: libc and the linked SQLite are there.
            #expect(Self.opens(names, "libc.so") && Self.opens(names, "libsqlite3.so"), "\(names.sorted())")
            #expect(!Self.opens(names, "libpq.so"), "\(names.sorted())")
            #expect(!Self.opens(names, "libgit2.so"), "\(names.sorted())")
        }
    }

    @Test func aPostgreSQLCommandLoadsLibpq() throws {
        let p = try Project()
        try p.write("migrations/0001_users.sql", Fixtures.table("users"))
        // Nothing listens on port 1 of the loopback address: libpq is loaded, then refused.
        let status = try p.run("status", "--database", "postgres://strata@127.0.0.1:1/strata", environment: Self.trace)
        #expect(status.status == 2)
        #expect(status.stderr.contains("strata: error: cannot connect to postgres://strata@127.0.0.1:1/strata"), "\(status.stderr)")
        let names = Self.opened(status)
        #expect(Self.opens(names, "libpq.so"), "\(names.sorted())")
        #expect(!Self.opens(names, "libgit2.so"), "\(names.sorted())")
    }

    @Test func checkLoadsLibgit2() throws {
        let repo = try GitFixture.withAppliedMigrations()
        let check = try repo.strata("check", environment: Self.trace)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let names = Self.opened(check)
        #expect(Self.opens(names, "libgit2.so"), "\(names.sorted())")
        #expect(!Self.opens(names, "libpq.so"), "\(names.sorted())")
    }
}
#endif

import Foundation
import Testing

/// What a PostgreSQL session carries between migrations: Strata's own settings, and the ones a
/// migration makes.
@Suite("strata up: the PostgreSQL session", .enabled(if: Backend.postgresRuns))
struct ApplySessionTests {
    /// The application name goes to the server as a connection parameter, never as SQL text:
    /// a user name that would end a string literal (with `standard_conforming_strings` off, a
    /// backslash escapes the quote) stays data.
    @Test func theApplicationNameIsAConnectionParameter() throws {
        let p = try ApplyProject(.postgres)
        try p.write("migrations/0001_canary.sql", Fixtures.migration(up: "CREATE TABLE canary (x INT);", down: "DROP TABLE canary;"))
        try p.write("migrations/0002_seen.sql", Fixtures.migration(
            up: "CREATE TABLE seen AS SELECT current_setting('application_name') AS app;", down: "DROP TABLE seen;"))
        let user = "x\\'; DROP TABLE canary; --"
        let url = p.url + "?options=-c%20standard_conforming_strings%3Doff"
        let up = try CLI.run(["up", "--database", url], in: p.project.root, environment: ["USER": user])
        #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
        #expect(try p.tableExists("canary"))
        let seen = try p.column("SELECT app FROM seen")
        #expect(seen.first?.hasPrefix("strata up \(user)@") == true, "\(seen)")
    }
}

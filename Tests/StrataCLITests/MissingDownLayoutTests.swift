import Foundation
import Testing

/// `missing-down` through the CLI: where the tool makes DOWN optional it warns (exit 0), and
/// `missing-down: error` in strata.yml makes it fail the run again.
@Suite("missing-down per layout: commands")
struct MissingDownLayoutTests {
    @Test func gooseWithoutDownWarnsUnlessStrataYmlSaysError() throws {
        let project = try Project()
        try project.write("migrations/00001_users.sql", "-- +goose Up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- +goose Down\n")
        let warned = try project.run("lint", "--layout", "goose", "migrations")
        #expect(warned.status == 0, "\(warned.stdout)\(warned.stderr)")
        #expect(warned.stdout.contains("warning: the DOWN SQL holds no statement [missing-down]"), "\(warned.stdout)")
        try project.write("strata.yml", "layout: goose\nrules:\n  missing-down: error\n")
        let failed = try project.run("lint", "migrations")
        #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stdout.contains("error: the DOWN SQL holds no statement [missing-down]"), "\(failed.stdout)")
    }

    @Test func strataLayoutWithoutDownIsStillAnError() throws {
        let project = try Project()
        try project.write("migrations/0001_users.sql", Fixtures.migration(up: "CREATE TABLE users (id INTEGER PRIMARY KEY);", down: "")
            .replacingOccurrences(of: "-- DOWN MIGRATION\n", with: ""))
        let outcome = try project.run("lint", "migrations")
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("error: no DOWN MIGRATION section [missing-down]"), "\(outcome.stdout)")
    }
}

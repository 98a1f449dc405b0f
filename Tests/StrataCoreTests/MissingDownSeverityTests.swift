import Foundation
import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// `missing-down` follows what the layout's tool accepts: a warning where a migration may go
/// without DOWN SQL (goose, golang-migrate, Flyway), an error in Strata's own layout and the
/// others; a severity set in strata.yml wins everywhere.
@Suite("missing-down severity per layout")
struct MissingDownSeverityTests {
    /// The `missing-down` findings of linting `files` (relative path → text) in `layout`.
    func missingDown(_ layout: LayoutKind, _ files: [String: String], settings: [String: RuleSetting] = [:],
                     preset: Preset = .recommended) throws -> [Diagnostic] {
        let folder = try LayoutFolder(files)
        var linter = Linter(rules: AllRules.instances(), settings: settings, dialect: .postgresql, layout: layout)
        linter.preset = preset
        return try linter.lint(paths: [folder.root]).diagnostics.filter { $0.rule == "missing-down" }
    }

    static let goose = [
        "00001_users.sql": "-- +goose Up\nCREATE TABLE users (id BIGINT PRIMARY KEY);\n-- +goose Down\n",
        "00002_posts.sql": "-- +goose Up\nCREATE TABLE posts (id BIGINT PRIMARY KEY);\n",
    ]
    static let golangMigrate = [
        "1_users.up.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\n",
        "2_posts.up.sql": "CREATE TABLE posts (id BIGINT PRIMARY KEY);\n",
        "2_posts.down.sql": "-- nothing\n",
    ]

    @Test func aWarningWhereTheToolMakesDownOptional() throws {
        // goose: an empty Down section and none at all.
        let goose = try missingDown(.goose, Self.goose)
        #expect(goose.count == 2)
        #expect(goose.allSatisfy { $0.severity == .warning }, "\(goose.map(\.severity))")
        // golang-migrate: no down file, and an empty one.
        let golang = try missingDown(.golangMigrate, Self.golangMigrate)
        #expect(golang.count == 2)
        #expect(golang.allSatisfy { $0.severity == .warning }, "\(golang.map(\.severity))")
        // Flyway: no undo file.
        let flyway = try missingDown(.flyway, ["V1__users.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\n"])
        #expect(flyway.map(\.severity) == [.warning])
    }

    @Test func anErrorInStrataAndTheOtherLayouts() throws {
        let strata = try missingDown(.strata, ["0001_users.sql": """
            -- @name: Users
            -- @description: The users table
            -- @timestamp: 2024-01-01T00:00:00Z
            -- @rollbackSafe: true
            -- @performanceImpact: low
            -- @dependencies: []

            -- UP MIGRATION
            CREATE TABLE users (id BIGINT PRIMARY KEY);

            """])
        #expect(strata.map(\.severity) == [.error])
        let dbmate = try missingDown(.dbmate, ["20240101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id BIGINT PRIMARY KEY);\n"])
        #expect(dbmate.map(\.severity) == [.error])
        let diesel = try missingDown(.diesel, ["2024-01-01-000000_users/up.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\n",
                                               "2024-01-01-000000_users/down.sql": "\n"])
        #expect(diesel.map(\.severity) == [.error])
    }

    @Test func aSeverityFromStrataYmlWins() throws {
        let asError = try missingDown(.goose, Self.goose, settings: ["missing-down": .error])
        #expect(asError.count == 2 && asError.allSatisfy { $0.severity == .error }, "\(asError.map(\.severity))")
        let flyway = try missingDown(.flyway, ["V1__users.sql": "CREATE TABLE users (id BIGINT PRIMARY KEY);\n"],
                                     settings: ["missing-down": .error])
        #expect(flyway.map(\.severity) == [.error])
        #expect(try missingDown(.golangMigrate, Self.golangMigrate, settings: ["missing-down": .off]).isEmpty)
        // `preset: strict` makes every rule an error, this one on every layout.
        let strict = try missingDown(.golangMigrate, Self.golangMigrate, preset: .strict)
        #expect(strict.count == 2 && strict.allSatisfy { $0.severity == .error })
    }

    @Test func theDefaultIsAPropertyOfTheLayout() {
        #expect(LayoutKind.allCases.filter(\.downIsOptional) == [.goose, .golangMigrate, .flyway, .sqlx, .prisma, .drizzle, .atlas, .sqlMigrate, .liquibaseSQL])
        let rule = MissingDownRule.description
        #expect(rule.defaultSeverity == .error)
        for layout in LayoutKind.allCases {
            #expect(rule.defaultSeverity(on: layout) == (layout.downIsOptional ? .warning : .error), "\(layout)")
            let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: layout)
            #expect(linter.severity(of: rule) == rule.defaultSeverity(on: layout), "\(layout)")
        }
        // Rules without a layout default keep theirs everywhere.
        #expect(UnindexedColumnRule.description.defaultSeverity(on: .goose) == .warning)
    }
}

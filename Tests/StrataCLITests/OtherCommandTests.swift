import Foundation
import Testing

@Suite("strata new, rules, explain, help")
struct OtherCommandTests {
    @Test func newWritesTheNextNumberedFile() throws {
        let p = try Project()
        try p.write("migrations/0007_old.sql", Fixtures.migration(up: "SELECT 1;"))
        try p.write("migrations/notes.txt", "not a migration 9999")
        let outcome = try p.run("new", "Add user avatars!", "--description", "Avatars for profiles")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "created migrations/0008_add_user_avatars.sql\n")
        let text = try p.read("migrations/0008_add_user_avatars.sql")
        #expect(text.hasPrefix("-- @name: Add user avatars!\n-- @description: Avatars for profiles\n-- @timestamp: "))
        #expect(text.contains("-- @rollbackSafe: true\n-- @performanceImpact: low\n-- @dependencies: []\n"))
        #expect(text.contains("-- UP MIGRATION\n") && text.contains("-- DOWN MIGRATION\n"))
        // A fresh file has a complete, valid header; only its empty DOWN is reported.
        let lint = try p.run("lint", "--format", "json", "migrations/0008_add_user_avatars.sql")
        #expect(lint.stdout.contains("\"rule\":\"missing-down\""))
        #expect(!lint.stdout.contains("metadata"))
        #expect(try p.run("new", "second").stdout == "created migrations/0009_second.sql\n")
    }

    @Test func newStartsAtOneAndRefusesEmptyNames() throws {
        let p = try Project()
        #expect(try p.run("new", "init").stdout == "created migrations/0001_init.sql\n")
        #expect(try p.run("new", "!!!").status == 64)
        #expect(try p.run("new", "Ünïcode naïve café!").stdout == "created migrations/0002_unicode_naive_cafe.sql\n")
        #expect(try p.run("new", "日本 table").stdout == "created migrations/0003_table.sql\n")
    }

    @Test func rulesListsEveryRule() throws {
        let p = try Project()
        let outcome = try p.run("rules")
        #expect(outcome.status == 0)
        for id in ["missing-metadata", "invalid-metadata", "unknown-dependency", "dependency-cycle",
                   "duplicate-migration-number", "destructive-in-rollback-safe", "missing-down",
                   "unindexed-column", "parse-error", "unused-ignore", "section-markers"] {
            #expect(outcome.stdout.contains(id), "\(id)")
        }
        let text = try p.run("rules", "--format", "json").stdout
        let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(document?["version"] as? Int == 1)
        let json = document?["rules"] as? [[String: Any]]
        // Summaries such as "CREATE/DROP INDEX" keep their slash (no `\/`).
        #expect(text.contains("/") && !text.contains("\\/"))
        #expect(json?.contains { $0["id"] as? String == "missing-down" && $0["severity"] as? String == "error" } == true)
    }

    @Test func explainPrintsRationaleAndExamples() throws {
        let p = try Project()
        let outcome = try p.run("explain", "unindexed-column")
        #expect(outcome.status == 0)
        #expect(outcome.stdout.hasPrefix("unindexed-column (warning): "))
        #expect(outcome.stdout.contains("Triggers on:") && outcome.stdout.contains("Does not trigger on:"))
        #expect(!outcome.stdout.contains("↓"))
        let unknown = try p.run("explain", "unindexed-colum")
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("did you mean 'unindexed-column'?"))
    }

    @Test(arguments: [["--help"], ["lint", "--help"], ["check", "--help"], ["status", "--help"], ["up", "--help"],
                      ["deploy", "--help"], ["repair", "--help"], ["new", "--help"], ["rules", "--help"], ["explain", "--help"],
                      ["hooks", "--help"], ["hooks", "install", "--help"], ["--version"]])
    func helpEverywhere(_ args: [String]) throws {
        let outcome = try CLI.run(args, in: FileManager.default.temporaryDirectory)
        #expect(outcome.status == 0)
        #expect(!outcome.stdout.isEmpty)
        if args.count > 1, args.last == "--help" {
            #expect(outcome.stdout.contains("USAGE: strata \(args.dropLast().joined(separator: " "))"), "\(outcome.stdout)")
        }
    }

    /// Every command the root help lists has help of its own (a command added later cannot
    /// be left out of the test above unnoticed).
    @Test func everyListedCommandHasHelp() throws {
        let root = try CLI.run(["--help"], in: FileManager.default.temporaryDirectory)
        let listed = root.stdout.components(separatedBy: "SUBCOMMANDS:").last?.split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.allSatisfy { $0.isLetter || $0 == "-" } && !$0.isEmpty } ?? []
        #expect(listed.count >= 10, "\(listed)")
        for command in listed where command != "help" {
            let outcome = try CLI.run([command, "--help"], in: FileManager.default.temporaryDirectory)
            #expect(outcome.status == 0, "\(command)")
        }
    }
}

import ArgumentParser
import Foundation
@testable import strata
import Testing

/// Every JSON document Strata writes, from every command that writes one, on a real project
/// with a SQLite database: keys in snake_case at every depth, `"version": 1` at the top. SARIF
/// and GitLab Code Quality are left out: their keys and shape are their specifications'.
@Suite("JSON output: snake_case keys and a version")
struct JSONContractTests {
    /// The commands that print JSON, by their path in the command tree; a command whose help
    /// offers `--format` and is missing here fails `everyCommandWithFormatIsCovered`.
    static let covered: Set<String> = ["lint", "check", "status", "history", "metrics", "rollback", "optimize", "verify",
                                       "rules", "explain", "backup", "backup list",
                                       "trace"]  // trace: TraceCommandTests (it needs PostgreSQL)

    /// Objects whose keys are data (file paths, rule ids, optimize finding kinds), not names
    /// of fields; what lies below them is checked as usual. `*` stands for any key.
    static let dataKeyed: Set<String> = ["files", "files.*", "summary.by_kind"]

    @Test func everyDocumentHasSnakeCaseKeysAndVersion1() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_users.sql", Fixtures.migration(
            up: "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);", down: "DROP TABLE users;"))
        try p.write("migrations/0002_posts.sql", Fixtures.migration(
            up: "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title TEXT);",
            down: "DROP TABLE posts;", dependencies: "[\"0001_users\"]"))
        var documents: [(name: String, text: String)] = []
        func run(_ args: String..., database: Bool = true, expecting status: Int32 = 0) throws {
            let outcome = database ? try p.run(args) : try p.project.run(args)
            #expect(outcome.status == status, "strata \(args.joined(separator: " ")): \(outcome.stderr)")
            documents.append(("strata " + args.joined(separator: " "), outcome.stdout))
        }

        try run("rollback", "--format", "json", expecting: 1)  // refused, with its reason: nothing applied
        try run("lint", "--format", "json", database: false)   // a warning: unindexed-column
        try run("check", "--format", "json", database: false)
        try #require(try p.project.run("lint", "--suppress-all").status == 0)
        documents.append(("strata-suppressions.json", try p.project.read("strata-suppressions.json")))
        try run("lint", "--format", "json", database: false)   // with "suppressed"
        try run("verify", "--format", "json")                  // both migrations, pending
        try #require(try p.run(["up", "--log-json", "events.jsonl"]).status == 0)
        try run("verify", "--format", "json")                  // nothing pending: nothing verified
        try run("status", "--format", "json")
        try run("metrics", "--format", "json")
        try run("verify", "--all", "--format", "json")
        try run("optimize", "--analyze", "--format", "json")
        try run("optimize", "--dry-run", "--format", "json")
        try #require(try p.run(["backup", "create", "--log-json", "events.jsonl"]).status == 0)
        try run("backup", "list", "--format", "json")
        try run("backup", "--list", "--format", "json")
        let manifest = try #require(try FileManager.default.contentsOfDirectory(atPath: p.project.root.appendingPathComponent("backups").path)
            .first { $0.hasSuffix(".manifest.json") })
        documents.append((manifest, try p.project.read("backups/" + manifest)))
        try run("rollback", "--dry-run", "--format", "json")
        try run("rollback", "--format", "json", "--force", "--reason", "the contract test", "--log-json", "events.jsonl")
        try run("history", "--format", "json")
        try run("rules", "--format", "json", database: false)
        try run("explain", "unindexed-column", "--format", "json", database: false)
        // A DOWN that leaves a table behind (verify's findings), then an UP that fails on the
        // database (the event log's `failed`, and `run_finished` with its error).
        try p.write("migrations/0003_tags.sql", Fixtures.migration(
            up: "CREATE TABLE tags (id INTEGER PRIMARY KEY);", down: "SELECT 1;", dependencies: "[\"0002_posts\"]"))
        try run("verify", "--format", "json", expecting: 1)
        try p.write("migrations/0004_broken.sql", Fixtures.migration(
            up: "INSERT INTO nowhere (id) VALUES (1);", down: "DELETE FROM nowhere;", dependencies: "[\"0003_tags\"]"))
        #expect(try p.run(["up", "--log-json", "events.jsonl"]).status == 2)
        let events = try p.project.read("events.jsonl").split(separator: "\n")
        #expect(events.count >= 10)
        documents += events.enumerated().map { ("events.jsonl line \($0.offset + 1)", String($0.element)) }

        for (name, text) in documents {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(name): \(text)")
            #expect(object["version"] as? Int == 1, "\(name) has no \"version\": 1")
            for key in Self.badKeys(object, path: []) { Issue.record("\(name): key \(key) is not snake_case") }
        }
        // The documents hold what the test meant to cover (a key that drifts is found only
        // where there is one).
        let all = documents.map(\.text).joined()
        for key in ["\"suppressed\"", "\"not_verified\"", "\"by_kind\"", "\"rolled_back\"", "\"applied_migrations\"",
                    "\"triggering_examples\"", "\"strata_version\"", "\"backup_path\"", "\"reason\"", "\"help\"",
                    "\"event\":\"failed\"", "\"error\"", "\"statements\"", "\"needs_include_drops\""] {
            #expect(all.contains(key), "no document has \(key)")
        }
    }

    /// The keys under `value` (dotted paths) that are not snake_case.
    static func badKeys(_ value: Any, path: [String]) -> [String] {
        if let array = value as? [Any] { return array.flatMap { badKeys($0, path: path) } }
        guard let object = value as? [String: Any] else { return [] }
        let here = path.joined(separator: ".")
        let isData = dataKeyed.contains(here)
        return object.sorted { $0.key < $1.key }.flatMap { key, child -> [String] in
            let bad = !isData && !isSnakeCase(key) ? [(path + [key]).joined(separator: ".")] : []
            return bad + badKeys(child, path: path + [isData ? "*" : key])
        }
    }

    static func isSnakeCase(_ key: String) -> Bool {
        key.range(of: "^[a-z][a-z0-9]*(_[a-z0-9]+)*$", options: .regularExpression) != nil
    }

    @Test func theCheckerFindsDriftingKeys() {
        let drifted: [String: Any] = ["version": 1, "summary": ["notVerified": 1, "by_kind": ["fk-without-index": 1]],
                                      "files": ["a/b.sql": ["missing-down": ["Count": 1]]], "items": [["kebab-key": 1]]]
        #expect(Self.badKeys(drifted, path: []) == ["files.*.*.Count", "items.kebab-key", "summary.notVerified"])
    }

    /// A command added with a `--format` option must be added to the test above.
    @Test func everyCommandWithFormatIsCovered() {
        func walk(_ command: ParsableCommand.Type, _ path: [String]) -> [String] {
            let here = path.joined(separator: " ")
            let offers = !path.isEmpty && Strata.helpMessage(for: command).contains("--format")
            return (offers ? [here] : []) + command.configuration.subcommands.flatMap {
                walk($0, path + [$0.configuration.commandName ?? ""])
            }
        }
        let offering = Set(walk(Strata.self, []))
        #expect(offering == Self.covered, "covered by the JSON test: \(Self.covered.sorted()); offering --format: \(offering.sorted())")
    }

    /// `--json`, the older spelling, still works and is hidden; with `--format text` it is a
    /// usage error.
    @Test func jsonIsAHiddenAliasOfFormatJSON() throws {
        let p = try Project()
        let spelled = try p.run("rules", "--format", "json")
        let alias = try p.run("rules", "--json")
        #expect(spelled.status == 0 && alias.status == 0)
        #expect(alias.stdout == spelled.stdout && spelled.stdout.hasPrefix("{"))
        let both = try p.run("rules", "--json", "--format", "text")
        #expect(both.status == 64)
        #expect(both.stderr.contains("--json and --format text exclude each other"), "\(both.stderr)")
        for command in [["rules"], ["status"], ["history"], ["rollback"], ["optimize"], ["verify"], ["explain", "missing-down"], ["backup", "list"]] {
            let help = try p.run(command + ["--help"])
            #expect(help.stdout.contains("--format <format>") && !help.stdout.contains("--json"), "\(command): \(help.stdout)")
        }
    }
}

import Foundation
import StrataCore
import StrataRules
import StrataSyntax
import Testing

@Suite("Lint engine")
struct LinterTests {
    func inputs(_ files: [(String, String)]) -> [MigrationInput] {
        files.map { MigrationInput(id: StrataLayout().id(forRelativePath: $0.0), path: $0.0, bytes: Array($0.1.utf8)) }
    }

    func migration(_ up: String, deps: String = "[]", down: String = "SELECT 1;") -> String {
        "-- @name: n\n-- @description: d\n-- @timestamp: 2024-01-01T00:00:00Z\n-- @rollbackSafe: true\n-- @performanceImpact: low\n-- @dependencies: \(deps)\n-- UP MIGRATION\n\(up)\n-- DOWN MIGRATION\n\(down)\n"
    }

    @Test func schemaIsReplayedInDependencyOrderNotNameOrder() {
        // 0001 depends on 0002, so the index created in 0002 exists when 0001 adds the FK column.
        let files = inputs([
            ("0001_fk.sql", migration("ALTER TABLE posts ADD COLUMN user_id INT REFERENCES users (id);", deps: "[\"0002_base\"]")),
            ("0002_base.sql", migration("CREATE TABLE users (id INT PRIMARY KEY);\nCREATE TABLE posts (id INT PRIMARY KEY);\nCREATE INDEX idx_posts_user ON posts (user_id);")),
        ])
        let result = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .strata).lint(files)
        #expect(!result.diagnostics.contains { $0.rule == "unindexed-column" }, "\(result.diagnostics.map(\.message))")
    }

    @Test func windowsDoNotChangeTheResult() {
        var files: [(String, String)] = [("0000_users.sql", migration("CREATE TABLE users (id INT PRIMARY KEY);"))]
        for i in 1...40 {
            let name = String(format: "%04d_t%d.sql", i, i)
            let index = i % 3 == 0 ? "\nCREATE INDEX idx_t\(i) ON t\(i) (user_id);" : ""
            files.append((name, migration("CREATE TABLE t\(i) (id INT PRIMARY KEY, user_id INT REFERENCES users (id));\(index)",
                                          deps: i % 5 == 0 ? "[\"0000_users\"]" : "[]")))
        }
        var small = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .strata)
        small.windowSize = 1
        let large = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .strata)
        let a = small.lint(inputs(files)), b = large.lint(inputs(files))
        #expect(a.diagnostics == b.diagnostics)
        #expect(a.diagnostics.filter { $0.rule == "unindexed-column" }.count == 27)
    }

    /// `strata up` parses each file once and lints what it parsed: the findings must be those
    /// of a lint that reads the bytes itself, out-of-order files and a non-text file included.
    @Test(arguments: Dialect.allCases)
    func lintingParsedFilesEqualsLintingTheirBytes(dialect: Dialect) {
        var files: [(String, String)] = [("0000_users.sql", migration("CREATE TABLE users (id INT PRIMARY KEY);"))]
        for i in 1...30 {
            let extra = i % 4 == 0 ? "\nDROP TABLE t\(i - 1);" : ""
            files.append((String(format: "%04d_t%d.sql", i, i), migration(
                "CREATE TABLE t\(i) (id INT PRIMARY KEY, user_id INT REFERENCES users (id));\(extra)",
                deps: i % 7 == 0 ? "[\"0000_users\", \"9999_missing\"]" : "[]")))
        }
        files.append(("0031_bad.sql", "-- strata:ignore-file nope\n-- @name: x\nSELECT 'unterminated"))
        files.reverse()
        let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: dialect, layout: .strata)
        let given = inputs(files)
        let parsed = given.map { linter.layout.parse($0, dialect: dialect, depth: .full) }
        let fromBytes = linter.lint(given), fromParsed = linter.lint(parsed: parsed)
        #expect(fromParsed.diagnostics == fromBytes.diagnostics)
        #expect(fromParsed.fileCount == fromBytes.fileCount)
        #expect(Set(fromBytes.diagnostics.map(\.rule)).isSuperset(of: ["unindexed-column", "unknown-dependency", "parse-error"]))
    }

    @Test func severityFromConfigurationNeverRaisesALowerFinding() {
        let files = inputs([("0001_a.sql", "-- @bogus: 1\n" + migration("SELECT 1;"))])
        let raised = Linter(rules: AllRules.instances(), settings: ["invalid-metadata": .error], dialect: .sqlite, layout: .strata).lint(files)
        #expect(raised.diagnostics.first { $0.rule == "invalid-metadata" }?.severity == .warning)
        let off = Linter(rules: AllRules.instances(), settings: ["invalid-metadata": .off], dialect: .sqlite, layout: .strata).lint(files)
        #expect(!off.diagnostics.contains { $0.rule == "invalid-metadata" })
    }

    @Test func unusedSuppressionOfAnEnabledRuleIsReported() {
        let files = inputs([("0001_a.sql", migration("-- strata:ignore unindexed-column\nCREATE TABLE a (id INT PRIMARY KEY);"))])
        let on = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .strata).lint(files)
        #expect(on.diagnostics.map(\.message) == ["suppression of 'unindexed-column' matched no finding"])
        // The rule is off: its suppression has nothing to match, which is not the author's fault.
        let off = Linter(rules: AllRules.instances(), settings: ["unindexed-column": .off], dialect: .sqlite, layout: .strata).lint(files)
        #expect(off.diagnostics.isEmpty)
    }

    @Test func missingPathIsAnInputError() {
        let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .strata)
        #expect(throws: InputError(path: "/no/such/dir", message: "no such file or directory")) {
            try linter.lint(paths: ["/no/such/dir"])
        }
    }

    @Test func folderDiscoveryIsSortedAndLayoutAware() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-disc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for path in ["b/0002_x.sql", "0010_b.sql", "0002_a.sql", ".hidden.sql", "notes.md", "b/c/up.sql"] {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("SELECT 1;".utf8).write(to: url)
        }
        let strata = try FileDiscovery.discover([root.path], layout: StrataLayout())
        #expect(strata.map(\.id) == ["0002_a", "0010_b"])
        let plain = try FileDiscovery.discover([root.path + "/"], layout: PlainLayout())
        #expect(plain.map(\.id) == ["0002_a", "0010_b", "b/0002_x", "b/c/up"])
        #expect(plain[0].path == root.path + "/0002_a.sql")
    }

    /// Editors on Windows save UTF-8 with a byte order mark; the applier's checksum ignores it,
    /// so lint must read such a file like any other.
    @Test func aByteOrderMarkChangesNothing() {
        let bom = "\u{FEFF}"
        let strata = inputs([("0001_a.sql", bom + migration("CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (a_id INT REFERENCES a (id));"))])
        let withMark = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .strata).lint(strata)
        let without = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .strata)
            .lint(inputs([("0001_a.sql", migration("CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (a_id INT REFERENCES a (id));"))]))
        #expect(withMark.diagnostics.map(\.rule) == ["unindexed-column"])
        #expect(withMark.diagnostics.map(\.line) == without.diagnostics.map(\.line))
        #expect(withMark.diagnostics.map(\.column) == without.diagnostics.map(\.column))
        let plain = [MigrationInput(id: "b", path: "b.sql", bytes: Array((bom + "CREATE TABLE b (a_id INT REFERENCES a (id));").utf8))]
        let found = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .plain).lint(plain)
        #expect(found.diagnostics.filter { $0.rule == "unindexed-column" }.map(\.column) == [17])
    }
}

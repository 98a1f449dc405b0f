import StrataCore
import StrataRules
import Testing

/// Every malformed header form, with the message and position users see.
@Suite("Metadata findings")
struct MetadataRuleTests {
    func lint(_ header: String, id: String = "0001_x", others: [String: String] = [:]) -> [Diagnostic] {
        let body = "\n-- UP MIGRATION\nSELECT 1;\n-- DOWN MIGRATION\nSELECT 1;\n"
        var inputs = [MigrationInput(id: id, path: "\(id).sql", bytes: Array((header + body).utf8))]
        for (otherID, text) in others { inputs.append(MigrationInput(id: otherID, path: "\(otherID).sql", bytes: Array(text.utf8))) }
        return Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .strata)
            .lint(inputs).diagnostics.filter { $0.file == "\(id).sql" }
    }

    let valid = [
        "-- @name: N", "-- @description: D", "-- @timestamp: 2024-01-01T00:00:00Z", "-- @rollbackSafe: true",
        "-- @performanceImpact: low", "-- @dependencies: []",
    ]

    func header(replacing key: String, with line: String?) -> String {
        valid.compactMap { $0.contains("@\(key):") ? line : $0 }.joined(separator: "\n")
    }

    @Test func validHeaderIsClean() {
        #expect(lint(valid.joined(separator: "\n")).isEmpty)
    }

    @Test(arguments: ["name", "description", "timestamp", "rollbackSafe", "performanceImpact", "dependencies"])
    func eachMissingKeyIsReported(_ key: String) {
        let found = lint(header(replacing: key, with: nil))
        #expect(found.map(\.rule) == ["missing-metadata"])
        #expect(found.first?.message == "missing @\(key) in the header")
        #expect(found.first?.line == 6 && found.first?.column == 1, "points at the UP marker")
    }

    @Test(arguments: [
        ("timestamp", "-- @timestamp: 2024-01-01", "@timestamp is not an ISO-8601 date and time: '2024-01-01'", 16),
        ("timestamp", "-- @timestamp:", "@timestamp has no value", 4),
        ("rollbackSafe", "-- @rollbackSafe: TRUE", "@rollbackSafe must be true or false, not 'TRUE'", 19),
        ("performanceImpact", "-- @performanceImpact: huge", "@performanceImpact must be low, medium or high, not 'huge'", 24),
        ("dependencies", "-- @dependencies: 0001_a", "@dependencies is not a JSON array of migration ids: '0001_a'", 19),
        ("dependencies", "-- @dependencies: [\"a\", 1]", "@dependencies element 2 is not a string", 19),
        ("dependencies", "-- @dependencies: [\"0002_y\", \"0002_y\"]", "@dependencies lists '0002_y' twice", 19),
        ("dependencies", "-- @dependencies: {}", "@dependencies is not a JSON array of migration ids: '{}'", 19),
    ] as [(String, String, String, Int)])
    func malformedValues(_ key: String, _ line: String, _ message: String, _ column: Int) {
        let found = lint(header(replacing: key, with: line), others: ["0002_y": "-- @name: y\n"]).filter { $0.rule == "invalid-metadata" }
        #expect(found.map(\.message) == [message])
        #expect(found.first?.severity == .error)
        #expect(found.first?.column == column)
    }

    @Test func duplicateAndUnknownKeys() {
        let found = lint(valid.joined(separator: "\n") + "\n-- @name: Again\n-- @Name: Case\n-- @owner: team-a")
        #expect(found.map(\.message) == [
            "@name is given twice",
            "unknown metadata key @Name; did you mean 'name'?",
            "unknown metadata key @owner",
        ])
        #expect(found.map(\.severity) == [.error, .warning, .warning])
    }

    @Test func unknownDependencyPointsAtTheId() {
        let found = lint(header(replacing: "dependencies", with: "-- @dependencies: [\"0002_y\", \"0003_zz\"]"),
                         others: ["0002_y": "-- @name: y\n", "0003_z": "-- @name: z\n"]).filter { $0.rule == "unknown-dependency" }
        #expect(found.map(\.message) == ["unknown dependency '0003_zz'; did you mean '0003_z'?"])
        #expect(found.first?.column == 30)
    }
}

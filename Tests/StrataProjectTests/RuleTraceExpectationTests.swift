import Foundation
import StrataApply
import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// Every lock and rewrite rule's own triggering examples, run on the test PostgreSQL by the
/// trace: what the rule says PostgreSQL does (`RuleDescription.traceExpectation`) must be what
/// PostgreSQL did. An example that cannot run on an empty database (it calls a function no
/// earlier file makes) is left out, but every such rule must have one that runs and is confirmed.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DATABASE_URL"]?.hasPrefix("postgres") == true
                    || ProcessInfo.processInfo.environment["CI"] != nil), .serialized)
struct RuleTraceExpectationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let rule: RuleDescription
        let example: Example
        let index: Int
        var testDescription: String { "\(rule.id) triggering #\(index + 1)" }
    }

    static var cases: [Case] {
        AllRules.descriptions.filter { $0.traceExpectation != nil }.flatMap { rule in
            rule.triggeringExamples.enumerated().compactMap { index, example in
                // Examples for an older release than the test server's predict what that one does.
                example.dialects.contains(.postgresql) && example.versions.postgres >= 15 ? Case(rule: rule, example: example, index: index) : nil
            }
        }
    }

    static func serverURL() throws -> String {
        try #require(ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.hasPrefix("postgres") ? $0 : nil },
                     "no PostgreSQL: run the tests through `make test`, which starts one")
    }

    /// The statuses the trace gave the rule's findings in the example, or nil when the example
    /// does not run on an empty database.
    static func statuses(_ c: Case) throws -> [TraceCrossCheck.Status?]? {
        var clean = ""
        for character in c.example.sql where character != "↓" { clean.append(character) }
        let layout = c.example.layout.layout
        var inputs = c.example.earlier.map {
            MigrationInput(id: layout.id(forRelativePath: $0.fileName), path: $0.fileName, bytes: Array($0.sql.utf8))
        }
        inputs.append(MigrationInput(id: layout.id(forRelativePath: c.example.fileName), path: c.example.fileName, bytes: Array(clean.utf8)))
        let files = MigrationCatalog.parse(inputs, layout: c.example.layout, dialect: .postgresql)
        let server = try DatabaseURL(try serverURL())
        let admin = try DatabaseConnector.connect(server)
        let name = "strata_rt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        try admin.execute("CREATE DATABASE \(name)")
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        var components = try #require(URLComponents(string: try serverURL()))
        components.path = "/" + name
        let database = try DatabaseConnector.connect(try DatabaseURL(try #require(components.string)))
        let tracer = try Tracer(database: database)
        let entries = MigrationCatalog(parsed: files, inputs: inputs, postgresMajor: database.postgresMajor).entries
        let id = layout.id(forRelativePath: c.example.fileName)
        let report = try tracer.trace(entries, reported: [id])
        guard report.migrations.allSatisfy({ $0.error == nil }), report.migrations.contains(where: { $0.id == id }) else { return nil }
        var linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: c.example.layout)
        linter.versions = c.example.versions
        let lint = linter.lint(inputs).diagnostics.filter { $0.file == c.example.fileName && $0.rule == c.rule.id }
        var expectations: [String: TraceExpectation] = [:]
        expectations[c.rule.id] = c.rule.traceExpectation
        return TraceCrossCheck.findings(report, lint: lint, expectations: expectations)
            .filter { $0.diagnostic.rule == c.rule.id }.map(\.status)
    }

    /// Examples whose finding a trace from an empty database rightly does not see, and why.
    static let unseenByDesign: [String: String] = [
        "drop-index-non-concurrent #2": "DROP INDEX IF EXISTS of an index no earlier file makes: nothing to drop",
        "missing-lock-timeout #7": "DROP FUNCTION ... CASCADE of functions no trigger or index uses: the rule cannot tell which tables it locks",
    ]

    @Test(arguments: cases)
    func whatTheRuleSaysIsWhatPostgreSQLDoes(_ c: Case) throws {
        guard let statuses = try Self.statuses(c) else { return }  // needs objects no earlier file makes
        #expect(!statuses.isEmpty, "the example raised no finding of its rule")
        if Self.unseenByDesign["\(c.rule.id) #\(c.index + 1)"] != nil {
            // Kept honest: an example listed here must still be one the trace does not see.
            #expect(!statuses.contains(.confirmed), "\(c.rule.id) #\(c.index + 1) is confirmed now: take it off the list")
            return
        }
        for status in statuses {
            #expect(status == .confirmed || status == .notTraced,
                    "\(c.rule.id) example at \(c.example.sourceFile.split(separator: "/").last ?? ""):\(c.example.sourceLine): the trace did not see \(c.rule.traceExpectation?.described ?? "")")
        }
    }

    @Test func everyLockAndRewriteRuleHasAnExampleTheTraceConfirms() throws {
        let rules = Set(Self.cases.map(\.rule.id))
        var confirmed = Set<String>()
        for c in Self.cases where !confirmed.contains(c.rule.id) {
            if let statuses = try Self.statuses(c), statuses.contains(.confirmed) { confirmed.insert(c.rule.id) }
        }
        #expect(confirmed == rules, "no example runs and is confirmed: \(rules.subtracting(confirmed).sorted())")
        #expect(rules.count >= 14)
    }
}

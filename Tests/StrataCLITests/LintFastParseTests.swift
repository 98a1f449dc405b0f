import ArgumentParser
@testable import strata
import Testing

/// `LintFastParse` reads lint's command line without ArgumentParser; whatever it accepts it
/// must read exactly as ArgumentParser does, and what it does not fully understand it must
/// leave to ArgumentParser.
@Suite("lint's own argument reading")
struct LintFastParseTests {
    /// The options as ArgumentParser reads them.
    static func byParser(_ arguments: [String]) throws -> Lint {
        try #require(try Lint.parseAsRoot(arguments) as? Lint)
    }

    static func summary(_ lint: Lint) -> String {
        "\(lint.paths) \(String(describing: lint.project.config)) \(String(describing: lint.project.dialect)) "
            + "\(String(describing: lint.project.layout)) \(lint.output.format) \(String(describing: lint.output.maxWarnings)) "
            + "\(lint.output.failOn) \(lint.output.verbose)"
    }

    @Test(arguments: [
        [],
        ["migrations"],
        ["a.sql", "b.sql", "--dialect", "postgresql"],
        ["--layout", "plain", "--format", "json", "--dialect", "sqlite", "x.sql"],
        ["--layout", "auto", "--format", "sarif", "--max-warnings", "0", "--fail-on", "warning", "--verbose", "dir"],
        ["--config", "ci/strata.yml", "--layout", "golang-migrate", "--format", "github", "db"],
        ["-", "--format", "text"],
    ])
    func readsWhatItAcceptsAsArgumentParserDoes(_ arguments: [String]) throws {
        let fast = try #require(LintFastParse.parse(arguments[...], paths: []))
        #expect(Self.summary(fast) == Self.summary(try Self.byParser(arguments)))
    }

    @Test(arguments: [
        ["--help"], ["-h"], ["--dialect"], ["--dialect", "oracle"], ["--dialect=postgresql"], ["--format", "xml"],
        ["--max-warnings", "-1"], ["--max-warnings", "many"], ["--fail-on", "note"], ["--layout", "rails"],
        ["--verbose", "--verbose"], ["--dialect", "sqlite", "--dialect", "postgresql"], ["--", "--odd-name.sql"],
        ["--unknown"], ["--config", "--verbose"],
    ])
    func leavesTheRestToArgumentParser(_ arguments: [String]) {
        #expect(LintFastParse.parse(arguments[...], paths: []) == nil)
    }

    @Test func pathsTakenOutBeforeComeFirst() throws {
        let fast = try #require(LintFastParse.parse(["--dialect", "postgresql", "c.sql"], paths: ["a.sql", "b.sql"]))
        #expect(fast.paths == ["a.sql", "b.sql", "c.sql"])
        #expect(fast.project.dialect == .postgresql)
    }
}

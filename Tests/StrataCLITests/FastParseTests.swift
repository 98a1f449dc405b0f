import ArgumentParser
@testable import strata
import Testing

/// `FastParse` reads the command lines of `lint`, `check` and `up` without ArgumentParser; whatever it
/// accepts it must read exactly as ArgumentParser does, and what it does not fully understand
/// it must leave to ArgumentParser.
@Suite("lint's, check's and up's own argument reading")
struct FastParseTests {
    static func options(_ project: ProjectOptions, _ output: OutputOptions) -> String {
        "\(String(describing: project.config)) \(String(describing: project.dialect)) \(String(describing: project.layout)) "
            + "\(output.format) \(String(describing: output.maxWarnings)) \(output.failOn) \(output.verbose)"
    }

    static func summary(_ lint: Lint) -> String {
        "\(lint.paths) \(lint.suppressAll) \(lint.pruneSuppressions) " + options(lint.project, lint.output)
    }

    static func summary(_ check: Check) -> String {
        "\(check.paths) \(String(describing: check.base)) \(String(describing: check.rev)) \(check.staged) \(check.requireBase) "
            + options(check.project, check.output)
    }

    @Test(arguments: [
        [],
        ["migrations"],
        ["a.sql", "b.sql", "--dialect", "postgresql"],
        ["--layout", "plain", "--format", "json", "--dialect", "sqlite", "x.sql"],
        ["--layout", "auto", "--format", "sarif", "--max-warnings", "0", "--fail-on", "warning", "--verbose", "dir"],
        ["--config", "ci/strata.yml", "--layout", "golang-migrate", "--format", "github", "db"],
        ["-", "--format", "text"],
        ["--suppress-all", "migrations/0001_a.sql"],
        ["--prune-suppressions", "--format", "json"],
    ])
    func readsLintAsArgumentParserDoes(_ arguments: [String]) throws {
        let fast = try #require(FastParse.lint(arguments[...], paths: []))
        let parsed = try #require(try Lint.parseAsRoot(arguments) as? Lint)
        #expect(Self.summary(fast) == Self.summary(parsed))
    }

    @Test(arguments: [
        [],
        ["--staged"],
        ["--staged", "--format", "github", "--fail-on", "warning"],
        ["--base", "origin/main", "--require-base", "migrations"],
        ["--rev", "HEAD~1", "--dialect", "postgresql", "--layout", "dbmate", "db/migrations", "--verbose"],
        ["--config", "strata.yml", "--max-warnings", "3", "a.sql", "b.sql"],
    ])
    func readsCheckAsArgumentParserDoes(_ arguments: [String]) throws {
        let fast = try #require(FastParse.check(arguments[...]))
        let parsed = try #require(try Check.parseAsRoot(arguments) as? Check)
        #expect(Self.summary(fast) == Self.summary(parsed))
    }

    @Test(arguments: [
        ["--help"], ["-h"], ["--dialect"], ["--dialect", "oracle"], ["--dialect=postgresql"], ["--format", "xml"],
        ["--max-warnings", "-1"], ["--max-warnings", "many"], ["--fail-on", "note"], ["--layout", "rails"],
        ["--verbose", "--verbose"], ["--dialect", "sqlite", "--dialect", "postgresql"], ["--", "--odd-name.sql"],
        ["--unknown"], ["--config", "--verbose"], ["--staged"], ["--suppress-all", "--prune-suppressions"],
        ["--suppress-all", "--suppress-all"],
    ])
    func leavesTheRestOfLintToArgumentParser(_ arguments: [String]) {
        #expect(FastParse.lint(arguments[...], paths: []) == nil)
    }

    @Test(arguments: [
        ["--help"], ["--staged", "--staged"], ["--staged", "--rev", "HEAD"], ["--base"], ["--base=main"],
        ["--format", "xml"], ["--rev", "--staged"], ["--unknown"],
    ])
    func leavesTheRestOfCheckToArgumentParser(_ arguments: [String]) {
        #expect(FastParse.check(arguments[...]) == nil)
    }

    static func summary(_ up: Up) -> String {
        let o = up.options, d = up.database, p = up.project
        return "\(String(describing: o.target)) \(o.dryRun) \(o.verbose) \(o.allowChanged) \(o.singleTransaction) \(String(describing: o.log.logJSON)) "
            + "\(String(describing: d.database)) \(String(describing: d.wait)) \(d.lockTimeout) "
            + "\(String(describing: p.config)) \(String(describing: p.dialect)) \(String(describing: p.layout))"
    }

    @Test(arguments: [
        [],
        ["--single-transaction"],
        ["--target", "0002_b", "--dry-run", "--verbose"],
        ["--allow-changed", "--log-json", "events.jsonl", "--database", "sqlite:./x.db"],
        ["--wait", "5", "--lock-timeout", "0.5", "--config", "ci/strata.yml", "--layout", "flyway"],
        ["--dialect", "postgresql", "--database", "postgres://u@h/db", "--single-transaction", "--lock-timeout", "0"],
    ])
    func readsUpAsArgumentParserDoes(_ arguments: [String]) throws {
        let fast = try #require(FastParse.up(arguments[...]))
        let parsed = try #require(try Up.parseAsRoot(arguments) as? Up)
        #expect(Self.summary(fast) == Self.summary(parsed))
    }

    @Test(arguments: [
        ["--help"], ["extra"], ["--target"], ["--target=x"], ["--wait", "soon"], ["--wait", "-1"], ["--lock-timeout", "-2"],
        ["--dry-run", "--dry-run"], ["--database", "--verbose"], ["--layout", "rails"], ["--unknown"], ["--wait=60"],
        // Doubles that are no number of seconds to wait: ArgumentParser's validation words the error.
        ["--wait", "nan"], ["--lock-timeout", "inf"], ["--lock-timeout", "1e19"], ["--wait", "604801"],
    ])
    func leavesTheRestOfUpToArgumentParser(_ arguments: [String]) {
        #expect(FastParse.up(arguments[...]) == nil)
    }

    @Test func pathsTakenOutBeforeComeFirst() throws {
        let fast = try #require(FastParse.lint(["--dialect", "postgresql", "c.sql"], paths: ["a.sql", "b.sql"]))
        #expect(fast.paths == ["a.sql", "b.sql", "c.sql"])
        #expect(fast.project.dialect == .postgresql)
    }
}

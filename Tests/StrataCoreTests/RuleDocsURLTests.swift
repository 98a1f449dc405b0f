import Foundation
import StrataCore
import Testing

/// Where rule links point: `rule_docs_url` in strata.yml, `STRATA_RULE_DOCS_URL`, the default.
@Suite("Rule documentation URL")
struct RuleDocsURLTests {
    @Test func theDefaultIsTheRulePageAtTheVersionsTag() {
        #expect(RuleDocsURL.standard.template == RuleDocsURL.defaultTemplate)
        #expect(RuleDocsURL.standard.url(rule: "ban-drop-column", version: "0.1.0")
            == "https://github.com/strata-migrations/strata/blob/v0.1.0/docs/rules/ban-drop-column.md")
    }

    @Test(arguments: [
        ("https://docs.example.com/rules/{rule}", "https://docs.example.com/rules/add-index"),
        ("HTTP://wiki.local/{version}/{rule}.html#top", "HTTP://wiki.local/2.0.0-beta.1/add-index.html#top"),
        ("https://x.example/{rule}/{rule}?v={version}&q=%20a", "https://x.example/add-index/add-index?v=2.0.0-beta.1&q=%20a"),
        ("https://x.example/a_(b)/{rule}", "https://x.example/a_(b)/add-index"),
    ])
    func placeholdersAreReplaced(template: String, url: String) throws {
        #expect(try RuleDocsURL(template: template).url(rule: "add-index", version: "2.0.0-beta.1") == url)
    }

    /// What replaces a placeholder cannot add a character a URL may not hold.
    @Test func replacementsArePercentEncoded() throws {
        let docs = try RuleDocsURL(template: "https://x.example/{version}/{rule}")
        #expect(docs.url(rule: "a b|c", version: "1.0+dev") == "https://x.example/1.0%2Bdev/a%20b%7Cc")
    }

    @Test(arguments: [
        ("", "must be a URL with {rule} where the rule's id goes, e.g. https://docs.example.com/rules/{rule}"),
        ("docs/rules/{rule}.md", "must start with https:// or http://, e.g. https://docs.example.com/rules/{rule}"),
        ("ftp://x.example/{rule}", "must start with https:// or http://, e.g. https://docs.example.com/rules/{rule}"),
        ("https:///{rule}", "must name a host after https://, e.g. https://docs.example.com/rules/{rule}"),
        ("https://", "must name a host after https://, e.g. https://docs.example.com/rules/{rule}"),
        ("https://x.example/rules/", "must contain {rule}, where the rule's id goes, e.g. https://docs.example.com/rules/{rule}"),
        ("https://x.example/{rules}", "has an unknown placeholder '{rules}'; known placeholders: {rule}, {version}"),
        ("https://x.example/{Rule}", "has an unknown placeholder '{Rule}'; known placeholders: {rule}, {version}"),
        ("https://x.example/{rule", "has a '{' without its '}'"),
        ("https://x.example/rule}/{rule}", "has a '}' without its '{'"),
        ("https://x.example/my rules/{rule}", "holds a space, which a URL cannot: percent-encode it (%20 for a space)"),
        ("https://x.example/a|b/{rule}", "holds '|', which a URL cannot: percent-encode it (%20 for a space)"),
        ("https://x.example/<{rule}>", "holds '<', which a URL cannot: percent-encode it (%20 for a space)"),
        ("https://x.example/règles/{rule}", "holds U+E8, which a URL cannot: percent-encode it (%20 for a space)"),
        ("https://x.example/{rule}\n", "holds U+A, which a URL cannot: percent-encode it (%20 for a space)"),
        ("https://x.example/100%/{rule}", "has a '%' not followed by two hex digits (write %25 for a percent sign)"),
    ])
    func invalidTemplates(template: String, problem: String) {
        #expect(throws: RuleDocsURL.Invalid(template: template, problem: problem)) { try RuleDocsURL(template: template) }
    }

    @Test func theEnvironmentWinsOverTheFile() throws {
        let file = try RuleDocsURL(template: "https://file.example/{rule}")
        let variable = RuleDocsURL.environmentVariable
        #expect(try RuleDocsURL.resolve(environment: [variable: "https://env.example/{rule}"], configured: file).template == "https://env.example/{rule}")
        #expect(try RuleDocsURL.resolve(environment: [:], configured: file) == file)
        #expect(try RuleDocsURL.resolve(environment: [variable: ""], configured: file) == file)
        #expect(try RuleDocsURL.resolve(environment: [:], configured: nil) == .standard)
        #expect(throws: RuleDocsURL.Invalid.self) { try RuleDocsURL.resolve(environment: [variable: "nope"], configured: file) }
    }

    // MARK: - strata.yml

    func parse(_ yaml: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(yaml, path: "/repo/strata.yml", knownRules: [])
    }

    func failure(_ yaml: String) -> String? {
        do { _ = try parse(yaml); return nil } catch { return error.errorDescription }
    }

    @Test func readFromTheConfigurationFile() throws {
        #expect(try parse("rule_docs_url: https://wiki.example.com/strata/{rule}\n").ruleDocsURL?.template
            == "https://wiki.example.com/strata/{rule}")
        #expect(try parse("rule_docs_url: 'https://x.example/v{version}/{rule}.md'").ruleDocsURL?.url(rule: "r", version: "1")
            == "https://x.example/v1/r.md")
        #expect(try parse("migrations: db\n").ruleDocsURL == nil)
    }

    @Test(arguments: [
        ("rule_docs_url: https://x.example/docs\n", "/repo/strata.yml:1:16: `rule_docs_url` must contain {rule}, where the rule's id goes, e.g. https://docs.example.com/rules/{rule}"),
        ("migrations: db\nrule_docs_url: \"https://x.example/{id}\"", "/repo/strata.yml:2:16: `rule_docs_url` has an unknown placeholder '{id}'; known placeholders: {rule}, {version}"),
        ("rule_docs_url: [\"https://x.example/{rule}\"]", "/repo/strata.yml:1:16: `rule_docs_url` must be a single value"),
        ("rule_docs_url:\n", "/repo/strata.yml:1:15: `rule_docs_url` must be a URL with {rule} where the rule's id goes, e.g. https://docs.example.com/rules/{rule}"),
        ("rule_doc_url: https://x.example/{rule}", "/repo/strata.yml:1:1: unknown key 'rule_doc_url'; did you mean 'rule_docs_url'?; known keys: migrations, layout, dialect, preset, rules, postgres, sqlite, history, database, backups, monitoring, suppressions, rule_docs_url"),
    ])
    func mistakesAreLocatedErrors(_ yaml: String, _ message: String) {
        #expect(failure(yaml) == message)
    }
}

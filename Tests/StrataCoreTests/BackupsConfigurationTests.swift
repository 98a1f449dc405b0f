import Foundation
import StrataCore
import Testing

@Suite("Configuration: backups")
struct BackupsConfigurationTests {
    func parse(_ yaml: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(yaml, path: "/repo/strata.yml", knownRules: [])
    }

    func failure(_ yaml: String) -> String? {
        do { _ = try parse(yaml); return nil } catch { return error.errorDescription }
    }

    @Test func folderIsRelativeToTheFile() throws {
        #expect(try parse("backups:\n  directory: ./var/backups\n").backupsDirectory == "/repo/./var/backups")
        #expect(try parse("backups: {directory: /srv/backups}").backupsDirectory == "/srv/backups")
        // Without the key: `backups` beside strata.yml; without a strata.yml: ./backups.
        #expect(try parse("").backupsDirectory == "/repo/backups")
        #expect(try parse("dialect: sqlite").backupsDirectory == "/repo/backups")
        #expect(Configuration().backupsDirectory == "backups")
    }

    @Test(arguments: [
        ("backups: ./b", "/repo/strata.yml:1:10: `backups` must be a mapping, e.g. `backups: {directory: ./backups}`"),
        ("backups:\n  dir: b", "/repo/strata.yml:2:3: unknown key 'backups.dir'; known keys: backups.directory"),
        ("backups:\n  directory: [a, b]", "/repo/strata.yml:2:14: `backups.directory` must be a single value"),
        ("backups:\n  directory: ''", "/repo/strata.yml:2:14: `backups.directory` must name a folder"),
        ("backups: {}", "/repo/strata.yml:1:10: `backups` must set `directory`, e.g. `backups: {directory: ./backups}`"),
        ("backup:\n  directory: b", "/repo/strata.yml:1:1: unknown key 'backup'; did you mean 'backups'?; known keys: migrations, layout, dialect, preset, rules, postgres, sqlite, history, database, backups, monitoring, suppressions, rule_docs_url"),
    ])
    func mistakesAreLocatedErrors(_ yaml: String, _ message: String) {
        #expect(failure(yaml) == message)
    }
}

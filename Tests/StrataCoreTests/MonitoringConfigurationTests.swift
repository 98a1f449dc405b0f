import Foundation
import StrataCore
import Testing

@Suite("Configuration: monitoring")
struct MonitoringConfigurationTests {
    func parse(_ yaml: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(yaml, path: "/repo/strata.yml", knownRules: [])
    }

    func failure(_ yaml: String) -> String? {
        do { _ = try parse(yaml); return nil } catch { return error.errorDescription }
    }

    @Test func slowThresholdDefaultsToFiveSeconds() throws {
        #expect(try parse("monitoring:\n  slow_ms: 250\n").slowMilliseconds == 250)
        #expect(try parse("monitoring: {slow_ms: 60000}").slowMilliseconds == 60000)
        #expect(try parse("").slowMilliseconds == 5000)
        #expect(Configuration().slowMilliseconds == 5000)
    }

    @Test(arguments: [
        ("monitoring: 5000", "/repo/strata.yml:1:13: `monitoring` must be a mapping, e.g. `monitoring: {slow_ms: 5000}`"),
        ("monitoring:\n  slow: 5", "/repo/strata.yml:2:3: unknown key 'monitoring.slow'; known keys: monitoring.slow_ms"),
        ("monitoring:\n  slow_ms: 5s", "/repo/strata.yml:2:12: `monitoring.slow_ms` must be a whole number of milliseconds, 1 or more (e.g. 5000 for 5 s)"),
        ("monitoring:\n  slow_ms: 2.5", "/repo/strata.yml:2:12: `monitoring.slow_ms` must be a whole number of milliseconds, 1 or more (e.g. 5000 for 5 s)"),
        ("monitoring:\n  slow_ms: '5000'", "/repo/strata.yml:2:12: `monitoring.slow_ms` must be a whole number of milliseconds, 1 or more (e.g. 5000 for 5 s)"),
        ("monitoring:\n  slow_ms: true", "/repo/strata.yml:2:12: `monitoring.slow_ms` must be a whole number of milliseconds, 1 or more (e.g. 5000 for 5 s)"),
        ("monitoring:\n  slow_ms: 0", "/repo/strata.yml:2:12: `monitoring.slow_ms` must be a whole number of milliseconds, 1 or more (e.g. 5000 for 5 s)"),
        ("monitoring:\n  slow_ms: [1]", "/repo/strata.yml:2:12: `monitoring.slow_ms` must be a whole number of milliseconds, 1 or more (e.g. 5000 for 5 s)"),
        ("monitoring: {}", "/repo/strata.yml:1:13: `monitoring` must set `slow_ms`, e.g. `monitoring: {slow_ms: 5000}`"),
        ("monitorng:\n  slow_ms: 5", "/repo/strata.yml:1:1: unknown key 'monitorng'; did you mean 'monitoring'?; known keys: migrations, layout, dialect, preset, rules, postgres, sqlite, history, database, backups, monitoring, suppressions, rule_docs_url"),
    ])
    func mistakesAreLocatedErrors(_ yaml: String, _ message: String) {
        #expect(failure(yaml) == message)
    }
}

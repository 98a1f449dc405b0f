import Foundation
import StrataCore
import StrataRules
import Testing

@Suite("Lock safety in strata.yml")
struct LockSafetyConfigurationTests {
    func parse(_ yaml: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(yaml, path: "/repo/strata.yml", knownRules: AllRules.ids)
    }

    func failure(_ yaml: String) -> ConfigurationError? {
        do { _ = try parse(yaml); return nil } catch { return error }
    }

    @Test func readsTheThreeKeysBesideTheVersion() throws {
        let config = try parse("postgres:\n  version: 16\n  statement_lock_timeout: 2s\n  lock_retries: 5\n  lock_retry_backoff: 250ms\n")
        #expect(config.versions.postgres == 16)
        #expect(config.lockSafety == LockSafety(statementLockTimeout: .seconds(2), retries: 5, backoff: .milliseconds(250)))
        #expect(config.lockSafety.retryLimit == 5)
        #expect(config.lockSafety.firstWait == .milliseconds(250))
    }

    @Test func durationsTakeUnitsOrBareMilliseconds() throws {
        let cases: [(String, Duration)] = [("5s", .seconds(5)), ("500ms", .milliseconds(500)), ("2min", .seconds(120)),
                                           ("1500", .milliseconds(1500)), ("1.5s", .milliseconds(1500)), ("1h", .seconds(3600)),
                                           ("\"750 ms\"", .milliseconds(750))]
        for (text, expected) in cases {
            #expect(try parse("postgres: {statement_lock_timeout: \(text)}").lockSafety.statementLockTimeout == expected, "\(text)")
        }
    }

    @Test func defaultsWhenOnlyTheTimeoutIsSet() throws {
        let onlyTimeout = try parse("postgres:\n  statement_lock_timeout: 3s\n").lockSafety
        #expect(onlyTimeout.retryLimit == LockSafety.defaultRetries)
        #expect(onlyTimeout.firstWait == LockSafety.defaultBackoff)
        #expect(onlyTimeout.isActive)
        let none = try parse("postgres:\n  version: 15\n").lockSafety
        #expect(none == LockSafety())
        #expect(none.retryLimit == 0 && !none.isActive && !none.setsTimeout)
        // Retries alone retry a lock timeout the migration sets itself.
        let retriesOnly = try parse("postgres: {lock_retries: 2}").lockSafety
        #expect(retriesOnly.retryLimit == 2 && retriesOnly.isActive && !retriesOnly.setsTimeout)
    }

    @Test func badValuesAreLocatedErrors() {
        let cases: [(String, Int, Int, String)] = [
            ("postgres:\n  statement_lock_timeout: soon\n", 2, 27, "`postgres.statement_lock_timeout` must be a duration such as 5s, 500ms or 2min (a bare number is milliseconds), from 1 ms to 86400 s, not 'soon'"),
            ("postgres:\n  statement_lock_timeout: 0\n", 2, 27, "from 1 ms to 86400 s, not '0'"),
            ("postgres:\n  statement_lock_timeout: 5 days\n", 2, 27, "not '5 days'"),
            ("postgres:\n  statement_lock_timeout: 2d\n", 2, 27, "not '2d'"),
            ("postgres:\n  statement_lock_timeout: -5s\n", 2, 27, "not '-5s'"),
            ("postgres:\n  statement_lock_timeout: [5s]\n", 2, 27, "must be a duration"),
            ("postgres:\n  lock_retries: -1\n", 2, 17, "`postgres.lock_retries` must be a whole number from 0 to 1000"),
            ("postgres:\n  lock_retries: 2.5\n", 2, 17, "`postgres.lock_retries` must be a whole number"),
            ("postgres:\n  lock_retries: many\n", 2, 17, "`postgres.lock_retries` must be a whole number"),
            ("postgres:\n  lock_retry_backoff: 2hours\n", 2, 23, "`postgres.lock_retry_backoff` must be a duration"),
            ("postgres:\n  lock_retry_backoff: 2h\n", 2, 23, "from 0 ms to 3600 s, not '2h'"),
            ("postgres:\n  lock_timeout: 5s\n", 2, 3, "unknown key 'postgres.lock_timeout'; known keys: postgres.version, postgres.statement_lock_timeout, postgres.lock_retries, postgres.lock_retry_backoff"),
        ]
        for (yaml, line, column, message) in cases {
            let error = failure(yaml)
            #expect(error?.line == line, "\(yaml)")
            #expect(error?.column == column, "\(yaml)")
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error") for \(yaml)")
        }
    }

    @Test func waitsDoubleUpToTheCapAndJitterOnlyShortensThem() {
        let safety = LockSafety(statementLockTimeout: .seconds(1), backoff: .seconds(1))
        #expect(safety.wait(afterAttempt: 1, jitter: 0) == .seconds(1))
        #expect(safety.wait(afterAttempt: 2, jitter: 0) == .seconds(2))
        #expect(safety.wait(afterAttempt: 3, jitter: 0) == .seconds(4))
        #expect(safety.wait(afterAttempt: 10, jitter: 0) == LockSafety.maximumWait)
        #expect(safety.wait(afterAttempt: 1, jitter: 1) == .milliseconds(800))
        #expect(LockSafety(backoff: .zero).wait(afterAttempt: 5, jitter: 0.5) == .zero)
        // A first wait longer than the cap is kept as set.
        #expect(LockSafety(backoff: .seconds(60)).wait(afterAttempt: 3, jitter: 0) == .seconds(60))
    }

    @Test func flagsOverrideTheFile() {
        let file = LockSafety(statementLockTimeout: .seconds(5), retries: 2, backoff: .seconds(1))
        let merged = file.overridden(by: LockSafety(retries: 0))
        #expect(merged == LockSafety(statementLockTimeout: .seconds(5), retries: 0, backoff: .seconds(1)))
        #expect(LockSafety.describe(.milliseconds(200)) == "200 ms" && LockSafety.describe(.seconds(5)) == "5 s"
                && LockSafety.describe(.milliseconds(1500)) == "1.5 s")
    }
}

import Foundation

/// How the applier guards PostgreSQL's table locks (`postgres.statement_lock_timeout`,
/// `postgres.lock_retries` and `postgres.lock_retry_backoff` in strata.yml, or the flags of
/// `up` and `deploy`): each migration's statements run with `lock_timeout` set to
/// `statementLockTimeout`, so a statement stuck behind another session's lock gives up instead
/// of making every later query on the table queue behind it; a migration that fails on a lock
/// timeout (SQLSTATE 55P03) is rolled back and tried again, up to `retryLimit` more times,
/// after `wait(afterAttempt:)`. SQLite has no such locks: the applier ignores these there.
///
/// Defaults, when only the timeout is set: 3 retries (4 attempts), the first after 1 s, each
/// later wait twice the one before up to 30 s, each wait up to a fifth shorter at random (so
/// that runs that timed out together do not come back together).
public struct LockSafety: Sendable, Equatable {
    /// `lock_timeout` for each migration's statements; nil: Strata sets none.
    public var statementLockTimeout: Duration?
    /// How many times a migration that failed on a lock timeout is tried again, as set;
    /// nil: the default (`retryLimit`).
    public var retries: Int?
    /// The wait before the first retry, as set; nil: the default (`firstWait`).
    public var backoff: Duration?

    public init(statementLockTimeout: Duration? = nil, retries: Int? = nil, backoff: Duration? = nil) {
        self.statementLockTimeout = statementLockTimeout
        self.retries = retries
        self.backoff = backoff
    }

    /// Retries when only the timeout is set.
    public static let defaultRetries = 3
    /// The first wait when none is set.
    public static let defaultBackoff: Duration = .seconds(1)
    /// No wait between attempts is longer than this (unless the first one set is).
    public static let maximumWait: Duration = .seconds(30)
    /// The longest `statement_lock_timeout`: a day (PostgreSQL allows about 24 days; longer
    /// than a day is a typo, and no lock wait that long is safe).
    public static let maximumTimeout: Duration = .seconds(86_400)
    /// The longest `lock_retry_backoff`: an hour.
    public static let maximumBackoff: Duration = .seconds(3_600)
    /// The most `lock_retries`.
    public static let maximumRetries = 1_000

    /// Whether the applier sets `lock_timeout` itself.
    public var setsTimeout: Bool { statementLockTimeout != nil }

    /// How many times a migration that failed on a lock timeout is tried again: as set, else 3
    /// when the timeout is set, else none. With retries set and no timeout, a lock timeout the
    /// migration sets itself (`SET lock_timeout`) is retried the same way.
    public var retryLimit: Int { retries ?? (statementLockTimeout == nil ? 0 : Self.defaultRetries) }

    /// The wait before the first retry.
    public var firstWait: Duration { backoff ?? Self.defaultBackoff }

    /// Whether anything here changes what the applier does.
    public var isActive: Bool { setsTimeout || retryLimit > 0 }

    /// The wait after failed attempt `attempt` (1: the first) before the next one: the first
    /// wait doubled for each attempt after the first, no more than `maximumWait` (or the first
    /// wait, when it is longer), then shortened by `jitter` (0 to 1: a fraction of up to a fifth).
    public func wait(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let first = Double(Self.milliseconds(firstWait))
        let cap = max(first, Double(Self.milliseconds(Self.maximumWait)))
        let doubled = min(cap, first * pow(2, Double(max(0, min(attempt - 1, 30)))))
        let shortened = doubled * (1 - 0.2 * min(1, max(0, jitter)))
        return .milliseconds(Int64(shortened.rounded()))
    }

    /// `self` with each value `overrides` sets put in its place (the flags over strata.yml).
    public func overridden(by overrides: LockSafety) -> LockSafety {
        LockSafety(statementLockTimeout: overrides.statementLockTimeout ?? statementLockTimeout,
                   retries: overrides.retries ?? retries, backoff: overrides.backoff ?? backoff)
    }

    // MARK: - Durations as written

    /// A duration as strata.yml and the flags take it: `5s`, `500ms`, `2min`, `1h`, `1.5s`, or
    /// a bare whole number of milliseconds (`500`); nil when it is none of these.
    public static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let unitStart = trimmed.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) else {
            return Int64(trimmed).map { .milliseconds($0) }
        }
        let number = String(trimmed[..<unitStart])
        let unit = trimmed[unitStart...].trimmingCharacters(in: .whitespaces).lowercased()
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number.first != ".", number.last != ".",
              let value = Double(number), value.isFinite else { return nil }
        let factor: Double
        switch unit {
        case "ms": factor = 1
        case "s": factor = 1_000
        case "min": factor = 60_000
        case "h": factor = 3_600_000
        default: return nil
        }
        let ms = value * factor
        guard ms <= 1e15 else { return nil }
        return .milliseconds(Int64(ms.rounded()))
    }

    /// Whole milliseconds of `duration`.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// A duration as a person reads it: `200 ms`, `5 s`, `1.5 s`.
    public static func describe(_ duration: Duration) -> String {
        let ms = milliseconds(duration)
        if ms < 1000 { return "\(ms) ms" }
        if ms % 1000 == 0 { return "\(ms / 1000) s" }
        return String(format: "%.1f s", Double(ms) / 1000)
    }
}

import Foundation
import Yams

/// `preset`, `postgres` and `sqlite` in strata.yml.
extension Configuration {
    static func parsePreset(_ node: Node, _ path: String) throws(ConfigurationError) -> Preset {
        guard case .scalar(let scalar) = node, let preset = Preset(rawValue: scalar.string) else {
            throw located(path, node, "`preset` must be one of: \(Preset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return preset
    }

    /// The keys of `postgres:`.
    static let postgresKeys = ["version", "statement_lock_timeout", "lock_retries", "lock_retry_backoff"]

    /// `postgres: {version: 15, statement_lock_timeout: 5s, lock_retries: 3, lock_retry_backoff: 1s}`.
    static func parsePostgres(_ node: Node, _ path: String, into configuration: inout Configuration) throws(ConfigurationError) {
        guard case .mapping(let mapping) = node else {
            throw located(path, node, "`postgres` must be a mapping, e.g. `postgres: {version: 15}`")
        }
        for (key, value) in mapping {
            switch key.string {
            case "version":
                try parseVersionValue("postgres", value, path, into: &configuration.versions)
            case "statement_lock_timeout":
                configuration.lockSafety.statementLockTimeout = try duration(value, "postgres.statement_lock_timeout", path,
                                                                             minimum: .milliseconds(1), maximum: LockSafety.maximumTimeout)
            case "lock_retry_backoff":
                configuration.lockSafety.backoff = try duration(value, "postgres.lock_retry_backoff", path,
                                                                minimum: .zero, maximum: LockSafety.maximumBackoff)
            case "lock_retries":
                guard case .scalar(let scalar) = value, let retries = Int(scalar.string), (0...LockSafety.maximumRetries).contains(retries) else {
                    throw located(path, value, "`postgres.lock_retries` must be a whole number from 0 to \(LockSafety.maximumRetries) (how many times a migration that failed on a lock timeout is tried again)")
                }
                configuration.lockSafety.retries = retries
            default:
                throw located(path, key, "unknown key 'postgres.\(key.string ?? "?")'; known keys: \(postgresKeys.map { "postgres.\($0)" }.joined(separator: ", "))")
            }
        }
    }

    /// A duration of strata.yml (`LockSafety.parseDuration`) from `minimum` to `maximum`.
    static func duration(_ node: Node, _ key: String, _ path: String, minimum: Duration, maximum: Duration) throws(ConfigurationError) -> Duration {
        let range = "from \(LockSafety.describe(minimum)) to \(LockSafety.describe(maximum))"
        guard case .scalar(let scalar) = node else { throw located(path, node, "`\(key)` must be a duration such as 5s, 500ms or 2min, \(range)") }
        guard let duration = LockSafety.parseDuration(scalar.string), duration >= minimum, duration <= maximum else {
            throw located(path, node, "`\(key)` must be a duration such as 5s, 500ms or 2min (a bare number is milliseconds), \(range), not '\(scalar.string)'")
        }
        return duration
    }

    /// `postgres: {version: 15}` (a major version) or `sqlite: {version: "3.40"}`.
    static func parseVersion(_ key: String, _ node: Node, _ path: String, into versions: inout DialectVersions) throws(ConfigurationError) {
        guard case .mapping(let mapping) = node else {
            throw located(path, node, "`\(key)` must be a mapping, e.g. `\(key): {version: \(key == "postgres" ? "15" : "3.40")}`")
        }
        for (versionKey, value) in mapping {
            guard versionKey.string == "version" else {
                throw located(path, versionKey, "unknown key '\(key).\(versionKey.string ?? "?")'; known keys: \(key).version")
            }
            try parseVersionValue(key, value, path, into: &versions)
        }
    }

    /// The value of `postgres.version` or `sqlite.version`.
    static func parseVersionValue(_ key: String, _ value: Node, _ path: String, into versions: inout DialectVersions) throws(ConfigurationError) {
        guard case .scalar(let scalar) = value else { throw located(path, value, "`\(key).version` must be a single value") }
        let text = scalar.string
        if key == "postgres" {
            // `15`, or `15.4` (the minor release does not matter to any rule).
            let major = Int(text.split(separator: ".").first.map(String.init) ?? "")
            guard let major, DialectVersions.supportedPostgres.contains(major) else {
                throw located(path, value, "`postgres.version` must be a PostgreSQL major version from \(DialectVersions.supportedPostgres.lowerBound) to \(DialectVersions.supportedPostgres.upperBound), not '\(text)'")
            }
            versions.postgres = major
        } else {
            guard let version = SQLiteVersion(text), version.major == 3 else {
                throw located(path, value, "`sqlite.version` must be an SQLite 3 release such as 3.40 or 3.35.5, not '\(text)'")
            }
            versions.sqlite = version
        }
    }

    static func located(_ path: String, _ node: Node, _ message: String) -> ConfigurationError {
        ConfigurationError(file: path, line: node.mark?.line, column: node.mark?.column, message: message)
    }
}

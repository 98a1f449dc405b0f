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

    /// `postgres: {version: 15}` (a major version) or `sqlite: {version: "3.40"}`.
    static func parseVersion(_ key: String, _ node: Node, _ path: String, into versions: inout DialectVersions) throws(ConfigurationError) {
        guard case .mapping(let mapping) = node else {
            throw located(path, node, "`\(key)` must be a mapping, e.g. `\(key): {version: \(key == "postgres" ? "15" : "3.40")}`")
        }
        for (versionKey, value) in mapping {
            guard versionKey.string == "version" else {
                throw located(path, versionKey, "unknown key '\(key).\(versionKey.string ?? "?")'; known keys: \(key).version")
            }
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
    }

    static func located(_ path: String, _ node: Node, _ message: String) -> ConfigurationError {
        ConfigurationError(file: path, line: node.mark?.line, column: node.mark?.column, message: message)
    }
}

import Foundation
import Yams

/// `monitoring` in strata.yml.
extension Configuration {
    /// `monitoring: {slow_ms: 5000}`: a migration that took longer than `slow_ms` milliseconds
    /// is flagged slow by `strata status` and counted by `strata metrics`.
    static func parseMonitoring(_ node: Node, _ path: String) throws(ConfigurationError) -> Int64 {
        guard case .mapping(let mapping) = node else {
            throw located(path, node, "`monitoring` must be a mapping, e.g. `monitoring: {slow_ms: 5000}`")
        }
        var slow: Int64?
        for (key, value) in mapping {
            guard key.string == "slow_ms" else {
                throw located(path, key, "unknown key 'monitoring.\(key.string ?? "?")'; known keys: monitoring.slow_ms")
            }
            // A plain whole number only: `5s`, `5000.5`, `"5000"` or `true` is a mistake to show,
            // not a value to guess at.
            guard case .scalar(let scalar) = value, scalar.style == .plain, let ms = Int64(scalar.string), ms >= 1 else {
                throw located(path, value, "`monitoring.slow_ms` must be a whole number of milliseconds, 1 or more (e.g. 5000 for 5 s)")
            }
            slow = ms
        }
        guard let slow else { throw located(path, node, "`monitoring` must set `slow_ms`, e.g. `monitoring: {slow_ms: 5000}`") }
        return slow
    }
}

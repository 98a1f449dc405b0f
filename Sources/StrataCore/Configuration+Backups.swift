import Foundation
import Yams

/// `backups` in strata.yml.
extension Configuration {
    /// `backups: {directory: ./backups}`: the folder, as written (the caller resolves it
    /// against the configuration file's folder, as it does `migrations`).
    static func parseBackups(_ node: Node, _ path: String) throws(ConfigurationError) -> String {
        guard case .mapping(let mapping) = node else {
            throw located(path, node, "`backups` must be a mapping, e.g. `backups: {directory: ./backups}`")
        }
        var folder: String?
        for (key, value) in mapping {
            guard key.string == "directory" else {
                throw located(path, key, "unknown key 'backups.\(key.string ?? "?")'; known keys: backups.directory")
            }
            guard case .scalar(let scalar) = value else { throw located(path, value, "`backups.directory` must be a single value") }
            guard !scalar.string.isEmpty else { throw located(path, value, "`backups.directory` must name a folder") }
            folder = scalar.string
        }
        guard let folder else { throw located(path, node, "`backups` must set `directory`, e.g. `backups: {directory: ./backups}`") }
        return folder
    }
}

import Foundation
import StrataCore

/// `strata lint --suppress-all` and `--prune-suppressions`: the project's suppressions file
/// made of what a lint found.
extension Project {
    /// Writes the suppressions file made of `old` and what the lint counted (`tally`): every
    /// finding recorded, or (`prune`) only the entries still found kept. Returns what to tell
    /// the user: the file's name and what it holds now.
    public func updateSuppressions(_ old: SuppressionsFile, with tally: BulkSuppressions.Tally, prune: Bool) throws -> String {
        let root = projectRoot
        let exists = { (key: String) in FileDiscovery.fileExists(PathText.absolute(key, from: root)) }
        let new = prune ? old.pruned(by: tally, exists: exists) : old.recording(tally, exists: exists)
        let name = suppressionsDisplayName
        let holds = "\(Self.counted(new.findingCount, "finding")) of \(Self.counted(new.ruleIDs.count, "rule")) in \(Self.counted(new.entries.count, "file"))"
        guard prune else {
            try Self.write(new, to: suppressionsPath, name: name)
            return "\(name): recorded \(holds)"
        }
        guard new != old else { return "\(name): nothing to prune; it holds \(holds)" }
        try Self.write(new, to: suppressionsPath, name: name)
        return "\(name): pruned \(Self.counted(old.findingCount - new.findingCount, "finding")); it holds \(holds)"
    }

    private static func write(_ file: SuppressionsFile, to path: String, name: String) throws {
        do {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.text.utf8).write(to: url, options: .atomic)
        } catch {
            throw CommandFailure("\(name): cannot write the suppressions file: \(error.localizedDescription)")
        }
    }

    private static func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
}

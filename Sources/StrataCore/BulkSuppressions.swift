/// The suppressions file as a lint applies it (`Linter.bulkSuppressions`): for each file and
/// rule, findings up to the recorded count are not reported. When a file has more findings of a
/// rule than recorded, all of them are reported (which one is new cannot be told), each saying
/// how many are recorded and found.
///
/// Only rules whose description allows it (`RuleDescription.bulkSuppressible`) are covered: an
/// edited, renamed or deleted applied migration, or a file Strata cannot read, is reported
/// whatever the file says. Notes are never counted.
public struct BulkSuppressions: Sendable {
    public var file: SuppressionsFile
    /// Absolute: the folder file keys are relative to (the folder of strata.yml, else the
    /// working directory).
    public var projectRoot: String
    /// Absolute: what relative finding paths are relative to.
    public var workingDirectory: String
    /// The suppressions file as messages name it.
    public var displayName: String
    /// `--suppress-all`: every finding the file may cover is suppressed (and counted), as it
    /// will be once the file records them.
    public var recordAll = false

    public init(file: SuppressionsFile, projectRoot: String, workingDirectory: String, displayName: String) {
        self.file = file
        self.projectRoot = PathText.absolute(projectRoot, from: workingDirectory)
        self.workingDirectory = workingDirectory
        self.displayName = displayName
    }

    /// What a lint learnt of the files it checked: the counts a new suppressions file would
    /// hold, and how many findings were suppressed.
    public struct Tally: Sendable, Equatable {
        /// The keys of the files checked (a file only read for context is not).
        public var checkedFiles: Set<String> = []
        /// Findings the file may cover, by file key and rule, before suppression.
        public var found: [String: [String: Int]] = [:]
        /// Findings not reported because the file covers them.
        public var suppressed = 0
        /// The suppressions file as messages name it.
        public var displayName: String

        public init(displayName: String) {
            self.displayName = displayName
        }

        /// Another run's tally (another group of named files) added to this one.
        public mutating func add(_ other: Tally) {
            checkedFiles.formUnion(other.checkedFiles)
            for (file, rules) in other.found {
                found[file, default: [:]].merge(rules, uniquingKeysWith: +)
            }
            suppressed += other.suppressed
        }
    }

    /// The key of a finding's or file's path: relative to the project root, `/`-separated,
    /// with `..` when it lies outside it.
    public func key(for path: String) -> String {
        let absolute = PathText.absolute(path, from: workingDirectory)
        if let below = PathText.relative(absolute, below: projectRoot) { return below }
        let target = absolute.split(separator: "/")
        let base = projectRoot.split(separator: "/")
        var common = 0
        while common < target.count, common < base.count, target[common] == base[common] { common += 1 }
        return (Array(repeating: "..", count: base.count - common) + target[common...].map(String.init)).joined(separator: "/")
    }

    /// A file is checked: its entries are what this run found in it.
    func markChecked(_ path: String, tally: inout Tally, keys: inout [String: String]) {
        tally.checkedFiles.insert(cachedKey(path, &keys))
    }

    private func cachedKey(_ path: String, _ keys: inout [String: String]) -> String {
        if let known = keys[path] { return known }
        let computed = key(for: path)
        keys[path] = computed
        return computed
    }

    /// One file's findings (or the history findings) with those the file covers taken out;
    /// `covered` are the ids of the rules it may cover.
    func apply(_ found: [Diagnostic], covered: Set<String>, tally: inout Tally, keys: inout [String: String]) -> [Diagnostic] {
        var counts: [String: [String: Int]] = [:]   // by path as shown, then rule
        for diagnostic in found where diagnostic.severity != .note && covered.contains(diagnostic.rule) {
            counts[diagnostic.file, default: [:]][diagnostic.rule, default: 0] += 1
        }
        guard !counts.isEmpty else { return found }
        // By path as shown, then rule: nil when every finding is suppressed, else what is recorded.
        var verdicts: [String: [String: Int?]] = [:]
        for (path, rules) in counts {
            let key = cachedKey(path, &keys)
            for (rule, count) in rules {
                tally.found[key, default: [:]][rule, default: 0] += count
                let recorded = recordAll ? count : file.entries[key]?[rule] ?? 0
                if count <= recorded {
                    verdicts[path, default: [:]][rule] = .some(nil)
                    tally.suppressed += count
                } else if recorded > 0 {
                    verdicts[path, default: [:]][rule] = .some(recorded)
                }
            }
        }
        guard !verdicts.isEmpty else { return found }
        var kept: [Diagnostic] = []
        kept.reserveCapacity(found.count)
        for var diagnostic in found {
            guard diagnostic.severity != .note, let verdict = verdicts[diagnostic.file]?[diagnostic.rule] else {
                kept.append(diagnostic)
                continue
            }
            guard let recorded = verdict else { continue }
            let count = counts[diagnostic.file]?[diagnostic.rule] ?? 0
            let note = "\(displayName) records \(recorded) \(diagnostic.rule) finding\(recorded == 1 ? "" : "s") in this file and \(count) are found, "
                + "so all are reported (which is new cannot be told): fix the new one, or run `strata lint --suppress-all` to record them all"
            diagnostic.help = diagnostic.help.map { $0 + "\n" + note } ?? note
            kept.append(diagnostic)
        }
        return kept
    }
}

import Dispatch
import Foundation
import StrataSyntax

/// Runs the rules over a set of migration files.
///
/// Two passes keep memory flat however many files there are:
/// 1. identity pass: for layouts with metadata, each file's header is read (in parallel) to
///    learn its dependencies and number; the set is then ordered (`MigrationOrder`). Other
///    layouts run in path order.
/// 2. check pass: files are taken in that order, a window at a time; the window is read and
///    parsed on every core, then replayed into the schema model and checked in order, and its
///    tokens are dropped before the next window. Only diagnostics and the schema model outlive it.
public struct Linter: Sendable {
    public private(set) var rules: [any Rule]
    public let settings: [String: RuleSetting]
    public let dialect: Dialect
    public let layout: any MigrationLayout
    /// Every rule id a suppression may name (more than `rules` when only some rules run).
    public var knownRules: Set<String>
    /// What git says of the migrations, for the history rules (`strata check`).
    public var history: HistoryFacts?
    /// Ids of files only replayed, not checked: `strata check` skips the rules on migrations
    /// unchanged since they were applied (their findings passed review on the base branch).
    public var replayOnly: Set<String> = []
    /// Files parsed at once in the check pass.
    public var windowSize = 64
    /// Which rules run, and how, when `settings` does not name them.
    public var preset: Preset = .recommended
    /// The database releases the migrations target (version-gated rules).
    public var versions = DialectVersions()
    /// Keep `note` findings (rules skipped for a table new on this branch); else dropped.
    public var verbose = false

    public init(rules: [any Rule], settings: [String: RuleSetting], dialect: Dialect, layout: LayoutKind) {
        self.rules = rules
        self.settings = settings
        self.dialect = dialect
        self.layout = layout.layout
        self.knownRules = Set(rules.map { type(of: $0).description.id })
    }

    /// This linter with only the rules `isIncluded` keeps; every other setting (suppressions may
    /// still name any known rule) stays.
    public func keepingRules(where isIncluded: (any Rule) -> Bool) -> Linter {
        var copy = self
        copy.rules = rules.filter(isIncluded)
        return copy
    }

    /// The severity a rule runs at, or nil when it is off (opt-in rules are off unless set).
    public func severity(of description: RuleDescription) -> Severity? {
        if let setting = settings[description.id] { return setting.severity }
        return preset.severity(of: description)
    }

    // MARK: - Entry points

    /// Lints files and folders on disk.
    public func lint(paths: [String]) throws(InputError) -> LintResult {
        let files = try FileDiscovery.discover(paths, layout: layout)
        return try lint(files.map { Item(id: $0.id, path: $0.path, content: .disk($0)) })
    }

    /// Lints files given in memory, in the order their layout dictates (tests, examples).
    public func lint(_ inputs: [MigrationInput]) -> LintResult {
        do {
            return try lint(inputs.map { Item(id: $0.id, path: $0.path, content: .memory($0.bytes)) })
        } catch {
            preconditionFailure("in-memory input cannot fail to read")
        }
    }

    /// Lints files parsed already at full depth, each once (in the order their layout dictates).
    public func lint(parsed files: [MigrationFile]) -> LintResult {
        do {
            return try lint(files.map { Item(id: $0.id, path: $0.path, content: .parsed($0)) })
        } catch {
            preconditionFailure("parsed input cannot fail to read")
        }
    }

    // MARK: - Passes

    enum Content: Sendable {
        case memory([UInt8])
        case disk(DiscoveredFile)
        /// Parsed already, at full depth (the applier parses once for lint and its catalog).
        /// Indirect: a file inline would make every item, of every lint, several times larger.
        indirect case parsed(MigrationFile)
    }

    struct Item: Sendable {
        var id: String
        var path: String
        var content: Content

        func bytes() throws(InputError) -> [UInt8] {
            switch content {
            case .memory(let bytes): return bytes
            case .disk(let file): return try FileDiscovery.read(file)
            case .parsed(let file): return file.source?.bytes ?? []
            }
        }
    }

    private func lint(_ items: [Item]) throws(InputError) -> LintResult {
        let (order, info) = try identityPass(items)
        let active = rules.compactMap { rule -> (any Rule, Severity)? in
            let description = type(of: rule).description
            guard let severity = severity(of: description),
                  description.requires.isSubset(of: layout.capabilities),
                  history != nil || !description.needsHistory,
                  description.dialects.contains(dialect) else { return nil }
            return (rule, severity)
        }
        var schema = SchemaModel()
        var diagnostics: [Diagnostic] = []
        let windows = stride(from: 0, to: order.count, by: windowSize).map { Array(order[$0..<min($0 + windowSize, order.count)]) }
        let parseWindow = { @Sendable (window: [Int]) throws(InputError) -> [MigrationFile] in
            try self.parallelMap(window) { (index: Int) throws(InputError) -> MigrationFile in
                let item = items[index]
                if case .parsed(let file) = item.content { return file }
                return self.layout.parse(MigrationInput(id: item.id, path: item.path, bytes: try item.bytes()),
                                         dialect: self.dialect, depth: self.replayOnly.contains(item.id) ? .forward : .full)
            }
        }
        // The check of one window (in order, on this thread) overlaps the parse of the next (on
        // the other cores); at most two windows are held at once.
        var current = windows.isEmpty ? [] : try parseWindow(windows[0])
        for next in windows.indices {
            let upcoming = Pending<[MigrationFile]>()
            let group = DispatchGroup()
            if next + 1 < windows.count {
                let window = windows[next + 1]
                DispatchQueue.global().async(group: group) {
                    do throws(InputError) { upcoming.result = .success(try parseWindow(window)) } catch { upcoming.result = .failure(error) }
                }
            }
            for file in current {
                diagnostics += check(file, schema: &schema, info: info, active: active)
            }
            group.wait()
            if let result = upcoming.result { current = try result.get() }
        }
        if let history {
            for (rule, severity) in active {
                guard let historyRule = rule as? any HistoryRule else { continue }
                let description = type(of: rule).description
                for found in historyRule.checkHistory(history) {
                    diagnostics.append(Diagnostic(rule: description.id, severity: min(severity, found.violation.severity ?? severity),
                                                  file: found.path, range: found.violation.range, message: found.violation.message,
                                                  help: found.violation.help ?? description.help))
                }
            }
        }
        diagnostics.sort(by: Diagnostic.reportOrder)
        return LintResult(diagnostics: diagnostics, fileCount: items.count)
    }

    /// The order to check the files in (indices into `items`) and what the set-level rules need.
    private func identityPass(_ items: [Item]) throws(InputError) -> ([Int], MigrationSetInfo) {
        var info = MigrationSetInfo()
        guard layout.capabilities.contains(.metadata) else {
            // Without metadata no rule asks about other migrations: keep no per-file set.
            let order = items.indices.sorted { items[$0].path.utf8.lexicographicallyPrecedes(items[$1].path.utf8) }
            return (order, info)
        }
        let headers = try parallelMap(Array(items.indices)) { (index: Int) throws(InputError) -> [String] in
            let item = items[index]
            if case .parsed(let file) = item.content { return file.dependencies }
            return layout.dependencies(of: MigrationInput(id: item.id, path: item.path, bytes: try item.bytes()), dialect: dialect)
        }
        info.ids = Set(items.map(\.id))
        var dependencies: [String: [String]] = [:]
        var indicesByID: [String: [Int]] = [:]
        for (index, item) in items.enumerated() {
            dependencies[item.id, default: []] += headers[index]
            indicesByID[item.id, default: []].append(index)
            if layout.capabilities.contains(.numberedFiles), let number = MigrationFile.numericPrefix(of: item.id) {
                info.idsByNumber[number, default: []].append(item.id)
            }
        }
        let order = MigrationOrder(dependencies: dependencies)
        info.cycles = order.cycles
        return (order.ordered.flatMap { indicesByID[$0] ?? [] }, info)
    }

    // MARK: - One file

    private func check(_ file: MigrationFile, schema: inout SchemaModel, info: MigrationSetInfo,
                       active: [(any Rule, Severity)]) -> [Diagnostic] {
        var before: [String: SchemaModel.Table?] = [:]
        if file.notText == nil {
            before = schema.apply(file: file.up?.statements ?? [], migration: file.id)
        }
        if replayOnly.contains(file.id) { return [] }
        let context = RuleContext(file: file, migrations: info, schema: schema, dialect: dialect,
                                  capabilities: layout.capabilities, knownRules: knownRules, history: history,
                                  versions: versions, tablesBefore: before)
        var found: [Diagnostic] = []
        for (rule, severity) in active {
            let description = type(of: rule).description
            // A file that is not text has no statements or comments: only `parse-error` speaks.
            if file.notText != nil, description.suppressible { continue }
            for violation in rule.check(context) where verbose || violation.severity != .note {
                found.append(Diagnostic(rule: description.id, severity: min(severity, violation.severity ?? severity),
                                        file: file.path, range: violation.range, message: violation.message,
                                        help: violation.help ?? description.help))
            }
        }
        return applySuppressions(found, file: file, active: active)
    }

    /// Drops findings a `strata:ignore` comment covers, then reports suppressions of enabled
    /// rules that covered nothing (`unused-ignore`), unless those are suppressed too.
    private func applySuppressions(_ found: [Diagnostic], file: MigrationFile,
                                   active: [(any Rule, Severity)]) -> [Diagnostic] {
        guard !file.suppressions.isEmpty else { return found }
        let suppressible = Set(active.filter { type(of: $0.0).description.suppressible }.map { type(of: $0.0).description.id })
        var used = Set<String>()   // "suppressionIndex:rule"
        func suppressed(_ diagnostic: Diagnostic, mark: Bool) -> Bool {
            guard suppressible.contains(diagnostic.rule) else { return false }
            for (index, suppression) in file.suppressions.enumerated()
            where suppression.covers(rule: diagnostic.rule, offset: diagnostic.range.start.offset) {
                if mark { used.insert("\(index):\(diagnostic.rule)") }
                return true
            }
            return false
        }
        var kept = found.filter { !suppressed($0, mark: true) }
        let unusedRule = "unused-ignore"
        guard let unusedSeverity = active.first(where: { type(of: $0.0).description.id == unusedRule })?.1 else {
            return kept
        }
        let activeIDs = Set(active.map { type(of: $0.0).description.id })
        var unused: [Diagnostic] = []
        for (index, suppression) in file.suppressions.enumerated() where !suppression.misplaced {
            for (id, range) in suppression.rules
            where activeIDs.contains(id) && id != unusedRule && !used.contains("\(index):\(id)") {
                let canSuppress = suppressible.contains(id)
                unused.append(Diagnostic(
                    rule: unusedRule, severity: unusedSeverity, file: file.path, range: range,
                    message: canSuppress ? "suppression of '\(id)' matched no finding" : "'\(id)' cannot be suppressed",
                    help: canSuppress ? "remove it, or move it to the line just above the statement it is meant for"
                        : "fix the file instead: \(id) findings mean the file is not read as the database would read it"))
            }
        }
        kept += unused.filter { !suppressed($0, mark: false) }
        return kept
    }

    // MARK: - Parallelism

    /// `transform` applied to every element on all cores, results in input order. The first
    /// error (in input order) is thrown.
    private func parallelMap<T: Sendable>(_ input: [Int], _ transform: @Sendable (Int) throws(InputError) -> T)
        throws(InputError) -> [T] {
        try Parallel.map(input.count) { i in Result { () throws(InputError) in try transform(input[i]) } }.map { r throws(InputError) in try r.get() }
    }
}

/// The result of work running on another thread, read after waiting for it.
private final class Pending<T>: @unchecked Sendable {
    var result: Result<T, InputError>?
}

import Foundation
import StrataSyntax

/// One run of a `Linter` over a set of files.
///
/// 1. Identity pass: for layouts with metadata, each file's header is read (on every core) to
///    learn its dependencies and number; the set is then ordered (`MigrationOrder`). Other
///    layouts run in path order.
/// 2. Check pass, on one lane per core (`CheckPipeline`): the schema model is the only state
///    one file hands to the next, and replaying it costs little next to the rules, so every
///    lane walks all the files, replays each into a schema model of its own, and checks the
///    files no other lane has claimed yet. Parsing is shared the same way. No schema is
///    copied, no lane waits at a barrier, and at most `windowSize` files are held at once.
/// 3. Lane 0 is the calling thread: between files it sorts each finished file's findings and
///    hands them on in report order (by path, then position) as soon as every file before it
///    is done; in path-ordered layouts that is at once.
struct LintPass {
    /// A rule that runs, with what the engine needs of its description, read once (a class:
    /// every file walks the list, and a reference is all a walk copies).
    final class ActiveRule: Sendable {
        let rule: any Rule
        let id: String
        let severity: Severity
        let help: String?
        let suppressible: Bool
        let bulkSuppressible: Bool
        let readsNonSQLFiles: Bool

        init(rule: any Rule, id: String, severity: Severity, help: String?, suppressible: Bool, bulkSuppressible: Bool, readsNonSQLFiles: Bool) {
            self.rule = rule
            self.id = id
            self.severity = severity
            self.help = help
            self.suppressible = suppressible
            self.bulkSuppressible = bulkSuppressible
            self.readsNonSQLFiles = readsNonSQLFiles
        }
    }

    let linter: Linter
    let active: [ActiveRule]
    /// Ids of the active rules a suppression can silence.
    let suppressibleIDs: Set<String>
    /// Ids of the active rules the suppressions file can cover.
    let bulkSuppressibleIDs: Set<String>
    let activeIDs: Set<String>
    /// The severity `unused-ignore` runs at, when it runs.
    let unusedIgnoreSeverity: Severity?

    init(_ linter: Linter) {
        self.linter = linter
        let layout = linter.layout
        active = linter.rules.compactMap { rule -> ActiveRule? in
            let description = type(of: rule).description
            guard let severity = linter.severity(of: description),
                  description.requires.isSubset(of: layout.capabilities),
                  linter.history != nil || !description.needsHistory,
                  description.dialects.contains(linter.dialect) else { return nil }
            return ActiveRule(rule: rule, id: description.id, severity: severity, help: description.help,
                              suppressible: description.suppressible, bulkSuppressible: description.bulkSuppressible,
                              readsNonSQLFiles: description.readsNonSQLFiles)
        }
        suppressibleIDs = Set(active.filter(\.suppressible).map(\.id))
        bulkSuppressibleIDs = Set(active.filter(\.bulkSuppressible).map(\.id))
        activeIDs = Set(active.map(\.id))
        unusedIgnoreSeverity = active.first { $0.id == UnusedIgnore.ruleID }?.severity
    }

    func run(_ items: [Linter.Item], report: ([Diagnostic]) -> Void) throws(InputError) -> LintSummary {
        let (order, info) = try identityPass(items)
        let inPathOrder = !linter.layout.capabilities.contains(.metadata)
        // Files only replayed (by item index): unchanged since applied (`replayOnly`), or not
        // among the files named (`focus`).
        let named = linter.focus.map { focus in items.map { focus.contains($0.path) || $0.downPath.map(focus.contains) == true } }
        let replayed = items.indices.map { index in
            named?[index] == false || (!linter.replayOnly.isEmpty && linter.replayOnly.contains(items[index].id))
        }
        var history = historyFindings()
        if let focus = linter.focus, let named {
            // A named migration's files are reported together (either one named checks both).
            let files = focus.union(items.indices.filter { named[$0] }.flatMap { [items[$0].path] + (items[$0].downPath.map { [$0] } ?? []) })
            history.removeAll { !files.contains($0.file) }
        }
        // The suppressions file: what it covers is counted, and taken out, file by file as the
        // findings are handed on (on this thread, in report order).
        let bulk = linter.bulkSuppressions
        var tally = BulkSuppressions.Tally(displayName: bulk?.displayName ?? "")
        var keys: [String: String] = [:]   // finding paths' keys in the file, worked out once
        if let bulk { history = bulk.apply(history, covered: bulkSuppressibleIDs, tally: &tally, keys: &keys) }
        var output = ReportOrder(items: items, extra: history,
                                 pathOrder: inPathOrder && linter.layout.kind == .plain ? order : nil,
                                 fileCount: named.map { $0.count { $0 } })
        let threads = max(1, min(Cores.active, items.count / 8))
        // Each lane replays every file, which pays only when there is checking to share: when
        // nearly every file is only replayed (`strata check` of a long history with one new
        // migration), one lane replays and checks while the other threads only read and
        // parse ahead of it.
        let checked = replayed.count { !$0 }
        let lanes = max(1, min(linter.lanes ?? threads, checked / 8))
        let parsers = linter.parserThreads ?? (linter.lanes == nil ? max(0, threads - lanes) : 0)
        let pipeline = CheckPipeline(count: order.count, span: linter.windowSize, lanes: lanes, parsers: parsers)
        let walk = { @Sendable (lane: Int, afterEachFile: () -> Void) in
            let schema = LaneState()
            defer { pipeline.laneFinished() }
            var finished: (position: Int, found: [Diagnostic]?)?
            while let (position, file, claimed) = pipeline.step(lane: lane, finished: finished?.position, found: finished?.found,
                                                               parsing: { parse(items, order[$0], replayed: replayed) }) {
                let statements = file.notText == nil ? file.up?.statements ?? [] : []
                if !claimed {
                    schema.model.replay(file: statements, migration: file.id)
                    finished = (position, nil)
                } else if replayed[order[position]] {
                    schema.model.replay(file: statements, migration: file.id)
                    finished = (position, [])
                } else {
                    let before = schema.model.apply(file: statements, migration: file.id)
                    finished = (position, checkFile(file, schema: schema.model, before: before, info: info))
                }
                afterEachFile()
            }
        }
        // Lane 0 is this thread: between files it hands on the findings that are final.
        let others = (1..<lanes).map { lane in
            let thread = Thread { walk(lane) {} }
            thread.stackSize = 1 << 22
            thread.start()
            return thread
        } + (0..<parsers).map { _ in
            let thread = Thread { pipeline.parseAhead { parse(items, order[$0], replayed: replayed) } }
            thread.stackSize = 1 << 22
            thread.start()
            return thread
        }
        var next = 0
        func handOn(wait: Bool) {
            for var found in pipeline.takeFound(from: next, wait: wait) {
                let item = order[next]
                if let bulk {
                    if !replayed[item] {
                        bulk.markChecked(items[item].path, tally: &tally, keys: &keys)
                        if let down = items[item].downPath { bulk.markChecked(down, tally: &tally, keys: &keys) }
                    }
                    found = bulk.apply(found, covered: bulkSuppressibleIDs, tally: &tally, keys: &keys)
                }
                output.finish(item: item, found, report: report)
                next += 1
            }
        }
        walk(0) { handOn(wait: false) }
        while next < order.count, pipeline.failure == nil {
            let before = next
            handOn(wait: true)
            if next == before { break }
        }
        pipeline.waitForLanes()
        _ = others
        if let failure = pipeline.failure {
            // The first file that cannot be read is the one to name, as a sequential run
            // would: earlier files no lane got to are read now.
            for position in 0..<failure.position where !pipeline.isParsed(position) {
                if case .failure(let error) = parse(items, order[position], replayed: replayed) { throw error }
            }
            throw failure.error
        }
        output.flush(report)
        var summary = output.summary
        summary.bulk = bulk == nil ? nil : tally
        return summary
    }

    // MARK: - Passes

    /// The order to check the files in (indices into `items`) and what the set-level rules need.
    private func identityPass(_ items: [Linter.Item]) throws(InputError) -> ([Int], MigrationSetInfo) {
        var info = MigrationSetInfo()
        let layout = linter.layout
        // sqitch has no metadata, but its plan orders the changes through their dependencies.
        guard layout.capabilities.contains(.metadata) || layout.kind == .sqitch else {
            // Without metadata no rule asks about other migrations: keep no per-file set.
            return (ReportOrder.layoutOrder(items, layout), info)
        }
        let dialect = linter.dialect
        let headers = try parallelMap(Array(items.indices)) { (index: Int) throws(InputError) -> [String] in
            let item = items[index]
            if case .parsed(let file) = item.content { return file.dependencies }
            return layout.dependencies(of: try item.input(), dialect: dialect)
        }
        info.ids = Set(items.map(\.id))
        var dependencies: [String: [String]] = [:]
        var indicesByID: [String: [Int]] = [:]
        for (index, item) in items.enumerated() {
            dependencies[item.id, default: []] += headers[index]
            indicesByID[item.id, default: []].append(index)
            if layout.capabilities.contains(.numberedFiles), let number = MigrationFile.versionPrefix(of: item.id) {
                info.idsByNumber[number, default: []].append(item.id)
            }
        }
        let order = MigrationOrder(dependencies: dependencies)
        info.cycles = order.cycles
        return (order.ordered.flatMap { indicesByID[$0] ?? [] }, info)
    }

    /// File `index` read and parsed as deep as the linter needs it (a file only replayed, its
    /// UP statements).
    private func parse(_ items: [Linter.Item], _ index: Int, replayed: [Bool]) -> Result<MigrationFile, InputError> {
        let item = items[index]
        if case .parsed(let file) = item.content { return .success(file) }
        return Result { () throws(InputError) in
            let input = try item.input()
            return linter.layout.parse(input, dialect: linter.dialect, depth: replayed[index] ? .forward : .full)
        }
    }

    // MARK: - One file

    private func checkFile(_ file: MigrationFile, schema: SchemaModel, before: [String: SchemaModel.Table?],
                           info: MigrationSetInfo) -> [Diagnostic] {
        var context = RuleContext(file: file, migrations: info, schema: schema, dialect: linter.dialect,
                                  capabilities: linter.layout.capabilities, knownRules: linter.knownRules,
                                  history: linter.history, versions: linter.versions, tablesBefore: before)
        context.notesWanted = linter.verbose
        context.applierLockTimeout = linter.applierLockTimeout
        var found: [Diagnostic] = []
        for rule in active {
            // A file that is not text has no statements or comments: only `parse-error` speaks.
            if file.notText != nil, rule.suppressible { continue }
            // A Go or Java migration has no SQL: only the rules about names, order and history.
            if file.nonSQL != nil, !rule.readsNonSQLFiles { continue }
            for violation in rule.rule.check(context) where linter.verbose || violation.severity != .note {
                found.append(Diagnostic(rule: rule.id, severity: min(rule.severity, violation.severity ?? rule.severity),
                                        file: file.path, range: violation.range, message: violation.message,
                                        help: violation.help ?? rule.help, suggestion: violation.suggestion))
            }
        }
        let kept = applySuppressions(found, file: file)
        return file.downFile == nil ? kept : kept.map(file.placed)
    }

    /// Drops findings a `strata:ignore` comment covers, then reports suppressions of enabled
    /// rules that covered nothing (`unused-ignore`), unless those are suppressed too.
    private func applySuppressions(_ found: [Diagnostic], file: MigrationFile) -> [Diagnostic] {
        guard !file.suppressions.isEmpty else { return found }
        var used = Set<String>()   // "suppressionIndex:rule"
        func suppressed(_ diagnostic: Diagnostic, mark: Bool) -> Bool {
            guard suppressibleIDs.contains(diagnostic.rule) else { return false }
            for (index, suppression) in file.suppressions.enumerated()
            where suppression.covers(rule: diagnostic.rule, offset: diagnostic.range.start.offset) {
                if mark { used.insert("\(index):\(diagnostic.rule)") }
                return true
            }
            return false
        }
        var kept = found.filter { !suppressed($0, mark: true) }
        guard let unusedSeverity = unusedIgnoreSeverity else { return kept }
        var unused: [Diagnostic] = []
        for (index, suppression) in file.suppressions.enumerated() where !suppression.misplaced {
            for (id, range) in suppression.rules
            where activeIDs.contains(id) && id != UnusedIgnore.ruleID && !used.contains("\(index):\(id)") {
                let canSuppress = suppressibleIDs.contains(id)
                unused.append(Diagnostic(
                    rule: UnusedIgnore.ruleID, severity: unusedSeverity, file: file.path, range: range,
                    message: canSuppress ? "suppression of '\(id)' matched no finding" : "'\(id)' cannot be suppressed",
                    help: canSuppress ? "remove it, or move it to the line just above the statement it is meant for"
                        : "fix the file instead: \(id) findings mean the file is not read as the database would read it"))
            }
        }
        kept += unused.filter { !suppressed($0, mark: false) }
        return kept
    }

    /// The history rules' findings (`strata check`): they depend on git alone, not on the
    /// schema, so they are known before the first file is checked.
    private func historyFindings() -> [Diagnostic] {
        guard let history = linter.history else { return [] }
        var found: [Diagnostic] = []
        for rule in active {
            guard let historyRule = rule.rule as? any HistoryRule else { continue }
            for finding in historyRule.checkHistory(history) {
                found.append(Diagnostic(rule: rule.id, severity: min(rule.severity, finding.violation.severity ?? rule.severity),
                                        file: finding.path, range: finding.violation.range, message: finding.violation.message,
                                        help: finding.violation.help ?? rule.help))
            }
        }
        return found
    }

    // MARK: - Parallelism

    /// `transform` applied to every element on all cores, results in input order. The first
    /// error (in input order) is thrown.
    private func parallelMap<T: Sendable>(_ input: [Int], _ transform: @Sendable (Int) throws(InputError) -> T)
        throws(InputError) -> [T] {
        try Parallel.map(input.count) { i in Result { () throws(InputError) in try transform(input[i]) } }.map { r throws(InputError) in try r.get() }
    }
}

/// What one lane keeps from file to file: its own replay of the schema.
private final class LaneState {
    var model = SchemaModel()
}

/// The id `unused-ignore`, which the engine itself reports.
enum UnusedIgnore {
    static let ruleID = "unused-ignore"
}

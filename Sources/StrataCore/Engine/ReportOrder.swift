import Foundation

/// Hands findings on in report order (by file path, then position, then rule id) while files
/// are checked in another order (the dependency order of the strata layout).
///
/// Every file, and every path that only history findings name (a deleted migration), has a
/// rank in path order. A file's findings are sorted when it is done and wait only for the files
/// ranked before it: in layouts checked in path order nothing waits at all.
struct ReportOrder {
    /// The rank of each item (by index).
    private let rankOfItem: [Int]
    /// Findings of files done but ranked after one still being checked.
    private var waiting: [Int: [Diagnostic]] = [:]
    /// History findings of each item, merged into its own when it is done.
    private var historyOfItem: [Int: [Diagnostic]] = [:]
    private var next = 0
    private(set) var summary = LintSummary()

    /// `extra` are findings not made by checking a file (history rules): they join the file of
    /// the same path, or take a rank of their own when no file has it.
    /// `pathOrder` is `Self.pathOrder(items)` when the caller has it already. `fileCount` is the
    /// files checked when not all of them are (`Linter.focus`).
    init(items: [Linter.Item], extra: [Diagnostic], pathOrder: [Int]? = nil, fileCount: Int? = nil) {
        summary.fileCount = fileCount ?? items.count
        var firstItemOfPath: [String: Int] = [:]
        if !extra.isEmpty {
            for (index, item) in items.enumerated() where firstItemOfPath[item.path] == nil { firstItemOfPath[item.path] = index }
        }
        var orphans: [String: [Diagnostic]] = [:]
        for finding in extra {
            if let item = firstItemOfPath[finding.file] {
                historyOfItem[item, default: []].append(finding)
            } else {
                orphans[finding.file, default: []].append(finding)
            }
        }
        // Ranks over files and orphan paths together; at equal paths files come first, in order.
        var rankOfItem = [Int](repeating: 0, count: items.count)
        var rank = 0
        let paths = orphans.keys.sorted { Self.compare($0, $1) < 0 }
        var orphan = 0
        for index in pathOrder ?? Self.pathOrder(items) {
            while orphan < paths.count, Self.compare(paths[orphan], items[index].path) < 0 {
                waiting[rank] = Self.sorted(orphans[paths[orphan]] ?? [])
                orphan += 1
                rank += 1
            }
            rankOfItem[index] = rank
            rank += 1
        }
        for path in paths[orphan...] {
            waiting[rank] = Self.sorted(orphans[path] ?? [])
            rank += 1
        }
        self.rankOfItem = rankOfItem
    }

    /// Item indices in path order (the check order of layouts without dependencies); at equal
    /// paths, in the order given.
    static func pathOrder(_ items: [Linter.Item]) -> [Int] {
        items.indices.sorted { a, b in
            let order = compare(items[a].path, items[b].path)
            return order == 0 ? a < b : order < 0
        }
    }

    /// Item indices in the order the layout runs migrations when no dependency says otherwise
    /// (Flyway's 1.9 before 1.10), at equal rank in path order: the check order of layouts
    /// without dependencies.
    static func layoutOrder(_ items: [Linter.Item], _ layout: any MigrationLayout) -> [Int] {
        guard layout.kind != .plain else { return pathOrder(items) }
        return items.indices.sorted { a, b in
            if items[a].id != items[b].id {
                if layout.precedes(items[a].id, items[b].id) { return true }
                if layout.precedes(items[b].id, items[a].id) { return false }
            }
            let order = compare(items[a].path, items[b].path)
            return order == 0 ? a < b : order < 0
        }
    }

    /// Paths compared by their UTF-8 bytes: negative, zero or positive, as `memcmp`.
    static func compare(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                if common > 0, let p = x.baseAddress, let q = y.baseAddress {
                    let order = Int(memcmp(p, q, common))
                    if order != 0 { return order }
                }
                return x.count - y.count
            }
        }
    }

    /// An item is done: its findings leave now if every file ranked before it has left.
    mutating func finish(item: Int, _ found: [Diagnostic], report: ([Diagnostic]) -> Void) {
        var found = found
        if let history = historyOfItem.removeValue(forKey: item) { found += history }
        let rank = rankOfItem[item]
        if rank == next {
            emit(Self.sorted(found), report)
            flush(report)
        } else {
            waiting[rank] = Self.sorted(found)
        }
    }

    /// Hands on every waiting batch whose turn has come (at the end: all of them).
    mutating func flush(_ report: ([Diagnostic]) -> Void) {
        while let batch = waiting.removeValue(forKey: next) { emit(batch, report) }
    }

    private mutating func emit(_ batch: [Diagnostic], _ report: ([Diagnostic]) -> Void) {
        next += 1
        guard !batch.isEmpty else { return }
        summary.count(batch)
        report(batch)
    }

    /// One file's findings by position, then rule id.
    static func sorted(_ found: [Diagnostic]) -> [Diagnostic] {
        guard found.count > 1 else { return found }
        return found.sorted { a, b in
            if a.range.start.offset != b.range.start.offset { return a.range.start.offset < b.range.start.offset }
            return a.rule < b.rule
        }
    }
}

import Foundation
import StrataCore

/// How `strata history` shows the events: a table for people, an object for tools.
extension HistoryEvent {
    /// What was done: `apply`, `rollback` or `repair`.
    public var action: String {
        switch kind {
        case .applied, .failed, .lockTimeout: "apply"
        case .rolledBack, .rollbackFailed: "rollback"
        case .repaired: "repair"
        case .markedApplied: "mark-applied"
        }
    }

    /// How it ended: `ok`, `failed`, or `retried` (an attempt that timed out on a lock).
    public var status: String { kind == .failed || kind == .rollbackFailed ? "failed" : kind == .lockTimeout ? "retried" : "ok" }

    /// An apply that took longer than `milliseconds` (`monitoring.slow_ms`).
    public func isSlow(above milliseconds: Int64) -> Bool { kind == .applied && (executionMilliseconds ?? 0) > milliseconds }

    /// The rest, for the table's last column: the reason, risk, forced, backup, error's first line.
    func detail(slowMilliseconds: Int64) -> String {
        var parts: [String] = []
        if isSlow(above: slowMilliseconds) { parts.append("slow (over \(slowMilliseconds) ms)") }
        if let reason { parts.append(kind == .repaired || kind == .markedApplied || kind == .lockTimeout ? reason : "reason: \(reason)") }
        if let risk { parts.append("risk \(risk)") }
        if forced == true { parts.append("forced") }
        if let backupPath { parts.append("backup \(backupPath)") }
        if let error, let first = error.split(separator: "\n").first { parts.append(String(first)) }
        return parts.joined(separator: "; ")
    }
}

extension History {
    /// The last `limit` events (all when nil), oldest first.
    public func last(_ limit: Int?) -> [HistoryEvent] {
        guard let limit else { return events }
        return Array(events.suffix(max(0, limit)))
    }

    /// The table `strata history` prints, one event a line, oldest first, then a count.
    public func table(limit: Int? = nil, slowMilliseconds: Int64) -> String {
        let shown = last(limit)
        var out = ""
        guard !shown.isEmpty else { return out + "no history: nothing was applied or rolled back yet\n" }
        let header = ["WHEN", "ACTION", "STATUS", "MIGRATION", "DURATION", "WHO", "DETAIL"]
        let rows = shown.map { event in
            [event.occurredAt, event.action, event.status, event.migrationID,
             event.executionMilliseconds.map { "\($0) ms" } ?? "", event.actor, event.detail(slowMilliseconds: slowMilliseconds)]
        }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        for row in [header] + rows {
            let cells = row.enumerated().map { i, cell in
                // DURATION is right-aligned, so the numbers line up; the last column is not padded.
                i == 4 ? String(repeating: " ", count: widths[i] - cell.count) + cell
                    : i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            out += cells.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        let count = "\(events.count) event\(events.count == 1 ? "" : "s")"
        return out + (shown.count < events.count ? "\(count), the last \(shown.count) shown\n" : "\(count)\n")
    }

    /// The events as `strata history --format json` prints them: the last `limit` (all when
    /// nil), with what is not known `null`.
    public func document(database: String, limit: Int? = nil, slowMilliseconds: Int64) -> HistoryDocument {
        HistoryDocument(database: database, complete: complete, total: events.count, slowMilliseconds: slowMilliseconds,
                        events: last(limit).map { event in
            HistoryDocument.Event(at: event.occurredAt, event: event.kind.rawValue, action: event.action, status: event.status,
                                  migrationID: event.migrationID, who: event.actor, durationMilliseconds: event.executionMilliseconds,
                                  slow: event.isSlow(above: slowMilliseconds), reason: event.reason, forced: event.forced,
                                  risk: event.risk, backupPath: event.backupPath, checksum: event.checksum, error: event.error)
        })
    }
}

/// `strata history --format json`: the database, whether the tables hold the whole history
/// (`complete`), how many events there are (`total`), the slow threshold, and the events shown.
public struct HistoryDocument: Encodable, Sendable, Equatable {
    public struct Event: Encodable, Sendable, Equatable {
        public var at: String
        public var event: String
        public var action: String
        public var status: String
        public var migrationID: String
        public var who: String
        @ExplicitNull public var durationMilliseconds: Int64?
        public var slow: Bool
        @ExplicitNull public var reason: String?
        @ExplicitNull public var forced: Bool?
        @ExplicitNull public var risk: String?
        @ExplicitNull public var backupPath: String?
        @ExplicitNull public var checksum: String?
        @ExplicitNull public var error: String?

        enum CodingKeys: String, CodingKey {
            case at, event, action, status, who, slow, reason, forced, risk, checksum, error
            case migrationID = "migration_id", durationMilliseconds = "duration_ms", backupPath = "backup_path"
        }
    }

    public var database: String
    public var complete: Bool
    public var total: Int
    public var slowMilliseconds: Int64
    public var events: [Event]

    enum CodingKeys: String, CodingKey {
        case database, complete, total, events, slowMilliseconds = "slow_ms"
    }
}

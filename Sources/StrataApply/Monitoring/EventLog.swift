import Foundation
import StrataCore

/// `--log-json FILE`: one JSON object per line for each `ApplyEvent` of a run, appended to the
/// file (created with mode 0600), so that a log shipper can follow it.
///
/// ```json
/// {"version":1,"timestamp":"2026-12-02T09:14:03.512Z","event":"applied","run_id":"5f0c…","command":"up","migration_id":"0002_orders","duration_ms":41,"dialect":"postgresql","database":"postgresql://deploy:***@db/app","who":"deploy@ci-4","pid":4242}
/// ```
///
/// Every line carries `version`, the version of this line format (raised only when a field
/// changes meaning or goes away): each line is a document of its own, which a shipper may read
/// from any line on, and runs of several releases may append to one file (`run_started` names
/// the release in `strata_version`). Every line names the run (`run_id`, the same on each line
/// of one run), the command, the database (its dialect, and its URL with the password replaced
/// by `***`), who ran it (`user@host`) and the process. Each line goes to the file in one `write(2)` on a descriptor
/// opened with `O_APPEND`: nothing is buffered in the process, so a line is in the file as soon
/// as its event happened, and lines of runs writing the same file at once do not interleave.
///
/// Opening the log writes `run_started`, so a file that cannot be written (a missing folder,
/// no permission, a full disk) stops the command before it touches the database. A write that
/// fails later does not stop a run midway: the database keeps the record (`strata history`),
/// the line is dropped, and `failure` says so for the command to report.
public final class EventLog {
    /// The version of the line format, on every line.
    public static let formatVersion = 1

    public let path: String
    /// A new UUID for each run.
    public let runID: String
    private let descriptor: Int32
    private let command: String
    private let dialect: String
    private let database: String
    private let started = ContinuousClock.now
    /// Events written, by kind, for `run_finished`.
    private var counts: [ApplyEvent.Kind: Int] = [:]
    /// The first write that failed after `run_started`, and how many lines were lost.
    public private(set) var failure: ApplyError?
    public private(set) var lostLines = 0
    public private(set) var finished = false

    /// Opens `path` for appending, creating it with mode 0600 (an existing file keeps its
    /// mode), and writes `run_started` with `details`.
    public init(path: String, command: String, database: DatabaseURL, details: [String: ApplyEvent.Value] = [:]) throws(ApplyError) {
        self.path = path
        self.command = command
        dialect = database.dialect.rawValue
        self.database = database.redacted
        runID = UUID().uuidString.lowercased()
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ApplyError(.monitoringFile, "cannot open the event log \(path) (--log-json): \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        try write(ApplyEvent(.runStarted, details: details))
    }

    deinit { close(descriptor) }

    /// Appends the event's line; a failure is kept in `failure`, and the run goes on.
    public func record(_ event: ApplyEvent) {
        do {
            try write(event)
        } catch {
            if failure == nil { failure = error }
            lostLines += 1
        }
    }

    /// Writes `run_finished` (once): how the run ended (`ok` for exit 0, `refused` for 1,
    /// `failed` otherwise), its exit code, how long it took, how many migrations it applied
    /// and rolled back, and the error's first line.
    public func finish(exitCode: Int32, error: String? = nil) {
        guard !finished else { return }
        finished = true
        var details: [String: ApplyEvent.Value] = [
            "outcome": .text(exitCode == 0 ? "ok" : exitCode == 1 ? "refused" : "failed"),
            "exit_code": .integer(Int64(exitCode)),
            "applied": .integer(Int64(counts[.applied] ?? 0)),
            "rolled_back": .integer(Int64(counts[.rolledBack] ?? 0)),
        ]
        if let error, let first = error.split(separator: "\n", omittingEmptySubsequences: true).first {
            details["error"] = .text(String(first))
        }
        let elapsed = ContinuousClock.now - started
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        record(ApplyEvent(.runFinished, durationMilliseconds: ms, details: details))
    }

    private func write(_ event: ApplyEvent) throws(ApplyError) {
        let bytes = Array((line(event) + "\n").utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw ApplyError(.monitoringFile, "cannot write to the event log \(path) (--log-json): \(written < 0 ? String(cString: strerror(errno)) : "short write")")
        }
        counts[event.kind, default: 0] += 1
    }

    /// The event as one line of JSON: the common fields first, in a fixed order, then the
    /// details by name (a detail cannot replace a common field).
    public func line(_ event: ApplyEvent) -> String {
        var fields: [(String, ApplyEvent.Value)] = [("version", .integer(Int64(Self.formatVersion))),
                                                    ("timestamp", .text(Ledger.timestamp(event.time))), ("event", .text(event.kind.rawValue)),
                                                    ("run_id", .text(runID)), ("command", .text(command))]
        if let migration = event.migration { fields.append(("migration_id", .text(migration))) }
        if let ms = event.durationMilliseconds { fields.append(("duration_ms", .integer(ms))) }
        fields += [("dialect", .text(dialect)), ("database", .text(database)), ("who", .text(Ledger.actor)), ("pid", .integer(Ledger.pid))]
        let common = Set(fields.map(\.0))
        fields += event.details.filter { !common.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return "{" + fields.map { "\(Self.quoted($0.0)):\(Self.json($0.1))" }.joined(separator: ",") + "}"
    }

    private static func json(_ value: ApplyEvent.Value) -> String {
        switch value {
        case .text(let text): quoted(text)
        case .integer(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        }
    }

    /// A JSON string literal (`JSONText.quote`).
    static func quoted(_ text: String) -> String { JSONText.quote(text) }
}

import Foundation
import StrataCore

/// `--log-json FILE`: one JSON object per line for each `ApplyEvent` of a run, appended to the
/// file (created with mode 0600), so that a log shipper can follow it.
///
/// ```json
/// {"command":"up","database":"postgresql://deploy:***@db/app","dialect":"postgresql","duration_ms":41,"event":"applied","migration_id":"0002_orders","pid":4242,"run_id":"5f0c…","timestamp":"2026-12-02T09:14:03.512Z","version":1,"who":"deploy@ci-4"}
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
    public init(path: String, command: String, database: DatabaseURL, details: ApplyEvent.Details = ApplyEvent.Details()) throws(ApplyError) {
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
        let firstLine = error?.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init)
        let details = ApplyEvent.Details(error: firstLine, outcome: exitCode == 0 ? "ok" : exitCode == 1 ? "refused" : "failed",
                                         exitCode: exitCode, applied: counts[.applied] ?? 0, rolledBack: counts[.rolledBack] ?? 0)
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

    /// The event as one line of JSON (`StrataJSON.line`): what every line says, and the
    /// event's details (a detail cannot replace a common field).
    public func line(_ event: ApplyEvent) -> String {
        let common = Line(timestamp: Ledger.timestamp(event.time), event: event.kind, runID: runID, command: command,
                          migrationID: event.migration, durationMilliseconds: event.durationMilliseconds,
                          dialect: dialect, database: database, who: Ledger.actor, pid: Ledger.pid)
        // Strings, whole numbers and booleans: encoding them cannot fail.
        return (try? StrataJSON.line(LineWithDetails(common: common, details: event.details))) ?? ""
    }

    /// What every line says.
    private struct Line: Encodable {
        var version = EventLog.formatVersion
        var timestamp: String
        var event: ApplyEvent.Kind
        var runID: String
        var command: String
        var migrationID: String?
        var durationMilliseconds: Int64?
        var dialect: String
        var database: String
        var who: String
        var pid: Int64

        enum CodingKeys: String, CodingKey {
            case version, timestamp, event, command, dialect, database, who, pid
            case runID = "run_id", migrationID = "migration_id", durationMilliseconds = "duration_ms"
        }
    }

    /// The common fields and the details in one object, the common ones written last so that
    /// they win.
    private struct LineWithDetails: Encodable {
        var common: Line
        var details: ApplyEvent.Details

        func encode(to encoder: any Encoder) throws {
            try details.encode(to: encoder)
            try common.encode(to: encoder)
        }
    }
}

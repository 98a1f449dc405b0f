import ArgumentParser
import Foundation
import StrataApply

/// `--log-json FILE` of `up`, `deploy`, `rollback` and `backup`.
struct LogOptions: ParsableArguments {
    @Option(name: .customLong("log-json"), help: ArgumentHelp(
        "Append one JSON line per event (run, migration, rollback, backup) to FILE; exit 2 before anything runs when FILE cannot be written.",
        valueName: "FILE"))
    var logJSON: String?
}

/// The event log of this process's run, when `--log-json` asked for one. It is finished
/// (`run_finished`) once, however the command ends: by returning, or by a thrown error
/// (`Strata.end`).
enum RunLog {
    nonisolated(unsafe) private(set) static var current: EventLog?

    /// Opens the log before the command touches the database: a file that cannot be written
    /// ends the command with exit 2, nothing done.
    static func open(_ path: String?, command: String, url: DatabaseURL) throws {
        guard let path, current == nil else { return }
        current = try EventLog(path: path, command: command, database: url, details: .init(strataVersion: Strata.version))
    }

    static func record(_ event: ApplyEvent) { current?.record(event) }

    /// Writes `run_finished`, and says on standard error if lines could not be written.
    static func finish(exitCode: Int32, error: String? = nil) {
        guard let log = current else { return }
        current = nil
        log.finish(exitCode: exitCode, error: error)
        if let failure = log.failure {
            let lines = "\(log.lostLines) line\(log.lostLines == 1 ? "" : "s")"
            FileHandle.standardError.write(Data("strata: warning: \(failure.message); \(lines) of this run's events not logged\n".utf8))
        }
    }
}

/// Milliseconds since `start`, as the logs and reports give durations.
func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
    let elapsed = ContinuousClock.now - start
    return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
}

import ArgumentParser
import Foundation
import StrataCore

extension Strata {
    /// The one place a run ends on an error: a library's or a command's `UserError` becomes
    /// `strata: error: <message>` on standard error and its exit code; anything else is
    /// swift-argument-parser's (a usage error, `--help`, an `ExitCode` a command threw for its
    /// findings). The event log, when there is one, is finished first with the same code.
    static func end(with error: any Error) -> Never {
        guard let error = error as? UserError else {
            RunLog.finish(exitCode: exitCode(for: error).rawValue, error: message(for: error))
            exit(withError: error)
        }
        let code = error.exitStatus.rawValue
        RunLog.finish(exitCode: code, error: error.userMessage)
        // An interruption is not the command's error: the shell's own wording, no "error:".
        let prefix = error.exitStatus == .interrupted ? "strata: " : "strata: error: "
        FileHandle.standardError.write(Data((prefix + error.userMessage + "\n").utf8))
        Foundation.exit(code)
    }
}

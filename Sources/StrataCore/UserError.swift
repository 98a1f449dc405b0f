/// How a command ends, as its exit code tells a script or a CI job.
public enum ExitStatus: Int32, Sendable, Equatable {
    /// Done, nothing found.
    case success = 0
    /// Findings at error level, or an operation refused (nothing changed).
    case refused = 1
    /// Configuration, I/O or database error.
    case environment = 2
    /// The command line itself is wrong (swift-argument-parser's own code for this).
    case usage = 64
    /// Stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
    case interrupted = 130
}

/// An error a user reads: its message, naming the file, line and column where it has them, and
/// the exit code the command ends with. Library errors conform to it; the executable turns any
/// of them into `strata: error: <message>` and the exit code in one place (`Strata.main`).
public protocol UserError: Error {
    var exitStatus: ExitStatus { get }
    var userMessage: String { get }
}

/// A command's own failure or refusal, where no library error says it: a folder that does not
/// exist, a file it will not overwrite, a rollback refused for its risk.
public struct CommandFailure: UserError, Sendable, Equatable, CustomStringConvertible {
    public var userMessage: String
    public var exitStatus: ExitStatus

    public init(_ message: String, _ status: ExitStatus = .environment) {
        self.userMessage = message
        self.exitStatus = status
    }

    /// A refused operation: exit 1, nothing changed.
    public static func refused(_ message: String) -> CommandFailure { CommandFailure(message, .refused) }

    public var description: String { userMessage }
}

extension ConfigurationError: UserError {
    public var exitStatus: ExitStatus { .environment }
    public var userMessage: String { errorDescription ?? message }
}

extension InputError: UserError {
    public var exitStatus: ExitStatus { .environment }
    public var userMessage: String { errorDescription ?? message }
}

import ArgumentParser
import Foundation
import StrataApply
import StrataCore
import StrataProject
import StrataRules
import StrataSyntax

/// Options of the commands that talk to a database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "Database URL (default: DATABASE_URL, else database.url in strata.yml, else sqlite:./data/app.db).")
    var database: String?

    @Option(name: .long, help: ArgumentHelp("Wait up to S seconds (0 to 604800) for the database to accept connections (--wait alone: 60).", valueName: "S"))
    var wait: Double?

    @Option(name: .long, help: ArgumentHelp("Seconds (0 to 604800) to wait for another strata run's migration lock (Strata's own lock, not PostgreSQL's table locks).", valueName: "S"))
    var lockTimeout: Double = DatabaseOptions.defaultLockTimeout

    static let defaultLockTimeout: Double = 60

    /// The longest `--wait` or `--lock-timeout`: a week. Longer is a typo (or `1e19`, `inf`),
    /// and would not fit SQLite's busy timeout (milliseconds in an Int32, about 24 days).
    static let maximumSeconds = 604_800

    func validate() throws {
        if let wait { _ = try Self.duration(wait, option: "--wait") }
        _ = try Self.duration(lockTimeout, option: "--lock-timeout")
    }

    /// `seconds` as a duration, or a usage error (exit 64) when it is not a number of seconds
    /// from 0 to `maximumSeconds` (`nan`, `inf` and `1e19` parse as numbers).
    static func duration(_ seconds: Double, option: String) throws(ValidationError) -> Duration {
        guard seconds.isFinite, seconds >= 0, seconds <= Double(maximumSeconds) else {
            throw ValidationError("\(option) must be a number of seconds from 0 to \(maximumSeconds) (a week)")
        }
        return .milliseconds(Int((seconds * 1000).rounded()))
    }

    /// `--lock-timeout` as a duration (validated before `run`).
    var lockTimeoutDuration: Duration {
        get throws { try Self.duration(lockTimeout, option: "--lock-timeout") }
    }

    /// `--wait` as a duration, nil when not given (validated before `run`).
    var waitDuration: Duration? {
        get throws { try wait.map { v throws(ValidationError) in try Self.duration(v, option: "--wait") } }
    }

    /// The URL to use: the option, DATABASE_URL, strata.yml, else the embedded default.
    func url(_ context: Project) throws -> DatabaseURL {
        let raw = database ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? context.configuration.databaseURL ?? DatabaseURL.defaultURL
        return try DatabaseURL(raw)
    }

    /// `--wait` given alone means 60 seconds: the parser wants a value, so supply it first.
    static func expandBareWait(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for (i, argument) in arguments.enumerated() {
            if argument == "--wait", i + 1 >= arguments.count || arguments[i + 1].hasPrefix("-") || Double(arguments[i + 1]) == nil {
                out.append("--wait=60")
            } else {
                out.append(argument)
            }
        }
        return out
    }
}

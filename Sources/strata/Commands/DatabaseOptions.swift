import ArgumentParser
import Foundation
import StrataApply
import StrataCore
import StrataRules
import StrataSyntax

/// Options of the commands that talk to a database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "Database URL (default: DATABASE_URL, else database.url in strata.yml, else sqlite:./data/app.db).")
    var database: String?

    @Option(name: .long, help: ArgumentHelp("Wait up to S seconds for the database to accept connections (--wait alone: 60).", valueName: "S"))
    var wait: Double?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for another run's migration lock.", valueName: "S"))
    var lockTimeout: Double = DatabaseOptions.defaultLockTimeout

    static let defaultLockTimeout: Double = 60

    func validate() throws {
        if let wait, wait < 0 { throw ValidationError("--wait must be 0 or more seconds") }
        if lockTimeout < 0 { throw ValidationError("--lock-timeout must be 0 or more seconds") }
    }

    /// The URL to use: the option, DATABASE_URL, strata.yml, else the embedded default.
    func url(_ context: CommandContext) throws -> DatabaseURL {
        let raw = database ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? context.configuration.databaseURL ?? DatabaseURL.defaultURL
        return try CommandContext.run { () throws(ApplyError) in try DatabaseURL(raw) }
    }

    /// A connection for `strata command`, named `strata command user@host` on PostgreSQL.
    func connect(_ url: DatabaseURL, readOnly: Bool, command: String) throws -> any Database {
        try CommandContext.run { () throws(ApplyError) in
            try DatabaseConnector.connect(url, wait: wait.map { .milliseconds(Int($0 * 1000)) }, readOnly: readOnly,
                                          applicationName: "strata \(command) \(Ledger.actor)")
        }
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

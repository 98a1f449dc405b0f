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
    var lockTimeout: Double = 60

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

/// What the database commands share: configuration, migration files, catalog and applier.
struct ApplyContext {
    let context: CommandContext
    let url: DatabaseURL
    let inputs: [MigrationInput]
    /// Each input parsed once, read by both the catalog and the linter.
    let files: [MigrationFile]
    let applier: Applier
    /// The lint that `up` waits for, started as soon as the files are parsed so that it runs
    /// beside the catalog, the connection and the plan.
    private let lint: BackgroundLint?

    /// `command` names the connection (`up`, `status`...). `logJSON`: the `--log-json` file,
    /// opened before anything else is done, so that every event of the run goes there.
    init(_ command: String, _ project: ProjectOptions, _ options: DatabaseOptions, readOnly: Bool = false, lint runsLint: Bool = false,
         logJSON: String? = nil) throws {
        context = try CommandContext(project)
        url = try options.url(context)
        try RunLog.open(logJSON, command: command, url: url)
        let folder = context.migrationsDirectoryForDisplay
        guard FileManager.default.fileExists(atPath: context.configuration.migrationsDirectory) else {
            CommandContext.fail("\(folder): no such folder; set `migrations:` in strata.yml")
        }
        let layout = context.layout.layout
        let dialect = url.dialect
        let discovered = try CommandContext.run { () throws(InputError) in try FileDiscovery.discover([folder], layout: layout) }
        // Each file read and parsed once, on every core; catalog and linter share the result.
        let loaded = Parallel.map(discovered.count) { i -> Result<(MigrationInput, MigrationFile), InputError> in
            Result { () throws(InputError) in
                let input = try FileDiscovery.input(discovered[i])
                return (input, layout.parse(input, dialect: dialect, depth: .full))
            }
        }
        let pairs = try CommandContext.run { () throws(InputError) in try loaded.map { r throws(InputError) in try r.get() } }
        inputs = pairs.map(\.0)
        files = pairs.map(\.1)
        lint = runsLint ? BackgroundLint(Self.errorLinter(context, dialect: dialect), files) : nil
        let database = try options.connect(url, readOnly: readOnly, command: command)
        let major = dialect == .postgresql ? Int(database.serverVersion.prefix { $0 != "." }) : nil
        let catalog = MigrationCatalog(parsed: files, inputs: inputs, postgresMajor: major)
        applier = try CommandContext.run { () throws(ApplyError) in try Applier(database: database, catalog: catalog) }
        applier.lockTimeout = .milliseconds(Int(options.lockTimeout * 1000))
        if RunLog.current != nil { applier.onEvent = { RunLog.record($0) } }
    }

    /// Holds `context` until the process ends, so its files are not freed one by one on the way.
    static func keepUntilExit(_ context: ApplyContext) {
        keptUntilExit.append(context)
    }

    nonisolated(unsafe) private static var keptUntilExit: [ApplyContext] = []

    /// Error-level lint findings per migration id, in the database's dialect.
    func lintErrors() -> [String: [String]] {
        errors(in: lint?.result() ?? Self.errorLinter(context, dialect: url.dialect).lint(parsed: files))
    }

    /// The lint errors if the lint running beside has finished, else nil (never waits).
    func lintErrorsIfFinished() -> [String: [String]]? {
        lint?.resultIfFinished().map(errors(in:))
    }

    private func errors(in result: LintResult) -> [String: [String]] {
        let ids = Dictionary(inputs.map { ($0.path, $0.id) }, uniquingKeysWith: { a, _ in a })
        var errors: [String: [String]] = [:]
        for diagnostic in result.diagnostics where diagnostic.severity == .error {
            guard let id = ids[diagnostic.file] else { continue }
            errors[id, default: []].append("\(diagnostic.file):\(diagnostic.line):\(diagnostic.column): \(diagnostic.message) [\(diagnostic.rule)]")
        }
        return errors
    }

    /// A linter running only the rules set to error level: only errors stop `up`. When an
    /// unused suppression is an error, every rule runs (a suppression is unused only if the
    /// rule it names ran and found nothing).
    static func errorLinter(_ context: CommandContext, dialect: Dialect) -> Linter {
        var all = context.linter(dialect: dialect)
        // One lane: the files are parsed already, and this lint runs beside the catalog and the
        // connection; a second lane would only replay the schema again and take their core.
        all.lanes = 1
        if all.rules.contains(where: { type(of: $0).description.id == "unused-ignore" && all.severity(of: type(of: $0).description) == .error }) {
            return all
        }
        return all.keepingRules { all.severity(of: type(of: $0).description) == .error }
    }
}

/// A lint run on another thread; `result()` waits for it.
private final class BackgroundLint: @unchecked Sendable {
    private let done = DispatchGroup()
    private var value: LintResult?

    init(_ linter: Linter, _ files: [MigrationFile]) {
        done.enter()
        DispatchQueue.global().async {
            self.value = linter.lint(parsed: files)
            self.done.leave()
        }
    }

    func result() -> LintResult {
        done.wait()
        return value!
    }

    func resultIfFinished() -> LintResult? {
        done.wait(timeout: .now()) == .success ? value : nil
    }
}

import ArgumentParser
import Foundation
import StrataApply
import StrataCore
import StrataRules

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

    func connect(_ url: DatabaseURL, readOnly: Bool) throws -> any Database {
        try CommandContext.run { () throws(ApplyError) in
            try DatabaseConnector.connect(url, wait: wait.map { .milliseconds(Int($0 * 1000)) }, readOnly: readOnly)
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
    let applier: Applier

    init(_ project: ProjectOptions, _ options: DatabaseOptions, readOnly: Bool = false) throws {
        context = try CommandContext(project)
        url = try options.url(context)
        let folder = context.migrationsDirectoryForDisplay
        guard FileManager.default.fileExists(atPath: context.configuration.migrationsDirectory) else {
            CommandContext.fail("\(folder): no such folder; set `migrations:` in strata.yml")
        }
        let layout = context.layout.layout
        inputs = try CommandContext.run { () throws(InputError) in
            try FileDiscovery.discover([folder], layout: layout).map { file throws(InputError) in
                MigrationInput(id: file.id, path: file.path, bytes: try FileDiscovery.read(file))
            }
        }
        let database = try options.connect(url, readOnly: readOnly)
        applier = Applier(database: database, catalog: MigrationCatalog(inputs, layout: context.layout, dialect: url.dialect))
        applier.lockTimeout = .milliseconds(Int(options.lockTimeout * 1000))
    }

    /// Error-level lint findings per migration id, in the database's dialect.
    func lintErrors() -> [String: [String]] {
        let linter = Linter(rules: AllRules.instances(), settings: context.configuration.rules, dialect: url.dialect, layout: context.layout)
        let ids = Dictionary(inputs.map { ($0.path, $0.id) }, uniquingKeysWith: { a, _ in a })
        var errors: [String: [String]] = [:]
        for diagnostic in linter.lint(inputs).diagnostics where diagnostic.severity == .error {
            guard let id = ids[diagnostic.file] else { continue }
            errors[id, default: []].append("\(diagnostic.file):\(diagnostic.line):\(diagnostic.column): \(diagnostic.message) [\(diagnostic.rule)]")
        }
        return errors
    }
}

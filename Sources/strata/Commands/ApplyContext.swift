import Foundation
import StrataApply
import StrataCore
import StrataRules
import StrataSyntax

/// The first steps of every database command: configuration, URL, event log, and the migration
/// files found (not yet read).
struct ApplyStart {
    let context: CommandContext
    let url: DatabaseURL
    let discovered: [DiscoveredFile]

    /// `logJSON`: the `--log-json` file, opened before anything else is done, so that every
    /// event of the run goes there.
    init(_ command: String, _ project: ProjectOptions, _ options: DatabaseOptions, logJSON: String?) throws {
        context = try CommandContext(project)
        url = try options.url(context)
        try RunLog.open(logJSON, command: command, url: url)
        let folder = context.migrationsDirectoryForDisplay
        guard FileManager.default.fileExists(atPath: context.configuration.migrationsDirectory) else {
            throw CommandFailure("\(folder): no such folder; set `migrations:` in strata.yml")
        }
        let layout = context.layout.layout
        discovered = try { () throws(InputError) in
            let found = try FileDiscovery.discover([folder], layout: layout)
            try FileDiscovery.requireApplicable(found)
            return found
        }()
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

    /// `command` names the connection (`up`, `status`...). `logJSON`: see `ApplyStart`.
    init(_ command: String, _ project: ProjectOptions, _ options: DatabaseOptions, readOnly: Bool = false, lint runsLint: Bool = false,
         logJSON: String? = nil) throws {
        let start = try ApplyStart(command, project, options, logJSON: logJSON)
        let layout = start.context.layout.layout
        let dialect = start.url.dialect
        let discovered = start.discovered
        // Each file read and parsed once, on every core; catalog and linter share the result.
        let loaded = Parallel.map(discovered.count) { i -> Result<(MigrationInput, MigrationFile), InputError> in
            Result { () throws(InputError) in
                let input = try FileDiscovery.input(discovered[i])
                return (input, layout.parse(input, dialect: dialect, depth: .full))
            }
        }
        let pairs = try loaded.map { r throws(InputError) in try r.get() }
        let files = pairs.map(\.1)
        let lint = runsLint ? BackgroundLint(Self.errorLinter(start.context, dialect: dialect)) { files } : nil
        let database = try options.connect(start.url, readOnly: readOnly, command: command)
        try self.init(start, inputs: pairs.map(\.0), files: files, database: database, lint: lint, options: options)
    }

    /// The context of a streamed `up` that must be planned with the whole catalog after all:
    /// its files as the stream read them, its connection and its lint.
    init(_ start: ApplyStart, stream: CatalogStream, database: any Database, lint: BackgroundLint, options: DatabaseOptions) throws {
        let items = try stream.all().map { r throws(InputError) in try r.get() }
        try self.init(start, inputs: items.map(\.input), files: items.map(\.file), database: database, lint: lint, options: options)
    }

    private init(_ start: ApplyStart, inputs: [MigrationInput], files: [MigrationFile], database: any Database, lint: BackgroundLint?,
                 options: DatabaseOptions) throws {
        context = start.context
        url = start.url
        self.inputs = inputs
        self.files = files
        self.lint = lint
        let catalog = MigrationCatalog(parsed: files, inputs: inputs, postgresMajor: Self.postgresMajor(database))
        applier = try Self.applier(database, catalog, options)
    }

    /// An applier on `database`, with the options' lock timeout and the run's event log.
    static func applier(_ database: any Database, _ catalog: MigrationCatalog, _ options: DatabaseOptions) throws -> Applier {
        let applier = try Applier(database: database, catalog: catalog)
        applier.lockTimeout = try options.lockTimeoutDuration
        if RunLog.current != nil { applier.onEvent = { RunLog.record($0) } }
        return applier
    }

    /// The server's major version on PostgreSQL, for the catalog (nil on SQLite).
    static func postgresMajor(_ database: any Database) -> Int? {
        database.dialect == .postgresql ? Int(database.serverVersion.prefix { $0 != "." }) : nil
    }

    /// Holds `value` (a context, a stream) until the process ends, so its files are not freed
    /// one by one on the way.
    static func keepUntilExit(_ value: Any) {
        keptUntilExit.append(value)
    }

    nonisolated(unsafe) private static var keptUntilExit: [Any] = []

    /// Error-level lint findings per migration id, in the database's dialect.
    func lintErrors() -> [String: [String]] {
        lint?.errors() ?? BackgroundLint.errors(in: Self.errorLinter(context, dialect: url.dialect).lint(parsed: files), of: files)
    }

    /// The lint errors if the lint running beside has finished, else nil (never waits).
    func lintErrorsIfFinished() -> [String: [String]]? {
        lint?.errorsIfFinished()
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

/// A lint run on another thread, over files it is handed there (`files` may wait for them);
/// `errors()` waits for it.
final class BackgroundLint: @unchecked Sendable {
    private let done = DispatchGroup()
    private var value: [String: [String]] = [:]

    init(_ linter: Linter, files: @escaping @Sendable () -> [MigrationFile]) {
        done.enter()
        DispatchQueue.global().async {
            let files = files()
            self.value = Self.errors(in: linter.lint(parsed: files), of: files)
            self.done.leave()
        }
    }

    /// Error-level findings per migration id.
    func errors() -> [String: [String]] {
        done.wait()
        return value
    }

    func errorsIfFinished() -> [String: [String]]? {
        done.wait(timeout: .now()) == .success ? value : nil
    }

    /// The error-level findings of `result`, per migration id, from the lint of `files`.
    static func errors(in result: LintResult, of files: [MigrationFile]) -> [String: [String]] {
        let ids = Dictionary(files.map { ($0.path, $0.id) }, uniquingKeysWith: { a, _ in a })
        var errors: [String: [String]] = [:]
        for diagnostic in result.diagnostics where diagnostic.severity == .error {
            guard let id = ids[diagnostic.file] else { continue }
            errors[id, default: []].append("\(diagnostic.file):\(diagnostic.line):\(diagnostic.column): \(diagnostic.message) [\(diagnostic.rule)]")
        }
        return errors
    }
}

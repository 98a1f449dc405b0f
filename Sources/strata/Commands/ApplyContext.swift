import Foundation
import StrataApply
import StrataCore
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
        let found = try FileDiscovery.discover([folder], layout: layout)
        try FileDiscovery.requireApplicable(found)
        discovered = found
    }
}

/// What the database commands share: configuration, migration files, catalog and applier.
struct ApplyContext {
    let context: CommandContext
    let url: DatabaseURL
    let applier: Applier
    /// The lint `up` and `deploy` refuse on, started as soon as the files are parsed so that it
    /// runs beside the catalog, the connection and the plan; nil for the other commands.
    let lint: LintGate?
    private let read: FilesRead

    /// How the migration files were read.
    private enum FilesRead {
        /// Every file read and parsed once, on every core, before anything else; the catalog
        /// and the linter share the parses.
        case whole([MigrationFile])
        /// Read on another thread while `up --single-transaction` runs.
        case streamed(CatalogStream)
    }

    /// `command` names the connection (`up`, `status`...). `lint`: start the lint `up` refuses
    /// on. `streaming`: read the files while the first migrations run (`MigrationSource.stream`),
    /// for `up --single-transaction`. `logJSON`: see `ApplyStart`.
    init(_ command: String, _ project: ProjectOptions, _ options: DatabaseOptions, readOnly: Bool = false, lint runsLint: Bool = false,
         streaming: Bool = false, logJSON: String? = nil) throws {
        let start = try ApplyStart(command, project, options, logJSON: logJSON)
        context = start.context
        url = start.url
        let linter = try runsLint ? start.context.linter(dialect: start.url.dialect) : nil
        let source: MigrationSource
        let database: any Database
        if streaming {
            database = try options.connect(start.url, readOnly: readOnly, command: command)
            let stream = CatalogStream(start.discovered, layout: start.context.layout, dialect: start.url.dialect,
                                       postgresMajor: Self.postgresMajor(database))
            lint = linter.map { LintGate($0, stream: stream) }
            read = .streamed(stream)
            source = .stream(stream)
        } else {
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
            let inputs = pairs.map(\.0), files = pairs.map(\.1)
            lint = linter.map { LintGate($0, files: files) }
            read = .whole(files)
            database = try options.connect(start.url, readOnly: readOnly, command: command)
            source = .catalog(MigrationCatalog(parsed: files, inputs: inputs, postgresMajor: Self.postgresMajor(database)))
        }
        applier = try Applier(database: database, source: source)
        applier.lockTimeout = try options.lockTimeoutDuration
        if RunLog.current != nil { applier.onEvent = { RunLog.record($0) } }
    }

    /// Each migration file parsed once, read by both the catalog and the linter (a stream's
    /// once all are made, without those it could not read).
    var files: [MigrationFile] {
        switch read {
        case .whole(let files): files
        case .streamed(let stream): stream.all().compactMap { try? $0.get().file }
        }
    }

    /// The server's major version on PostgreSQL, for the catalog (nil on SQLite).
    static func postgresMajor(_ database: any Database) -> Int? {
        database.dialect == .postgresql ? Int(database.serverVersion.prefix { $0 != "." }) : nil
    }
}

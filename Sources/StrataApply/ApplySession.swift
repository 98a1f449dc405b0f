import Foundation
import StrataCore

/// What every database command starts from: the migration files of a folder found and read,
/// the database connected, and the applier over both; for `up` and `deploy` also the lint
/// they refuse on, started as soon as the files are parsed so that it runs beside the catalog,
/// the connection and the plan. The executable asks for one and prints what it returns.
public struct ApplySession {
    /// What to open.
    public struct Request: Sendable {
        /// The migrations folder, as messages and file paths show it (relative to the working
        /// directory when below it).
        public var folder: String
        public var layout: LayoutKind
        public var url: DatabaseURL
        /// Names the connection (`strata up user@host` on PostgreSQL).
        public var command: String
        /// Connect read-only (`--dry-run`, `status`...).
        public var readOnly = false
        /// Start the lint `up` refuses on, with this linter.
        public var linter: Linter?
        /// Read the files while the first migrations run (`MigrationSource.stream`), for
        /// `up --single-transaction`; else every file is read before anything else.
        public var streaming = false
        /// `--wait`: how long to wait for the database to accept connections.
        public var connectWait: Duration?
        /// `--lock-timeout`: how long to wait for another run's migration lock.
        public var lockTimeout: Duration = .seconds(60)
        /// PostgreSQL's lock_timeout for each migration's statements, and the retries of a
        /// migration that fails on it (strata.yml's `postgres:`, then the flags of `up`).
        public var lockSafety = LockSafety()

        public init(folder: String, layout: LayoutKind, url: DatabaseURL, command: String) {
            self.folder = folder
            self.layout = layout
            self.url = url
            self.command = command
        }
    }

    public let url: DatabaseURL
    public let applier: Applier
    /// The lint `up` and `deploy` refuse on; nil unless the request gave a linter.
    public let lint: LintGate?
    private let read: FilesRead

    /// How the migration files were read.
    private enum FilesRead {
        /// Every file read and parsed once, on every core, before anything else; the catalog
        /// and the linter share the parses.
        case whole([MigrationFile])
        /// Read on another thread while `up --single-transaction` runs.
        case streamed(CatalogStream)
    }

    /// Finds the files (a folder that does not exist, or files Strata cannot apply, end it
    /// here, before the database is touched), reads them, connects and makes the applier.
    public init(_ request: Request) throws {
        guard FileManager.default.fileExists(atPath: request.folder) else {
            throw CommandFailure("\(request.folder): no such folder; set `migrations:` in strata.yml")
        }
        let discovered = try FileDiscovery.discover([request.folder], layout: request.layout.layout)
        try FileDiscovery.requireApplicable(discovered)
        url = request.url
        let connect = { () throws -> any Database in
            try DatabaseConnector.connect(request.url, wait: request.connectWait, readOnly: request.readOnly,
                                          applicationName: "strata \(request.command) \(Ledger.actor)")
        }
        let source: MigrationSource
        let database: any Database
        if request.streaming {
            database = try connect()
            let stream = CatalogStream(discovered, layout: request.layout, dialect: request.url.dialect,
                                       postgresMajor: database.postgresMajor)
            lint = request.linter.map { LintGate($0, stream: stream) }
            read = .streamed(stream)
            source = .stream(stream)
        } else {
            let layout = request.layout.layout
            let dialect = request.url.dialect
            // Each file read and parsed once, on every core; catalog and linter share the result.
            let loaded = Parallel.map(discovered.count) { i -> Result<(MigrationInput, MigrationFile), InputError> in
                Result { () throws(InputError) in
                    let input = try FileDiscovery.input(discovered[i])
                    return (input, layout.parse(input, dialect: dialect, depth: .full))
                }
            }
            let pairs = try loaded.map { r throws(InputError) in try r.get() }
            let inputs = pairs.map(\.0), files = pairs.map(\.1)
            lint = request.linter.map { LintGate($0, files: files) }
            read = .whole(files)
            database = try connect()
            source = .catalog(MigrationCatalog(parsed: files, inputs: inputs, postgresMajor: database.postgresMajor))
        }
        applier = try Applier(database: database, source: source)
        applier.lockTimeout = request.lockTimeout
        applier.lockSafety = request.lockSafety
    }

    /// Each migration file parsed once, read by both the catalog and the linter (a stream's
    /// once all are made, without those it could not read).
    public var files: [MigrationFile] {
        switch read {
        case .whole(let files): files
        case .streamed(let stream): stream.all().compactMap { try? $0.get().file }
        }
    }

    /// The files by migration id (the first of a duplicated id).
    public var filesByID: [String: MigrationFile] {
        Dictionary(files.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

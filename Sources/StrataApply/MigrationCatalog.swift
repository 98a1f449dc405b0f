import StrataCore
import StrataSyntax

/// One migration file as the applier sees it: parsed, with its checksums and the UP steps it
/// will run (each with its text and where its statements are).
public struct CatalogEntry: Sendable {
    public typealias Step = SQLStep

    public var id: String
    public var name: String
    public var path: String
    public var checksum: String
    public var downChecksum: String?
    public var dependencies: [String]
    public var up: [Step]
    /// False for `@transaction: false`, or when a statement cannot run inside a transaction.
    public var transactional: Bool
    /// Why it runs outside a transaction, for the plan.
    public var nonTransactionalReason: String?
    /// What it is when Strata cannot run it (a goose Go migration): `up` stops before it until
    /// it is recorded as applied (`markApplied`).
    public var nonSQL: NonSQLMigration? = nil

    /// Why `up` stops at it, naming the file and what to do; nil for SQL.
    public var stopReason: String? {
        nonSQL.map { "\(path) is a \($0.language) migration, which Strata cannot run: \($0.advice(id: id)), then run `strata up` again" }
    }
}

/// The migration files in the order they apply (dependencies first, ties by id).
public struct MigrationCatalog: Sendable {
    public var entries: [CatalogEntry]

    /// `postgresMajor`: the server's major version, when known, for what depends on it
    /// (`ALTER TYPE ... ADD VALUE` runs outside a transaction before PostgreSQL 12).
    public init(_ inputs: [MigrationInput], layout: LayoutKind = .strata, dialect: Dialect, postgresMajor: Int? = nil) {
        self.init(parsed: Self.parse(inputs, layout: layout, dialect: dialect), inputs: inputs, postgresMajor: postgresMajor)
    }

    /// Every input parsed at full depth, on every core, in input order: what the catalog and
    /// the linter (`Linter.lint(parsed:)`) both read, so a command parses each file once.
    public static func parse(_ inputs: [MigrationInput], layout: LayoutKind, dialect: Dialect) -> [MigrationFile] {
        let parser = layout.layout
        return Parallel.map(inputs.count) { parser.parse(inputs[$0], dialect: dialect, depth: .full) }
    }

    /// The catalog of files parsed by `parse` (`files[i]` read from `inputs[i]`).
    public init(parsed files: [MigrationFile], inputs: [MigrationInput], postgresMajor: Int? = nil) {
        precondition(files.count == inputs.count, "one parsed file per input")
        let layout = files.first?.layout.layout
        let order = MigrationOrder(dependencies: Dictionary(files.map { ($0.id, $0.dependencies) }, uniquingKeysWith: { a, _ in a }),
                                   precedes: layout.map { layout in { layout.precedes($0, $1) } })
        let byID = Dictionary(zip(files.map(\.id), zip(files, inputs)), uniquingKeysWith: { a, _ in a })
        let ordered = order.ordered.compactMap { byID[$0] }
        // Checksums and statement texts, on every core.
        entries = Parallel.map(ordered.count, minimumPerWorker: 64) { Self.entry(ordered[$0].0, ordered[$0].1, postgresMajor: postgresMajor) }
    }

    public subscript(id: String) -> CatalogEntry? { entries.first { $0.id == id } }

    static func entry(_ file: MigrationFile, _ input: MigrationInput, postgresMajor: Int?) -> CatalogEntry {
        let steps = SQLStep.steps(of: file.up, in: file.source)
        let reason = file.nonTransactionalReason(postgresMajor: postgresMajor)
        return CatalogEntry(id: file.id, name: file.value(MetadataKey.name.rawValue) ?? file.id, path: file.path,
                            checksum: checksum(file, input), downChecksum: downChecksum(file),
                            dependencies: file.dependencies, up: steps, transactional: reason == nil,
                            nonTransactionalReason: reason, nonSQL: file.nonSQL)
    }

    /// The checksum of the migration's bytes: its file, and for layouts that keep DOWN apart,
    /// the UP file, a line break and the DOWN file (an edit of either changes it).
    public static func checksum(_ file: MigrationFile, _ input: MigrationInput) -> String {
        Checksum.of(input.content)
    }

    /// The checksum of the DOWN SQL, from its marker (or the start of the DOWN file) to the end:
    /// a rollback compares it with the one recorded when the migration was applied.
    public static func downChecksum(_ file: MigrationFile) -> String? {
        guard let source = file.source, let lower = file.downStartOffset else { return nil }
        return Checksum.of(source.bytes, from: lower)
    }
}

import StrataCore

/// Where the applier reads the migrations from. `UpPlanner` reads either alike, one
/// migration at a time in the source's order; they differ only in when a migration is there.
public enum MigrationSource: Sendable {
    /// Every file read, parsed and hashed before anything is planned, in the order they apply.
    case catalog(MigrationCatalog)
    /// The files read, parsed and hashed on another thread, each handed over as soon as it is
    /// made: `up --single-transaction` runs the first migrations while the rest are read.
    case stream(CatalogStream)

    /// Every migration id the source hands over, in its order.
    var ids: [String] {
        switch self {
        case .catalog(let catalog): catalog.entries.map(\.id)
        case .stream(let stream): stream.files.map(\.id)
        }
    }

    var count: Int {
        switch self {
        case .catalog(let catalog): catalog.entries.count
        case .stream(let stream): stream.files.count
        }
    }

    /// Whether every migration is there already (nothing is waited for).
    var isComplete: Bool {
        if case .catalog = self { true } else { false }
    }

    /// The migration at `index`, waiting until it is made; a file that could not be read is
    /// an error naming it.
    func entry(_ index: Int) throws(ApplyError) -> CatalogEntry {
        switch self {
        case .catalog(let catalog):
            return catalog.entries[index]
        case .stream(let stream):
            switch stream.entry(index) {
            case .success(let entry): return entry
            case .failure(let error): throw ApplyError(.migrationFile, error.errorDescription ?? "\(error)")
            }
        }
    }

    /// The whole catalog (a stream's once every file is made, without those it could not read).
    var catalog: MigrationCatalog {
        switch self {
        case .catalog(let catalog): catalog
        case .stream(let stream): stream.catalog
        }
    }
}

import Foundation
import StrataSyntax

/// Prisma Migrate: a folder a migration, `<timestamp>_<name>/migration.sql`, in the
/// `prisma/migrations` folder; the id is the migration folder's name, and migrations run in the
/// order of those names, as Prisma sorts them. Prisma runs forward only; a `down.sql` beside
/// `migration.sql` (what Prisma's docs have `prisma migrate diff --script` write, to run by
/// hand) is read as the migration's DOWN, so `strata rollback` can run it. Other `.sql` files
/// are not Prisma's and are left out. `migration_lock.toml` in the migrations folder names the
/// database (`DialectInference`). Prisma has no per-migration transaction switch.
public struct PrismaLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .prisma }
    public var capabilities: LayoutCapabilities { [] }
    public var recursive: Bool { true }

    /// The name of the folder holding the file: `20240101120000_init/migration.sql` →
    /// `20240101120000_init`.
    public func id(forRelativePath path: String) -> String {
        LayoutSupport.folderID(path)
    }

    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        try FilePairing.pair(files) { file throws(InputError) in
            let name = FilePairing.name(Substring(file.path))
            let folder = FilePairing.folder(file.relative)
            guard name == "migration.sql" || name == "down.sql" else { return nil }
            guard !folder.isEmpty || file.namedAlone else {
                throw InputError(path: file.path, message: "not a Prisma migration: Prisma keeps each migration in a folder of its own, as <timestamp>_<name>/migration.sql")
            }
            let isDown = name == "down.sql"
            let key = file.namedAlone ? String(FilePairing.folder(Substring(file.path))) : String(folder)
            let own = FilePairing.folder(Substring(file.path))
            return .init(key: key, id: String(FilePairing.name(own.dropLast())), isDown: isDown,
                         partner: String(own) + (isDown ? "migration.sql" : "down.sql"))
        }
    }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        LayoutSupport.parsePair(input, layout: .prisma, dialect: dialect, depth: depth)
    }
}

import StrataSyntax

/// diesel: a folder a migration, `<version>_<name>/up.sql` and `<version>_<name>/down.sql`; the
/// id is the folder's name. Folders are searched below the one given, so a `migrations/` folder
/// holding one folder a database (`postgresql/`, `sqlite/`) reads too. A `metadata.toml` in a
/// migration's folder says whether it runs in a transaction (`TransactionSettings.swift`).
public struct DieselLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .diesel }
    public var capabilities: LayoutCapabilities { [.downSections] }
    public var recursive: Bool { true }

    /// The name of the folder holding the file: `2019-03-22-170700_drop_email/up.sql` →
    /// `2019-03-22-170700_drop_email`.
    public func id(forRelativePath path: String) -> String {
        LayoutSupport.folderID(path)
    }

    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        try FilePairing.pair(files) { file throws(InputError) in
            let name = FilePairing.name(Substring(file.path))
            let folder = FilePairing.folder(file.relative)
            guard name == "up.sql" || name == "down.sql", !folder.isEmpty else {
                throw InputError(path: file.path, message: "not a diesel migration file: diesel keeps each migration in a folder as up.sql and down.sql")
            }
            let isDown = name == "down.sql"
            return .init(key: String(folder), id: String(FilePairing.name(folder.dropLast())), isDown: isDown,
                         partner: String(FilePairing.folder(Substring(file.path))) + (isDown ? "up.sql" : "down.sql"))
        }
    }

    /// `run_in_transaction` of the folder's `metadata.toml` decides for UP and DOWN alike, as
    /// diesel runs and reverts a migration.
    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        var file = LayoutSupport.parsePair(input, layout: .diesel, dialect: dialect, depth: depth)
        file.transactionSetting = input.settings?.readableTransactionSetting
        return file
    }
}

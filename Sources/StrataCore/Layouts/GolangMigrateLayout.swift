import StrataSyntax

/// golang-migrate (and ory/popx): `<version>_<name>.up.sql` paired with
/// `<version>_<name>.down.sql` in the same folder; the id is `<version>_<name>`. A missing
/// down file is a migration without DOWN (`missing-down`). As ory/popx does, a DOWN file for one
/// database (`<version>_<name>.sqlite3.down.sql`) with no UP file for that database pairs with
/// the generic `<version>_<name>.up.sql`.
public struct GolangMigrateLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .golangMigrate }
    public var capabilities: LayoutCapabilities { [.downSections, .numberedFiles] }
    public var recursive: Bool { false }

    public func id(forRelativePath path: String) -> String {
        let name = FilePairing.name(Substring(path))
        for suffix in [".autocommit.up.sql", ".autocommit.down.sql", ".up.sql", ".down.sql"] where name.hasSuffix(suffix) {
            return String(name.dropLast(suffix.count))
        }
        return LayoutSupport.stem(path)
    }

    public func precedes(_ a: String, _ b: String) -> Bool { VersionOrder.numericPrefixPrecedes(a, b) }

    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        try FilePairing.pair(files) { file throws(InputError) in
            let name = FilePairing.name(Substring(file.path))
            let isDown = name.hasSuffix(".down.sql")
            guard isDown || name.hasSuffix(".up.sql") else {
                throw InputError(path: file.path, message: "not a golang-migrate file name: expected <version>_<name>.up.sql or <version>_<name>.down.sql")
            }
            let full = name.dropLast(isDown ? ".down.sql".count : ".up.sql".count)
            // popx's `.autocommit` says how a file runs, not which migration it is.
            let base = full.hasSuffix(".autocommit") ? full.dropLast(".autocommit".count) : full
            let folder = FilePairing.folder(Substring(file.path))
            let key = String(FilePairing.folder(file.relative) + base)
            var role = FilePairing.Role(key: key, id: String(base), isDown: isDown,
                                        partner: String(folder + base) + (isDown ? ".up.sql" : ".down.sql"))
            if let generic = Self.genericBase(base) { role.fallbackKey = String(FilePairing.folder(file.relative) + generic) }
            return role
        }
    }

    /// The database suffixes ory/popx gives files meant for one database.
    static let databaseSuffixes: Set<Substring> = ["postgres", "postgresql", "sqlite", "sqlite3", "mysql", "cockroach", "cockroachdb"]

    /// `x.sqlite3` → `x`: the name of the generic file a file meant for one database stands in
    /// for; nil for a generic file.
    static func genericBase(_ base: Substring) -> Substring? {
        guard let dot = base.lastIndex(of: "."), databaseSuffixes.contains(base[base.index(after: dot)...]) else { return nil }
        return base[..<dot]
    }

    /// `x.autocommit.up.sql` files (ory/popx) run outside a transaction.
    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        var file = LayoutSupport.parsePair(input, layout: .golangMigrate, dialect: dialect, depth: depth)
        if input.path.hasSuffix(".autocommit.up.sql") {
            file.metadata.append(LayoutSupport.noTransaction(at: SourceRange(at: .start)))
        }
        return file
    }
}

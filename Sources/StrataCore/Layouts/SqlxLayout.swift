import StrataSyntax

/// sqlx (`sqlx migrate`), and the Supabase CLI's `supabase/migrations`, which has the same shape:
/// `<version>_<description>.sql` runs forward only; `<version>_<description>.up.sql` with
/// `<version>_<description>.down.sql` is a reversible migration. The version is the number
/// before the first `_` (a 14-digit timestamp, or a sequence number), and migrations run in
/// version order. A file whose text starts with `-- no-transaction` runs outside a transaction,
/// as sqlx reads it (the first bytes of the file, nowhere else).
///
/// Reversible files share golang-migrate's shape: a folder of `.up.sql`/`.down.sql` pairs is
/// detected as golang-migrate, which Strata reads the same way (same ids, same pairing);
/// `--layout sqlx` says which tool it is, for its hints and `-- no-transaction`.
public struct SqlxLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .sqlx }
    public var capabilities: LayoutCapabilities { [.downSections, .numberedFiles] }
    public var recursive: Bool { false }

    /// The line sqlx reads at the very start of a file to run it outside a transaction.
    public static let noTransactionLine = "-- no-transaction"

    public func id(forRelativePath path: String) -> String {
        let name = FilePairing.name(Substring(path))
        for suffix in [".up.sql", ".down.sql"] where name.hasSuffix(suffix) {
            return String(name.dropLast(suffix.count))
        }
        return LayoutSupport.stem(path)
    }

    public func precedes(_ a: String, _ b: String) -> Bool { VersionOrder.numericPrefixPrecedes(a, b) }

    /// Whether a file name is one sqlx reads: `<digits>_<description>.sql` (`.up.sql`/`.down.sql`).
    static func isMigrationName(_ name: Substring) -> Bool {
        guard name.hasSuffix(".sql"), let underscore = name.firstIndex(of: "_"), underscore > name.startIndex else { return false }
        return name[..<underscore].allSatisfy { $0.isASCII && $0.isNumber }
    }

    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        try FilePairing.pair(files) { file throws(InputError) in
            let name = FilePairing.name(Substring(file.path))
            guard Self.isMigrationName(name) else {
                throw InputError(path: file.path, message: "not a sqlx migration name: expected <version>_<description>.sql, or .up.sql and .down.sql for a reversible one")
            }
            let isDown = name.hasSuffix(".down.sql")
            let isUp = name.hasSuffix(".up.sql")
            let base = name.dropLast(isDown ? ".down.sql".count : isUp ? ".up.sql".count : ".sql".count)
            let folder = FilePairing.folder(Substring(file.path))
            let key = String(FilePairing.folder(file.relative) + base)
            return FilePairing.Role(key: key, id: String(base), isDown: isDown,
                                    partner: String(folder + base) + (isDown ? ".up.sql" : ".down.sql"))
        }
    }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        var file = LayoutSupport.parsePair(input, layout: .sqlx, dialect: dialect, depth: depth)
        if input.bytes.starts(with: Self.noTransactionLine.utf8) {
            let end = SourcePosition(offset: Self.noTransactionLine.utf8.count, line: 1, column: Self.noTransactionLine.utf8.count + 1)
            file.metadata.append(LayoutSupport.noTransaction(at: SourceRange(start: .start, end: end)))
        }
        return file
    }
}

extension MigrationFile {
    /// A sqlx file named `<version>_<description>.sql` (not `.up.sql`): sqlx's irreversible
    /// kind, which has no DOWN by design.
    public var isForwardOnlySqlxFile: Bool {
        layout == .sqlx && !path.hasSuffix(".up.sql") && downFile == nil
    }
}

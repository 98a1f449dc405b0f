import StrataSyntax

/// Flyway: `V<version>__<description>.sql` migrations, paired with an undo file
/// `U<version>__<description>.sql` of the same version as their DOWN, and repeatable
/// `R__<description>.sql` files, which Flyway runs after the versioned ones. Versions order as
/// Flyway orders them (`1.10` after `1.9`; `.` and `_` both separate parts). Callback scripts
/// (`beforeMigrate.sql`, `afterEachMigrate.sql`, ...) are not migrations and are left out.
/// Folders are searched below the one given, as Flyway searches its locations.
/// Java and Kotlin migrations (`V3__Backfill.java`, named as the SQL ones) are versions of the
/// same order: listed and ordered, never run (`NonSQLMigration`); other `.java` and `.kt` files
/// are not migrations.
public struct FlywayLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .flyway }
    public var capabilities: LayoutCapabilities { [.downSections] }
    public var recursive: Bool { true }

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    /// The parts of a Flyway file name: `V1_1__Add_users.sql` → (V, 1_1, Add_users).
    /// A Java or Kotlin migration's name reads the same way (`V3__Backfill.java`).
    public static func parts(_ name: Substring) -> (prefix: Character, version: Substring, description: Substring)? {
        guard let ext = [".sql", ".java", ".kt"].first(where: { name.hasSuffix($0) }), let prefix = name.first, "VUR".contains(prefix),
              let separator = name.range(of: "__") else { return nil }
        let version = name[name.index(after: name.startIndex)..<separator.lowerBound]
        let description = name[separator.upperBound..<name.index(name.endIndex, offsetBy: -ext.count)]
        if prefix == "R" { return version.isEmpty ? (prefix, version, description) : nil }
        guard !version.isEmpty, version.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "_") }),
              version.first?.isNumber == true else { return nil }
        return (prefix, version, description)
    }

    /// A version with leading zeros and trailing zero parts gone, so equal versions compare
    /// equal as text (`1.0` and `1` are one version to Flyway).
    public static func normalized(_ version: Substring) -> String {
        var parts = version.split(whereSeparator: { $0 == "." || $0 == "_" }).map { part -> Substring in
            let digits = part.drop { $0 == "0" }
            return digits.isEmpty ? "0" : digits
        }
        while parts.count > 1, parts.last == "0" { parts.removeLast() }
        return parts.joined(separator: ".")
    }

    /// Versioned migrations by version, then repeatables by description.
    public func precedes(_ a: String, _ b: String) -> Bool {
        guard let x = Self.parts(Substring(a + ".sql")), let y = Self.parts(Substring(b + ".sql")) else {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        if (x.prefix == "R") != (y.prefix == "R") { return y.prefix == "R" }
        let order = VersionOrder.compareFlywayVersions(x.version, y.version)
        if order != 0 { return order < 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    public var nonSQLMigrations: [String: NonSQLMigration] {
        ["java": NonSQLMigration(language: "Java", tool: "Flyway"), "kt": NonSQLMigration(language: "Kotlin", tool: "Flyway")]
    }

    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        try FilePairing.pair(files) { file throws(InputError) in
            let name = FilePairing.name(Substring(file.path))
            if !name.hasSuffix(".sql"), nonSQLMigration(ofPath: file.path) != nil {
                // A Java or Kotlin migration; any other class (and an undo class, whose DOWN
                // Strata could not run either) is not one of the order.
                guard let parts = Self.parts(name), parts.prefix != "U", let dot = name.lastIndex(of: ".") else { return nil }
                let id = String(name[..<dot])
                return .init(key: parts.prefix == "R" ? "R " + parts.description : "V " + Self.normalized(parts.version), id: id,
                             isDown: false, partner: "")
            }
            guard let parts = Self.parts(name) else {
                if name.hasPrefix("before") || name.hasPrefix("after") { return nil }
                throw InputError(path: file.path, message: "not a Flyway migration name: expected V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql")
            }
            let folder = FilePairing.folder(Substring(file.path))
            switch parts.prefix {
            case "R":
                return .init(key: "R " + parts.description, id: String(name.dropLast(4)), isDown: false, partner: "")
            case "U":
                return .init(key: "V " + Self.normalized(parts.version), id: "V" + name.dropFirst().dropLast(4), isDown: true,
                             partner: String(folder) + "V" + name.dropFirst())
            default:
                return .init(key: "V " + Self.normalized(parts.version), id: String(name.dropLast(4)), isDown: false,
                             partner: String(folder) + "U" + name.dropFirst())
            }
        }
    }

    /// `executeInTransaction` of the script's configuration file (`V3__x.sql.conf`) decides for
    /// UP, the undo script's own (`U3__x.sql.conf`) for DOWN, as Flyway reads each script's.
    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        if let file = LayoutSupport.nonSQLFile(input, layout: self, dialect: dialect) { return file }
        var file = LayoutSupport.parsePair(input, layout: .flyway, dialect: dialect, depth: depth)
        file.transactionSetting = input.settings?.readableTransactionSetting
        file.downTransactionSetting = input.down?.settings?.readableTransactionSetting
        return file
    }
}

/// Files named one by one on the command line (an editor, lint-staged or pre-commit passes the
/// files it has), each with the migrations folder it belongs to. A migration read alone misses
/// what the rest of its folder tells: the migrations it depends on, the numbers taken, the
/// schema the earlier ones built. So the folder is read whole, and only the named files are
/// checked and reported (`Linter.focus`).
///
/// A file's migrations folder is the configured one (strata.yml's `migrations:`) when the file
/// is inside it; else, for a layout with a naming scheme, its own folder when every `.sql` file
/// there is named as that layout names migrations (`NNNN_*.sql`, `*.up.sql`, `V1__*.sql`), or
/// for diesel the folder above the migration's own (`<folder>/<version>_<name>/up.sql`). Any
/// other file is linted as given, alone. A settings file named (diesel's `metadata.toml`,
/// Flyway's `.sql.conf`) stands for its migration.
///
/// Paths are compared as text (`PathText`), not through the file system: thousands of named
/// files cost no system call each.
public struct NamedFiles: Sendable {
    /// A migrations folder holding named files.
    public struct Group: Sendable {
        /// The folder as the named paths spell it, ending in `/` (`migrations/`); absolute when
        /// they do not spell it (`up.sql` named from inside a diesel migration's folder).
        public var folder: String
        /// The folder, absolute (the key the named files are matched by).
        public var absoluteFolder: String
        /// The named files in it, as given, in the order given.
        public var files: [String]
        /// The named files by absolute path.
        var namedByAbsolute: [String: String] = [:]

        /// The named path a path below `folder` stands for, as discovery or git joins it
        /// (`folder` + the path below it); nil when it was not named.
        public func namedPath(for path: String) -> String? {
            guard path.utf8.starts(with: folder.utf8) else { return nil }
            return namedByAbsolute[PathText.absolute(String(decoding: path.utf8.dropFirst(folder.utf8.count), as: UTF8.self),
                                                       from: absoluteFolder)]
        }
    }

    /// Folders holding named files, in the order their first file was named.
    public var groups: [Group] = []
    /// Named files in no migrations folder: linted as given.
    public var loose: [String] = []

    public init(groups: [Group] = [], loose: [String] = []) {
        self.groups = groups
        self.loose = loose
    }

    /// Groups `files` (paths of files, as given) by migrations folder.
    /// - Parameters:
    ///   - migrationsFolder: the configured folder (relative to `workingDirectory`, or absolute).
    ///   - layout: how the migrations are laid out; `plain` has no naming scheme, so only the
    ///     configured folder groups files.
    public static func resolve(_ files: [String], migrationsFolder: String, workingDirectory: String,
                               layout: LayoutKind) -> NamedFiles {
        var result = NamedFiles()
        var groupIndex: [String: Int] = [:]
        // The configured folder as spelled and with its symlinks resolved (a file named through
        // either is in it).
        let configured = PathText.absolute(migrationsFolder, from: workingDirectory)
        let spellings = FileDiscovery.directoryExists(configured)
            ? Array(Set([configured] + (PathText.resolvingSymlinks(configured).map { [$0] } ?? []))).sorted() : []
        if spellings.isEmpty, layout == .plain { return NamedFiles(loose: files) }
        var folderVerdicts: [String: Bool] = [:]
        for file in files {
            let path = PathText.absolute(file, from: workingDirectory)
            var folder = spellings.first { PathText.isInside(path, $0) }
            if folder == nil, layout != .plain {
                folder = ownFolder(of: path, layout: layout, verdicts: &folderVerdicts)
            }
            guard let folder else {
                result.loose.append(file)
                continue
            }
            if let index = groupIndex[folder] {
                result.groups[index].files.append(file)
                result.groups[index].namedByAbsolute[path] = result.groups[index].namedByAbsolute[path] ?? file
                continue
            }
            let below = components(of: String(decoding: path.utf8.dropFirst(folder.utf8.count), as: UTF8.self))
            var group = Group(folder: spelling(of: file, droppingLast: below) ?? (folder == "/" ? "/" : folder + "/"),
                              absoluteFolder: folder, files: [file])
            group.namedByAbsolute[path] = file
            groupIndex[folder] = result.groups.count
            result.groups.append(group)
        }
        return result
    }

    /// The folder a file outside the configured one belongs to, when it is a migrations folder
    /// of `layout` (verdicts by folder, so a folder is listed once).
    private static func ownFolder(of path: String, layout: LayoutKind, verdicts: inout [String: Bool]) -> String? {
        let parent = String(FilePairing.folder(Substring(path)).dropLast())
        let name = FilePairing.name(Substring(path))
        if layout == .prisma {
            // `<folder>/<timestamp>_<name>/migration.sql` (or its down.sql).
            guard name == "migration.sql" || name == "down.sql", !parent.isEmpty,
                  MigrationFile.numericPrefix(of: String(FilePairing.name(Substring(parent)))) != nil else { return nil }
            let grandparent = String(FilePairing.folder(Substring(parent)).dropLast())
            return grandparent.isEmpty ? "/" : grandparent
        }
        if layout == .diesel {
            // `<folder>/<version>_<name>/up.sql` (or its down.sql, metadata.toml): the folder
            // above the migration's own.
            guard name == "up.sql" || name == "down.sql" || name == "metadata.toml", !parent.isEmpty,
                  MigrationFile.numericPrefix(of: String(FilePairing.name(Substring(parent)))) != nil else { return nil }
            let grandparent = String(FilePairing.folder(Substring(parent)).dropLast())
            return grandparent.isEmpty ? "/" : grandparent
        }
        let folder = parent.isEmpty ? "/" : parent
        if let verdict = verdicts[folder] { return verdict ? folder : nil }
        var verdict = false
        if let names = try? FileDiscovery.sqlFiles(in: folder, recursive: false).map(\.0), !names.isEmpty {
            verdict = names.allSatisfy { namedLikeMigration(Substring($0), layout: layout) }
        }
        verdicts[folder] = verdict
        return verdict ? folder : nil
    }

    /// Whether a file name is one `layout` gives migrations (a folder of them has no other).
    static func namedLikeMigration(_ name: Substring, layout: LayoutKind) -> Bool {
        switch layout {
        case .plain, .diesel:
            return false
        case .flyway:
            return FlywayLayout.parts(name) != nil || name.hasPrefix("before") || name.hasPrefix("after")
        case .golangMigrate:
            return (name.hasSuffix(".up.sql") || name.hasSuffix(".down.sql")) && MigrationFile.numericPrefix(of: String(name)) != nil
        case .strata, .dbmate, .goose:
            return MigrationFile.numericPrefix(of: String(name)) != nil
        case .sqlx:
            return SqlxLayout.isMigrationName(name)
        case .prisma:
            return false
        case .drizzle:
            return MigrationFile.numericPrefix(of: String(name)) != nil
        case .atlas:
            return MigrationFile.numericPrefix(of: String(name)) != nil
        case .sqlMigrate:
            return MigrationFile.numericPrefix(of: String(name)) != nil
        case .liquibaseSQL:
            return false
        case .sqitch:
            return false
        }
    }

    // MARK: - Paths as text

    private static func components(of relative: String) -> Int {
        relative.split(separator: "/", omittingEmptySubsequences: true).count
    }

    /// `path` as given without its last `count` components, ending in `/` (`migrations/`; `./`
    /// when nothing is left of a relative path), when those are plain names; nil when the path
    /// does not spell the folder (`up.sql` named from inside a diesel migration's folder, or `.`
    /// and `..` among the components dropped).
    static func spelling(of path: String, droppingLast count: Int) -> String? {
        var end = path.endIndex
        for dropped in 0..<count {
            guard let slash = path[..<end].lastIndex(of: "/") else {
                let part = path[..<end]
                guard dropped == count - 1, !path.hasPrefix("/"), part != ".", part != ".." else { return nil }
                return "./"
            }
            let part = path[path.index(after: slash)..<end]
            guard part != ".", part != ".." else { return nil }
            end = slash
            // `a//b`: the empty components are part of the separator.
            while end > path.startIndex, path[path.index(before: end)] == "/" { end = path.index(before: end) }
        }
        if end == path.startIndex { return "/" }
        return String(path[..<end]) + "/"
    }
}

extension Linter {
    /// Lints the migrations of `group`'s folder, checking and reporting only the files named in
    /// it (see `focus`); they are reported by the paths they were named by.
    @discardableResult
    public func lint(_ group: NamedFiles.Group, report: ([Diagnostic]) -> Void) throws(InputError) -> LintSummary {
        var files = try FileDiscovery.discover([group.folder], layout: layout)
        var focus = Set<String>()
        for index in files.indices {
            if let named = group.namedPath(for: files[index].path) {
                files[index].path = named
                focus.insert(named)
            }
            if let down = files[index].down, let named = group.namedPath(for: down.path) {
                files[index].down?.path = named
                focus.insert(named)
            }
            // A settings file named (diesel's metadata.toml, Flyway's .sql.conf): its migration.
            if [files[index].settings?.path, files[index].down?.settings?.path].contains(where: { $0.flatMap(group.namedPath) != nil }) {
                focus.insert(files[index].path)
            }
        }
        // A named file the folder does not hold is named wrong (a file the layout leaves out,
        // a Flyway callback, is left out as it would be named alone).
        for file in group.files where !focus.contains(file) && !FileDiscovery.fileExists(file) {
            throw InputError(path: file, message: FileDiscovery.directoryExists(file)
                             ? "is a folder; name it with a trailing / to lint the files in it" : "no such file or directory")
        }
        var linter = self
        linter.focus = focus
        return try LintPass(linter).run(files.map { Item(id: $0.id, path: $0.path, content: .disk($0)) }, report: report)
    }
}

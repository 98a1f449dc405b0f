import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An I/O problem with the paths given to a command.
public struct InputError: Error, LocalizedError, Sendable, Equatable {
    public var path: String
    public var message: String
    /// Where in the file, when the problem is in its text (a malformed `metadata.toml`).
    public var line: Int?
    public var column: Int?

    public init(path: String, message: String, line: Int? = nil, column: Int? = nil) {
        self.path = path
        self.message = message
        self.line = line
        self.column = column
    }

    public var errorDescription: String? {
        guard let line else { return "\(path): \(message)" }
        return "\(path):\(line):\(column ?? 1): \(message)"
    }
}

/// A migration file found on disk: its path (as given, joined with the path below a folder given;
/// it opens the file and is what reports show) and its id.
public struct DiscoveredFile: Sendable, Hashable {
    public var path: String
    public var id: String
    /// The path's bytes when a name in it is not valid UTF-8: `path` then shows it with U+FFFD
    /// in place of the bad bytes, and these bytes open the file.
    public var rawPath: [UInt8]?
    /// The separate DOWN file paired with this one (golang-migrate, diesel, Flyway undo).
    public var down: DownPath?
    /// The settings file beside the migration, when the layout reads one and it is there
    /// (diesel's `metadata.toml`, Flyway's `V3__x.sql.conf`).
    public var settings: SettingsPath?

    public struct DownPath: Sendable, Hashable {
        public var path: String
        public var rawPath: [UInt8]?
        /// The DOWN file's own settings file (a Flyway undo script's `U3__x.sql.conf`).
        public var settings: SettingsPath?

        public init(path: String, rawPath: [UInt8]? = nil, settings: SettingsPath? = nil) {
            self.path = path
            self.rawPath = rawPath
            self.settings = settings
        }
    }

    /// A settings file found beside a migration file, and how its tool writes it.
    public struct SettingsPath: Sendable, Hashable {
        public var path: String
        public var rawPath: [UInt8]?
        public var format: MigrationInput.SettingsFile.Format

        public init(path: String, rawPath: [UInt8]? = nil, format: MigrationInput.SettingsFile.Format) {
            self.path = path
            self.rawPath = rawPath
            self.format = format
        }
    }

    public init(path: String, id: String, rawPath: [UInt8]? = nil, down: DownPath? = nil, settings: SettingsPath? = nil) {
        self.path = path
        self.id = id
        self.rawPath = rawPath
        self.down = down
        self.settings = settings
    }

    /// What the tool's integrity file says is wrong with this migration (Atlas's `atlas.sum`:
    /// `AtlasSum`), found when the folder was read; `atlas-sum-mismatch` reports it.
    public var integrityProblems: [String] = []
    /// For a layout that makes several migrations of one file (Liquibase's changesets): which
    /// part of the file this one is.
    public var part: MigrationInput.FilePart?

    /// The path below the folder it was found in (the whole path for a file given by name).
    var relative: Substring = ""
    /// Named on the command line rather than found in a folder.
    var namedAlone = false
}

public enum FileDiscovery {
    /// The files to lint for `paths`: files are taken as given; folders yield their `.sql` files
    /// and the layout's migrations that are not SQL (`MigrationLayout.nonSQLMigrations`)
    /// (recursively when the layout says so), sorted, skipping hidden entries. The display path
    /// is the path as given joined with the path below it.
    public static func discover(_ paths: [String], layout: any MigrationLayout) throws(InputError) -> [DiscoveredFile] {
        var result: [DiscoveredFile] = []
        var named: [DiscoveredFile] = []
        for path in paths {
            // A path named *.sql is taken as a file without a stat (a syscall per file adds up
            // over thousands of paths); reading it reports a folder of that name.
            if path.utf8.count > 4, path.utf8.reversed().starts(with: "lqs.".utf8) {
                named.append(namedFile(path, layout: layout))
                continue
            }
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw InputError(path: path, message: errno == ENOENT ? "no such file or directory" : String(cString: strerror(errno)))
            }
            if (info.st_mode & S_IFMT) != S_IFDIR {
                named.append(namedFile(path, layout: layout))
                continue
            }
            let prefix = path.hasSuffix("/") ? path : path + "/"
            var files: [DiscoveredFile] = []
            let listing = try migrationFiles(in: path, recursive: layout.recursive, settingsOf: layout.kind,
                                             nonSQL: layout.nonSQLMigrations.keys.map { Array(("." + $0).utf8) })
            for (relative, raw) in listing.sql {
                var file = DiscoveredFile(path: prefix + relative, id: layout.id(forRelativePath: relative),
                                          rawPath: raw.map { Array(prefix.utf8) + $0 })
                file.relative = Substring(relative)
                files.append(file)
            }
            var units = try layout.migrations(among: files)
            if !listing.settings.isEmpty {
                let present = Dictionary(listing.settings.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
                attachSettings(&units, kind: layout.kind, prefix: prefix) { relative in
                    present[relative].map { raw in (true, raw.map { Array(prefix.utf8) + $0 }) } ?? (false, nil)
                }
            }
            result += units
        }
        // Files named one by one (a pre-commit hook's staged files) pair up as a folder's do;
        // their settings files are looked for beside them.
        if !named.isEmpty {
            var units = try layout.migrations(among: named)
            if layout.kind.readsSettingsFiles {
                attachSettings(&units, kind: layout.kind, prefix: "") { path in (fileExists(path), nil) }
            }
            result += units
        }
        // A file named both on its own and through its folder is read once.
        // (ory/popx pairs one generic UP file with several DOWN files: each pair is a migration.)
        // Compared by raw bytes too: `0001_\xFF.sql` and `0001_\xFE.sql` both show as
        // `0001_\u{FFFD}.sql`, and are two files.
        var seen = Set<PathPair>(minimumCapacity: result.count)
        return result.filter { seen.insert(PathPair(up: $0.path, upRaw: $0.rawPath, down: $0.down?.path, downRaw: $0.down?.rawPath, part: $0.part?.bytes.lowerBound)).inserted }
    }

    /// Gives each migration the settings files beside its UP and DOWN files that `exists`
    /// says are there (by the path below `prefix`; with their raw bytes when not UTF-8).
    private static func attachSettings(_ units: inout [DiscoveredFile], kind: LayoutKind, prefix: String,
                                       exists: (String) -> (Bool, [UInt8]?)) {
        func below(_ path: String) -> String {
            path.utf8.starts(with: prefix.utf8) ? String(decoding: path.utf8.dropFirst(prefix.utf8.count), as: UTF8.self) : path
        }
        for index in units.indices {
            if let (relative, format) = kind.settingsPath(besideUpFile: below(units[index].path)) {
                let (found, raw) = exists(relative)
                if found { units[index].settings = DiscoveredFile.SettingsPath(path: prefix + relative, rawPath: raw, format: format) }
            }
            if let down = units[index].down, let (relative, format) = kind.settingsPath(besideDownFile: below(down.path)) {
                let (found, raw) = exists(relative)
                if found { units[index].down?.settings = DiscoveredFile.SettingsPath(path: prefix + relative, rawPath: raw, format: format) }
            }
        }
    }

    /// A migration's files, as the duplicate check compares them.
    private struct PathPair: Hashable {
        let up: String
        let upRaw: [UInt8]?
        let down: String?
        let downRaw: [UInt8]?
        /// Which part of the file, when a file holds several migrations.
        var part: Int? = nil
    }

    /// Refuses a set of migrations a database cannot track: two files with one id (a folder
    /// reached twice, diesel's one folder per database, names that differ only in bytes that are
    /// not UTF-8) would be applied as one, or one of them never; and a path that is not UTF-8
    /// has an id that is not its name (the tracking tables hold text), which `--target`,
    /// `repair` and the rows could never name exactly.
    public static func requireApplicable(_ files: [DiscoveredFile]) throws(InputError) {
        var byID: [String: String] = [:]
        byID.reserveCapacity(files.count)
        for file in files {
            for raw in [file.rawPath, file.down?.rawPath] {
                guard let raw else { continue }
                throw InputError(path: escaped(raw), message: "the file name is not valid UTF-8 (bytes shown as \\xNN); migration ids are stored as text: rename the file")
            }
            if let other = byID.updateValue(file.path, forKey: file.id) {
                throw InputError(path: file.path, message: "is migration \(file.id), as is \(other): each migration needs an id of its own; rename one, or point `migrations:` in strata.yml at one database's folder")
            }
        }
    }

    /// Paths below a folder (from a git tree) grouped into migrations as `layout` groups a
    /// folder's files; each result's `path` is the UP file's relative path.
    public static func migrations(amongRelativePaths paths: [String], layout: any MigrationLayout) throws(InputError) -> [DiscoveredFile] {
        try layout.migrations(among: paths.map { path in
            var file = DiscoveredFile(path: path, id: layout.id(forRelativePath: path))
            file.relative = Substring(path)
            return file
        })
    }

    private static func namedFile(_ path: String, layout: any MigrationLayout) -> DiscoveredFile {
        var file = DiscoveredFile(path: path, id: layout.id(forRelativePath: lastComponent(path)))
        file.relative = Substring(path)
        file.namedAlone = true
        return file
    }

    /// Whether a file, or anything else but a folder (links followed), exists at `path` (a DOWN
    /// file beside an UP file named alone): reading it says what is wrong with a FIFO or a device.
    public static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR
    }

    /// Whether a folder exists at `path`.
    public static func directoryExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The name after the last `/` (found by bytes: thousands of paths come through here).
    static func lastComponent(_ path: String) -> String {
        var path = path
        return path.withUTF8 { bytes in
            var i = bytes.count
            while i > 0, bytes[i - 1] != UInt8(ascii: "/") { i -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[i...]), as: UTF8.self)
        }
    }

    /// `name` without a final `.sql` (compared by bytes, as the names are: a file name's
    /// characters never merge across the dot).
    public static func droppingSQLExtension(_ name: String) -> String {
        var name = name
        return name.withUTF8 { bytes in
            let n = bytes.count
            guard n >= 4, bytes[n - 4] == UInt8(ascii: "."), bytes[n - 3] == UInt8(ascii: "s"),
                  bytes[n - 2] == UInt8(ascii: "q"), bytes[n - 1] == UInt8(ascii: "l") else {
                return String(decoding: bytes, as: UTF8.self)
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<(n - 4)]), as: UTF8.self)
        }
    }

    /// Relative paths of `.sql` files below `directory`, sorted by their bytes (so `0002` < `0010`
    /// with equal widths, and the order never depends on the locale), each with its raw bytes
    /// when a name in it is not valid UTF-8. Anything named `*.sql` is listed, whatever it is:
    /// reading it says what is wrong with a FIFO or a device.
    ///
    /// Each folder is read once, by device and inode: a link back up (`up -> ..`) or to a folder
    /// already read adds nothing (it made the plain layout read one migration 41 times). Real
    /// sub-folders are all read before any folder reached through a symbolic link, and links in
    /// byte order of their paths, so which name a folder is read under does not depend on the
    /// order readdir returns names in.
    public static func sqlFiles(in directory: String, recursive: Bool) throws(InputError) -> [(String, [UInt8]?)] {
        try migrationFiles(in: directory, recursive: recursive, settingsOf: nil).sql
    }

    /// `sqlFiles`, and in the same walk the settings files `layout` reads beside its
    /// migrations (diesel's `metadata.toml`, Flyway's `*.sql.conf`), listed as the `.sql` files
    /// are. Files ending in one of `nonSQL` (`.go`: the layout's migrations that are not SQL)
    /// are listed with the `.sql` files, in one order.
    static func migrationFiles(in directory: String, recursive: Bool, settingsOf layout: LayoutKind?,
                               nonSQL: [[UInt8]] = []) throws(InputError) -> (sql: [(String, [UInt8]?)], settings: [(String, [UInt8]?)]) {
        typealias Pending = (relative: [UInt8], valid: Bool)
        var found: [Pending] = []
        var settings: [Pending] = []
        let readsSettings = layout?.readsSettingsFiles == true
        var pending: [Pending] = [([], true)]
        var linked: [Pending] = []
        var visited = Set<FolderIdentity>()
        let root = Array(directory.utf8)
        while true {
            let next: Pending
            if let real = pending.popLast() {
                next = real
            } else if let first = linked.indices.min(by: { linked[$0].relative.lexicographicallyPrecedes(linked[$1].relative) }) {
                next = linked.remove(at: first)
            } else {
                break
            }
            let (relative, valid) = next
            let absolute = relative.isEmpty ? root : root + [UInt8(ascii: "/")] + relative
            guard let dir = opendir(cPath(absolute)) else {
                throw InputError(path: String(decoding: absolute, as: UTF8.self), message: String(cString: strerror(errno)))
            }
            defer { closedir(dir) }
            var info = stat()
            guard fstat(dirfd(dir), &info) == 0 else {
                throw InputError(path: String(decoding: absolute, as: UTF8.self), message: String(cString: strerror(errno)))
            }
            guard visited.insert(FolderIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted else { continue }
            while let entry = readdir(dir) {
                // The name is read in place, up to its NUL: a record is only as long as its name
                // (d_reclen), so copying the whole `dirent` (d_name is declared 256 bytes) can read
                // past the end of readdir's buffer into an unmapped page, which crashed here.
                let record = UnsafeRawPointer(entry)
                let namePointer = (record + direntNameOffset).assumingMemoryBound(to: CChar.self)
                let name = Array(UnsafeRawBufferPointer(start: namePointer, count: strlen(namePointer)))
                if name.first == UInt8(ascii: ".") { continue }
                let child = relative.isEmpty ? name : relative + [UInt8(ascii: "/")] + name
                let childValid = valid && String(validating: name, as: UTF8.self) != nil
                var kind = record.load(fromByteOffset: direntTypeOffset, as: UInt8.self)
                var throughLink = kind == UInt8(DT_LNK)
                if kind == UInt8(DT_UNKNOWN) || kind == UInt8(DT_LNK) {
                    // A file system that leaves the type out: lstat says, and whether it is a
                    // link. A link (either way): stat says what it points at.
                    let full = cPath(root + [UInt8(ascii: "/")] + child)
                    var info = stat()
                    if kind == UInt8(DT_UNKNOWN), lstat(full, &info) == 0 {
                        throughLink = (info.st_mode & S_IFMT) == S_IFLNK
                        if !throughLink { kind = (info.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG) }
                    }
                    if throughLink, stat(full, &info) == 0 {
                        kind = (info.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
                    }
                }
                if kind == UInt8(DT_DIR) {
                    if recursive {
                        if throughLink { linked.append((child, childValid)) } else { pending.append((child, childValid)) }
                    }
                } else if name.count > 4, name.suffix(4).elementsEqual(".sql".utf8) {
                    found.append((child, childValid))
                } else if !nonSQL.isEmpty, nonSQL.contains(where: { name.count > $0.count && name.suffix($0.count).elementsEqual($0) }) {
                    found.append((child, childValid))
                } else if readsSettings, layout!.readsSettingsFile(named: name) {
                    settings.append((child, childValid))
                }
            }
        }
        found.sort { $0.relative.lexicographicallyPrecedes($1.relative) }
        let named = { (entry: Pending) in (String(decoding: entry.relative, as: UTF8.self), entry.valid ? nil : entry.relative) }
        return (found.map(named), settings.map(named))
    }

    /// A folder as the file system knows it, whatever the path to it.
    private struct FolderIdentity: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    /// Where `d_name` and `d_type` are in a `dirent` record.
    private static let direntNameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
    private static let direntTypeOffset = MemoryLayout<dirent>.offset(of: \dirent.d_type)!
}

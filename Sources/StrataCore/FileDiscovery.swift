import Foundation
#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// An I/O problem with the paths given to a command.
public struct InputError: Error, LocalizedError, Sendable, Equatable {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var errorDescription: String? { "\(path): \(message)" }
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

    public struct DownPath: Sendable, Hashable {
        public var path: String
        public var rawPath: [UInt8]?

        public init(path: String, rawPath: [UInt8]? = nil) {
            self.path = path
            self.rawPath = rawPath
        }
    }

    public init(path: String, id: String, rawPath: [UInt8]? = nil, down: DownPath? = nil) {
        self.path = path
        self.id = id
        self.rawPath = rawPath
        self.down = down
    }

    /// The path below the folder it was found in (the whole path for a file given by name).
    var relative: Substring = ""
    /// Named on the command line rather than found in a folder.
    var namedAlone = false
}

public enum FileDiscovery {
    /// The files to lint for `paths`: files are taken as given; folders yield their `.sql` files
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
            for (relative, raw) in try sqlFiles(in: path, recursive: layout.recursive) {
                var file = DiscoveredFile(path: prefix + relative, id: layout.id(forRelativePath: relative),
                                          rawPath: raw.map { Array(prefix.utf8) + $0 })
                file.relative = Substring(relative)
                files.append(file)
            }
            result += try layout.migrations(among: files)
        }
        // Files named one by one (a pre-commit hook's staged files) pair up as a folder's do.
        if !named.isEmpty { result += try layout.migrations(among: named) }
        // A file named both on its own and through its folder is read once.
        // (ory/popx pairs one generic UP file with several DOWN files: each pair is a migration.)
        var seen = Set<PathPair>(minimumCapacity: result.count)
        return result.filter { seen.insert(PathPair(up: $0.path, down: $0.down?.path)).inserted }
    }

    /// A migration's files, as the duplicate check compares them.
    private struct PathPair: Hashable {
        let up: String
        let down: String?
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

    /// Whether a regular file exists at `path` (a DOWN file beside an UP file named alone).
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
    /// when a name in it is not valid UTF-8.
    public static func sqlFiles(in directory: String, recursive: Bool) throws(InputError) -> [(String, [UInt8]?)] {
        var found: [(relative: [UInt8], valid: Bool)] = []
        var pending: [(relative: [UInt8], valid: Bool)] = [([], true)]
        let root = Array(directory.utf8)
        while let (relative, valid) = pending.popLast() {
            let absolute = relative.isEmpty ? root : root + [UInt8(ascii: "/")] + relative
            guard let dir = opendir(cPath(absolute)) else {
                throw InputError(path: String(decoding: absolute, as: UTF8.self), message: String(cString: strerror(errno)))
            }
            defer { closedir(dir) }
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
                if kind == UInt8(DT_UNKNOWN) || kind == UInt8(DT_LNK) {
                    var info = stat()
                    if stat(cPath(root + [UInt8(ascii: "/")] + child), &info) == 0 {
                        kind = (info.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
                    }
                }
                if kind == UInt8(DT_DIR) {
                    if recursive { pending.append((child, childValid)) }
                } else if name.count > 4, name.suffix(4).elementsEqual(".sql".utf8) {
                    found.append((child, childValid))
                }
            }
        }
        found.sort { $0.relative.lexicographicallyPrecedes($1.relative) }
        return found.map { (String(decoding: $0.relative, as: UTF8.self), $0.valid ? nil : $0.relative) }
    }

    /// Where `d_name` and `d_type` are in a `dirent` record.
    private static let direntNameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
    private static let direntTypeOffset = MemoryLayout<dirent>.offset(of: \dirent.d_type)!

    /// A NUL-terminated copy of path bytes for the C calls.
    static func cPath(_ bytes: [UInt8]) -> [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

    /// The bytes of a discovered file (opened by its raw path when its name is not UTF-8).
    public static func read(_ file: DiscoveredFile) throws(InputError) -> [UInt8] {
        guard let raw = file.rawPath else { return try read(file.path) }
        return try read(cPath(raw), shownAs: file.path)
    }

    /// A discovered migration read whole: its file and, when it has one, its DOWN file.
    public static func input(_ file: DiscoveredFile) throws(InputError) -> MigrationInput {
        var input = MigrationInput(id: file.id, path: file.path, bytes: try read(file))
        if let down = file.down {
            let bytes: [UInt8]
            if let raw = down.rawPath { bytes = try read(cPath(raw), shownAs: down.path) } else { bytes = try read(down.path) }
            input.down = .init(path: down.path, bytes: bytes)
        }
        return input
    }

    /// The bytes of a file: one `fstat` for the size, then usually one `read` (a buffer one
    /// byte larger than the file shows the end without a second call); no zero-filling.
    public static func read(_ path: String) throws(InputError) -> [UInt8] {
        try read(cPath(Array(path.utf8)), shownAs: path)
    }

    private static func read(_ cPath: [CChar], shownAs path: String) throws(InputError) -> [UInt8] {
        let fd = open(cPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw InputError(path: path, message: errno == ENOENT ? "no such file or directory" : String(cString: strerror(errno)))
        }
        defer { close(fd) }
        // Most migrations are a few kilobytes: one read into a scratch buffer, no fstat (three
        // system calls a file instead of four, thousands of files at a time).
        let scratchSize = 1 << 16
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchSize)
        defer { scratch.deallocate() }
        var n: Int
        repeat { n = systemRead(fd, scratch, scratchSize) } while n < 0 && errno == EINTR
        if n < 0 {
            if errno == EISDIR { throw InputError(path: path, message: "is a folder; name it with a trailing / to lint the files in it") }
            throw InputError(path: path, message: String(cString: strerror(errno)))
        }
        // A regular file returns less than asked only at its end.
        if n < scratchSize { return Array(UnsafeBufferPointer(start: scratch, count: n)) }
        return try readRest(fd, after: UnsafeBufferPointer(start: scratch, count: n), shownAs: path)
    }

    /// A file larger than the scratch buffer: the rest read into an array sized by `fstat`.
    private static func readRest(_ fd: Int32, after start: UnsafeBufferPointer<UInt8>, shownAs path: String) throws(InputError) -> [UInt8] {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw InputError(path: path, message: String(cString: strerror(errno))) }
        var bytes = Array(start)
        bytes.reserveCapacity(max(Int(info.st_size), start.count) + 1)
        let chunk = 1 << 16
        var failure: Int32 = 0
        while true {
            var read = 0
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            bytes.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress! + buffer.count - chunk
                while true {
                    let n = systemRead(fd, base, chunk)
                    if n < 0, errno == EINTR { continue }
                    if n < 0 { failure = errno } else { read = n }
                    return
                }
            }
            bytes.removeLast(chunk - read)
            if failure != 0 { throw InputError(path: path, message: String(cString: strerror(failure))) }
            if read == 0 { return bytes }
        }
    }
}

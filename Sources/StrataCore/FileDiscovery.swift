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
}

public enum FileDiscovery {
    /// The files to lint for `paths`: files are taken as given; folders yield their `.sql` files
    /// (recursively when the layout says so), sorted, skipping hidden entries. The display path
    /// is the path as given joined with the path below it.
    public static func discover(_ paths: [String], layout: any MigrationLayout) throws(InputError) -> [DiscoveredFile] {
        var result: [DiscoveredFile] = []
        for path in paths {
            // A path named *.sql is taken as a file without a stat (a syscall per file adds up
            // over thousands of paths); reading it reports a folder of that name.
            if path.hasSuffix(".sql") {
                let name = path.split(separator: "/").last.map(String.init) ?? path
                result.append(DiscoveredFile(path: path, id: layout.id(forRelativePath: name)))
                continue
            }
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw InputError(path: path, message: errno == ENOENT ? "no such file or directory" : String(cString: strerror(errno)))
            }
            if (info.st_mode & S_IFMT) != S_IFDIR {
                let name = path.split(separator: "/").last.map(String.init) ?? path
                result.append(DiscoveredFile(path: path, id: layout.id(forRelativePath: name)))
                continue
            }
            let relativePaths = try sqlFiles(in: path, recursive: layout.recursive)
            let prefix = path.hasSuffix("/") ? path : path + "/"
            for relative in relativePaths {
                result.append(DiscoveredFile(path: prefix + relative, id: layout.id(forRelativePath: relative)))
            }
        }
        return result
    }

    /// Relative paths of `.sql` files below `directory`, sorted by their bytes (so `0002` < `0010`
    /// with equal widths, and the order never depends on the locale).
    static func sqlFiles(in directory: String, recursive: Bool) throws(InputError) -> [String] {
        var found: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? directory : directory + "/" + relative
            guard let dir = opendir(absolute) else {
                throw InputError(path: absolute, message: String(cString: strerror(errno)))
            }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name.hasPrefix(".") { continue }
                let child = relative.isEmpty ? name : relative + "/" + name
                var kind = entry.pointee.d_type
                if kind == UInt8(DT_UNKNOWN) || kind == UInt8(DT_LNK) {
                    var info = stat()
                    if stat(directory + "/" + child, &info) == 0 {
                        kind = (info.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
                    }
                }
                if kind == UInt8(DT_DIR) {
                    if recursive { pending.append(child) }
                } else if name.hasSuffix(".sql") {
                    found.append(child)
                }
            }
        }
        return found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The bytes of a file: one `fstat` for the size, then usually one `read` (a buffer one
    /// byte larger than the file shows the end without a second call); no zero-filling.
    public static func read(_ path: String) throws(InputError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw InputError(path: path, message: errno == ENOENT ? "no such file or directory" : String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw InputError(path: path, message: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw InputError(path: path, message: "is a folder; name it with a trailing / to lint the files in it")
        }
        var capacity = Int(info.st_size) + 1
        var failure: Int32 = 0
        while true {
            var complete = false
            let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                count = 0
                while count < capacity {
                    let n = systemRead(fd, buffer.baseAddress! + count, capacity - count)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    count += n
                    // A regular file returns less than asked only at its end: no second call
                    // just to see the zero.
                    if n == 0 || count < capacity { complete = true; return }
                }
            }
            if failure != 0 { throw InputError(path: path, message: String(cString: strerror(failure))) }
            if complete { return bytes }
            // The file grew while being read: keep what was read and continue in a larger buffer.
            capacity *= 2
            if lseek(fd, 0, SEEK_SET) != 0 { throw InputError(path: path, message: String(cString: strerror(errno))) }
        }
    }
}

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

/// A migration file found on disk: where it is, how to show it, and its id.
public struct DiscoveredFile: Sendable, Hashable {
    public var path: String
    public var displayPath: String
    public var id: String
}

public enum FileDiscovery {
    /// The files to lint for `paths`: files are taken as given; folders yield their `.sql` files
    /// (recursively when the layout says so), sorted, skipping hidden entries. The display path
    /// is the path as given joined with the path below it.
    public static func discover(_ paths: [String], layout: any MigrationLayout) throws(InputError) -> [DiscoveredFile] {
        var result: [DiscoveredFile] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError(path: path, message: "no such file or directory")
            }
            if !isDirectory.boolValue {
                let name = (path as NSString).lastPathComponent
                result.append(DiscoveredFile(path: path, displayPath: path, id: layout.id(forRelativePath: name)))
                continue
            }
            let relativePaths = try sqlFiles(in: path, recursive: layout.recursive)
            let prefix = path.hasSuffix("/") ? path : path + "/"
            for relative in relativePaths {
                result.append(DiscoveredFile(path: prefix + relative, displayPath: prefix + relative,
                                             id: layout.id(forRelativePath: relative)))
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

    /// The bytes of a file, read with one `read` loop (no Foundation bridging on the hot path).
    public static func read(_ path: String) throws(InputError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw InputError(path: path, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw InputError(path: path, message: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw InputError(path: path, message: "is a directory") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var total = 0
        while true {
            if total == bytes.count { bytes.append(contentsOf: [UInt8](repeating: 0, count: 4096)) }
            let n = bytes.withUnsafeMutableBytes { buffer in
                systemRead(fd, buffer.baseAddress! + total, buffer.count - total)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(path: path, message: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            total += n
        }
        bytes.removeSubrange(total...)
        return bytes
    }
}

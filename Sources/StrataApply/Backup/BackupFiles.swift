import Crypto
import Foundation

/// The file work of backups: private files and folders, names, hashes, and publishing a finished
/// backup so that a crash never leaves a half-written file under a backup's name.
enum BackupFiles {
    /// Creates `path` and its missing parents; the folders it creates are private (0700), as
    /// the backups they will hold are. An existing folder keeps its mode.
    static func ensureDirectory(_ path: String) throws(ApplyError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ApplyError(.backup, "\(path): not a folder (the backups folder)") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw ApplyError(.backup, "cannot create the backups folder \(path): \(describe(error))")
        }
    }

    /// Creates an empty file that did not exist, readable and writable by its owner only
    /// (0600, whatever the umask); nil when the name is taken.
    static func createPrivate(_ path: String) throws(ApplyError) -> FileHandle? {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST { return nil }
            throw ApplyError(.backup, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        fchmod(fd, 0o600)
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Writes `data` to a new private file and flushes it to disk.
    static func writePrivate(_ data: Data, to path: String) throws(ApplyError) {
        guard let handle = try createPrivate(path) else { throw ApplyError(.backup, "cannot create \(path): it exists") }
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ApplyError(.backup, "cannot write \(path): \(describe(error))")
        }
    }

    /// Flushes a file (or a folder's entries) to disk.
    static func sync(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func rename(_ from: String, to: String) throws(ApplyError) {
        guard Foundation.rename(from, to) == 0 else {
            throw ApplyError(.backup, "cannot rename \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }

    static func remove(_ path: String) { unlink(path) }

    /// SHA-256 (hex) and size of a file, read in 1 MiB pieces (a backup may be large).
    static func sha256(of path: String) throws(ApplyError) -> (hex: String, size: Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ApplyError(.backup, "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw ApplyError(.backup, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += Int64(count)
        }
        return (Checksum.hex(hasher.finalize()), size)
    }

    /// `20260105T091244Z`: UTC, sortable, and free of `:` (which some file systems refuse).
    static func stamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// A database name as a file-name part: ASCII letters, digits, `-` and `_`, others as `_`.
    static func safeName(_ name: String) -> String {
        let kept = name.unicodeScalars.prefix(64).map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_") ? Character(scalar) : "_"
        }
        return kept.isEmpty ? "db" : String(kept)
    }

    /// `path` with symbolic links resolved, for telling whether a file lies in a folder.
    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return URL(fileURLWithPath: path).standardizedFileURL.path }
        defer { free(real) }
        return String(cString: real)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }
}

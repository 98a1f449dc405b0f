import Foundation

/// Writes `strata metrics --output FILE` so that a reader never sees half a file: the text goes
/// to a temporary file in the same folder, is flushed, then renamed over FILE (node_exporter's
/// textfile collector may read the folder at any moment, and rename(2) within one file system
/// replaces the name at once).
///
/// Only a regular file, or a name not yet taken, is replaced so: a character device or a FIFO
/// (`/dev/stdout`, a pipe another program reads) is written to as it is, since renaming over it
/// would put a regular file in its place (as root, `--output /dev/null` replaced the device).
/// A link to a regular file keeps being a link: the file it points to is replaced. Anything else
/// (a folder, a block device, a socket, a link to nothing) is refused.
public enum MetricsFile {
    public static func write(_ text: String, to path: String) throws(ApplyError) {
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                // realpath: rename(2) over a link would replace the link, not the file.
                guard let resolved = realpath(path, nil) else { throw failure(path, "cannot resolve its links") }
                defer { free(resolved) }
                try replace(text, at: String(cString: resolved), shownAs: path)
            case S_IFCHR, S_IFIFO:
                try writeInPlace(text, to: path)
            case S_IFDIR:
                throw ApplyError(.monitoringFile, "cannot write the metrics file \(path) (--output): it is a folder; name a file in it")
            default:
                throw ApplyError(.monitoringFile, "cannot write the metrics file \(path) (--output): it is not a regular file, a character device or a FIFO; name a file")
            }
            return
        }
        let code = errno
        var link = stat()
        if lstat(path, &link) == 0 {
            // A name that is there but cannot be followed: a link to nothing, or a loop.
            errno = code
            throw failure(path, "it is a symbolic link that cannot be followed")
        }
        try replace(text, at: path, shownAs: path)
    }

    /// Writes `text` to a character device or a FIFO as it is (opening a FIFO waits for its
    /// reader, as the shell's `>` does). The descriptor is checked again: what is written to is
    /// what was checked.
    private static func writeInPlace(_ text: String, to path: String) throws(ApplyError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw failure(path, "cannot open it") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, [S_IFCHR, S_IFIFO].contains(info.st_mode & S_IFMT) else {
            throw ApplyError(.monitoringFile, "cannot write the metrics file \(path) (--output): it changed while being opened")
        }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw failure(path, "cannot write to it") }
            offset += n
        }
    }

    /// The file is readable by all (0644): node_exporter usually runs as another user, and the
    /// metrics hold no secret (the URL's password is `***`).
    private static func replace(_ text: String, at target: String, shownAs path: String) throws(ApplyError) {
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path
        // A dot name without `.prom`, so that the collector (which reads `*.prom`) skips it.
        let temporary = (folder as NSString).appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UUID().uuidString.prefix(8)).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path, "cannot create a temporary file in \(folder)") }
        fchmod(fd, 0o644)  // whatever the umask
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            let error = failure(path, "cannot write \(temporary)")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, target) == 0 else {
            let error = failure(path, "cannot rename \(temporary) over it")
            unlink(temporary)
            throw error
        }
        // The new name lasts a crash once the folder is on disk too.
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 { fsync(directory); close(directory) }
    }

    private static func failure(_ path: String, _ what: String) -> ApplyError {
        ApplyError(.monitoringFile, "cannot write the metrics file \(path) (--output): \(what): \(String(cString: strerror(errno)))")
    }
}

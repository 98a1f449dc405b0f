import Foundation

/// Writes `strata metrics --output FILE` so that a reader never sees half a file: the text goes
/// to a temporary file in the same folder, is flushed, then renamed over FILE (node_exporter's
/// textfile collector may read the folder at any moment, and rename(2) within one file system
/// replaces the name at once).
public enum MetricsFile {
    /// The file is readable by all (0644): node_exporter usually runs as another user, and the
    /// metrics hold no secret (the URL's password is `***`).
    public static func write(_ text: String, to path: String) throws(ApplyError) {
        let url = URL(fileURLWithPath: path)
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
        guard rename(temporary, path) == 0 else {
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

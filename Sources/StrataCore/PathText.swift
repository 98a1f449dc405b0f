#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths compared as text: made absolute from a folder, with `.`, `..` and empty components
/// taken out, and never through the file system (thousands of paths pass through here).
public enum PathText {
    /// `path` made absolute from `directory`, without `.`, `..` or empty components.
    public static func absolute(_ path: String, from directory: String) -> String {
        let whole = path.hasPrefix("/") ? path : directory + "/" + path
        // Usually there is nothing to take out (thousands of named files pass through here).
        if isNormal(whole) { return whole }
        var parts: [Substring] = []
        for part in whole.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether an absolute path has no `.`, `..` or empty component and no trailing `/`.
    private static func isNormal(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes in
            guard bytes.count > 1 else { return bytes.count == 1 }
            guard bytes[bytes.count - 1] != UInt8(ascii: "/") else { return false }
            var start = 1   // after the leading `/`
            for i in 1...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "/") {
                let length = i - start
                if length == 0 { return false }
                if bytes[start] == UInt8(ascii: "."), length == 1 || (length == 2 && bytes[start + 1] == UInt8(ascii: ".")) { return false }
                start = i + 1
            }
            return true
        }
    }

    /// Whether absolute `path` lies below absolute `folder` (both as `absolute` gives them).
    public static func isInside(_ path: String, _ folder: String) -> Bool {
        if folder == "/" { return path != "/" }
        let (p, f) = (path.utf8, folder.utf8)
        return p.count > f.count && p.starts(with: f) && p[p.index(p.startIndex, offsetBy: f.count)] == UInt8(ascii: "/")
    }

    /// `path` below absolute `folder` (`/`-separated), nil when outside it.
    public static func relative(_ path: String, below folder: String) -> String? {
        guard isInside(path, folder) else { return nil }
        return String(decoding: path.utf8.dropFirst(folder == "/" ? 1 : folder.utf8.count + 1), as: UTF8.self)
    }

    /// `path` with every symlink resolved (it must exist); nil when it cannot be.
    public static func resolvingSymlinks(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// The git working tree a folder is in, found without libgit2 (`strata lint` does not load it):
/// the nearest folder at or above it holding `.git`, a folder, or a file `gitdir: ...` (a linked
/// worktree or a submodule).
public enum GitWorkTree {
    /// The root of the working tree holding absolute `directory`, nil outside any.
    public static func root(containing directory: String) -> String? {
        var folder = PathText.absolute(directory, from: "/")
        while true {
            let dotGit = folder == "/" ? "/.git" : folder + "/.git"
            if FileDiscovery.directoryExists(dotGit) { return folder }
            if FileDiscovery.fileExists(dotGit), let bytes = try? FileDiscovery.read(dotGit),
               bytes.starts(with: Array("gitdir:".utf8)) {
                return folder
            }
            if folder == "/" { return nil }
            let parent = String(FilePairing.folder(Substring(folder)).dropLast())
            folder = parent.isEmpty ? "/" : parent
        }
    }
}

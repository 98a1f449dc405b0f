import Foundation
#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

extension FileDiscovery {
    /// The most strata reads from one file (a migration, strata.yml): 64 MiB. The largest real
    /// migrations are tens of kilobytes; a file named like a migration that is, or links to,
    /// `/dev/zero` or a runaway dump must stop the run with its name, not fill the memory.
    static let maximumFileSize = 64 << 20

    /// A NUL-terminated copy of path bytes for the C calls.
    static func cPath(_ bytes: [UInt8]) -> [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

    /// The bytes of a discovered file (opened by its raw path when its name is not UTF-8).
    public static func read(_ file: DiscoveredFile) throws(InputError) -> [UInt8] {
        guard let raw = file.rawPath else { return try read(file.path) }
        return try read(cPath(raw), shownAs: file.path)
    }

    /// A discovered migration read whole: its file and, when it has them, its DOWN file and
    /// settings files. A settings file its tool could not read stops here, naming its line.
    public static func input(_ file: DiscoveredFile) throws(InputError) -> MigrationInput {
        var input = MigrationInput(id: file.id, path: file.path, bytes: try read(file))
        input.integrityProblems = file.integrityProblems
        if let part = file.part {
            // The file changed since it was listed: its parts are read again from its bytes.
            input.part = part.bytes.upperBound <= input.bytes.count ? part : nil
        }
        if let down = file.down {
            let bytes: [UInt8]
            if let raw = down.rawPath { bytes = try read(cPath(raw), shownAs: down.path) } else { bytes = try read(down.path) }
            input.down = .init(path: down.path, bytes: bytes, settings: try down.settings.map(settingsFile))
        }
        if let settings = file.settings { input.settings = try settingsFile(settings) }
        return input
    }

    /// A settings file read (as any file is: regular, size-limited) and checked.
    private static func settingsFile(_ found: DiscoveredFile.SettingsPath) throws(InputError) -> MigrationInput.SettingsFile {
        let bytes = if let raw = found.rawPath { try read(cPath(raw), shownAs: found.path) } else { try read(found.path) }
        let file = MigrationInput.SettingsFile(format: found.format, path: found.path, bytes: bytes)
        _ = try file.transactionSetting()
        return file
    }

    /// The bytes of a regular file (after following links) of at most `maximumFileSize` bytes;
    /// anything else is an error naming it.
    /// `folderMessage`: what to say when it is a folder.
    public static func read(_ path: String, folderMessage: String = folderToLint) throws(InputError) -> [UInt8] {
        try read(cPath(Array(path.utf8)), shownAs: path, folderMessage: folderMessage)
    }

    public static let folderToLint = "is a folder; name it with a trailing / to lint the files in it"

    /// One `open`, one `fstat` on that descriptor (what is checked is what is read), usually one
    /// `read` straight into the array, sized by the `fstat` (no scratch copy, no zero-filling).
    private static func read(_ cPath: [CChar], shownAs path: String, folderMessage: String = folderToLint) throws(InputError) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO otherwise waits for a writer, for ever (`lint` hung on one);
        // it changes nothing for a regular file. O_NOCTTY: a terminal never becomes ours.
        let fd = open(cPath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw openFailure(cPath, errno: errno, shownAs: path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw InputError(path: path, message: String(cString: strerror(errno))) }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFDIR:
            throw InputError(path: path, message: folderMessage)
        default:
            throw InputError(path: path, message: "is \(kindName(info.st_mode)), not a regular file; strata reads only regular files: remove it or rename it")
        }
        let expected = Int(info.st_size)
        guard expected <= maximumFileSize else { throw tooLarge(path, size: expected) }
        var failure: Int32 = 0
        var filled = false
        var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
            count = 0
            while count < buffer.count {
                let asked = buffer.count - count
                let n = systemRead(fd, buffer.baseAddress! + count, asked)
                if n < 0, errno == EINTR { continue }
                if n < 0 { failure = errno; return }
                count += n
                // A regular file returns less than asked only at its end.
                if n < asked { return }
            }
            filled = true
        }
        if failure != 0 { throw InputError(path: path, message: String(cString: strerror(failure))) }
        guard filled else { return bytes }
        // Longer than `fstat` said (it grew while being read): the rest, never more than one
        // byte past the limit.
        while true {
            if bytes.count > maximumFileSize { throw tooLarge(path, size: bytes.count) }
            let chunk = min(1 << 16, maximumFileSize + 1 - bytes.count)
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

    private static func tooLarge(_ path: String, size: Int) -> InputError {
        InputError(path: path, message: "is larger than \(maximumFileSize >> 20) MiB (\(size) bytes), the most strata reads from one file")
    }

    /// Why `open` failed, in words: a link to nothing is named as such (the plain "no such file"
    /// would point at a name that is there).
    private static func openFailure(_ cPath: [CChar], errno code: Int32, shownAs path: String) -> InputError {
        switch code {
        case ENOENT:
            var info = stat()
            if lstat(cPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
                return InputError(path: path, message: "is a symbolic link to a file that does not exist (\(linkTarget(cPath)))")
            }
            return InputError(path: path, message: "no such file or directory")
        case ELOOP:
            return InputError(path: path, message: "is a symbolic link that loops (too many levels of links)")
        case ENXIO:
            return InputError(path: path, message: "is a socket or a device without a driver, not a regular file; strata reads only regular files: remove it or rename it")
        default:
            return InputError(path: path, message: String(cString: strerror(code)))
        }
    }

    /// Where a symbolic link points, as written in it.
    static func linkTarget(_ cPath: [CChar]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(cPath, &buffer, Int(PATH_MAX))
        guard n >= 0 else { return "?" }
        return escaped(buffer[..<n].map { UInt8(bitPattern: $0) })
    }

    /// What a file that is not a regular file is, for messages.
    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        case S_IFDIR: "a folder"
        default: "a special file"
        }
    }

    /// Path bytes as text, each byte that is not part of valid UTF-8 written `\xFF`: what a
    /// message shows of a name that is not UTF-8, so that two such names stay apart.
    public static func escaped(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let length = lead < 0x80 ? 1 : lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0
            if length > 0, i + length <= bytes.count, let scalar = String(validating: bytes[i..<(i + length)], as: UTF8.self) {
                out += scalar
                i += length
            } else {
                out += "\\x" + hex(lead)
                i += 1
            }
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}

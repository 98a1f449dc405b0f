import Crypto
import Foundation

/// Atlas's integrity file, `atlas.sum`, checked the way Atlas checks it.
///
/// Atlas hashes a migration folder's `*.sql` files in name order with one running SHA-256: for
/// each file its name, then its bytes (only the name for a file whose first line carries
/// `atlas:sum ignore`); after each file, the digest so far, base64, is that file's hash
/// (`<name> h1:<hash>`). The first line, `h1:<sum>`, is the SHA-256 of every listed name and
/// hash in order. So a file edited without `atlas migrate hash` changes its own hash and every
/// later one: the first file whose hash differs is the one edited.
public enum AtlasSum {
    public static let fileName = "atlas.sum"

    /// `atlas.sum` in `folder`.
    public static func path(inFolder folder: String) -> String? {
        folder.isEmpty ? nil : (folder.hasSuffix("/") ? folder : folder + "/") + fileName
    }

    /// What is wrong between the files (name and bytes, in any order) and the sum's text, by
    /// file name; what concerns no file in particular (the sum's own first line, a line naming
    /// a file that is not there, no sum at all) is given to the first file. Empty when they agree.
    public static func problems(files: [(name: String, bytes: [UInt8])], sum: [UInt8]?) -> [String: [String]] {
        let files = files.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        guard let first = files.first else { return [:] }
        var found: [String: [String]] = [:]
        guard let sum else {
            found[first.name] = ["no atlas.sum beside the migrations: Atlas refuses to run a folder without its integrity file"]
            return found
        }
        let text = String(decoding: sum, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        if lines.last == "" { lines.removeLast() }
        let claimed = lines.first.map { $0.hasPrefix("h1:") ? String($0.dropFirst(3)) : String($0) } ?? ""
        var entries: [(name: String, hash: String, line: Int)] = []
        for (index, line) in lines.enumerated().dropFirst() {
            guard let marker = line.range(of: "h1:") else {
                found[first.name, default: []].append("atlas.sum line \(index + 1) is not `<file> h1:<hash>`: Atlas cannot read the file")
                return found
            }
            entries.append((line[..<marker.lowerBound].trimmingCharacters(in: .whitespaces), String(line[marker.upperBound...]), index + 1))
        }
        if claimed != directorySum(entries.map { ($0.name, $0.hash) }) {
            found[first.name, default: []].append("the first line of atlas.sum is not the hash of the lines after it: the file was edited by hand")
        }
        let listed = Dictionary(entries.map { ($0.name, $0.hash) }, uniquingKeysWith: { a, _ in a })
        var chainBroken = false
        for (name, hash) in hashes(files) {
            guard let expected = listed[name] else {
                found[name, default: []].append("\(name) is not in atlas.sum: it was added without `atlas migrate hash`")
                chainBroken = true
                continue
            }
            if expected != hash, !chainBroken {
                found[name, default: []].append("\(name) changed after atlas.sum was written (atlas.sum has h1:\(expected), the files give h1:\(hash))")
                chainBroken = true
            }
        }
        let present = Set(files.map(\.name))
        for entry in entries where !present.contains(entry.name) {
            found[first.name, default: []].append("atlas.sum line \(entry.line) lists \(entry.name), which is not in the folder")
        }
        return found
    }

    /// Each file's hash as Atlas writes it in `atlas.sum` (files in name order; a file marked
    /// `atlas:sum ignore` has none).
    public static func hashes(_ files: [(name: String, bytes: [UInt8])]) -> [(name: String, hash: String)] {
        var running = SHA256()
        var result: [(String, String)] = []
        for file in files {
            running.update(data: Array(file.name.utf8))
            if directive(file.bytes, "sum") == "ignore" { continue }
            running.update(data: file.bytes)
            let digest = running   // a copy: the running hash goes on
            result.append((file.name, Data(digest.finalize()).base64EncodedString()))
        }
        return result
    }

    /// The first line of `atlas.sum`: the SHA-256 of every name and hash, in order, base64.
    public static func directorySum(_ entries: [(name: String, hash: String)]) -> String {
        var sha = SHA256()
        for entry in entries {
            sha.update(data: Array(entry.name.utf8))
            sha.update(data: Array(entry.hash.utf8))
        }
        return Data(sha.finalize()).base64EncodedString()
    }

    /// The text of `atlas.sum` for the files, as `atlas migrate hash` writes it.
    public static func text(_ files: [(name: String, bytes: [UInt8])]) -> String {
        let entries = hashes(files.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
        return "h1:\(directorySum(entries))\n" + entries.map { "\($0.name) h1:\($0.hash)\n" }.joined()
    }

    /// The value of an `atlas:<name>` directive on the text's first line (printable ASCII up to
    /// it, then `atlas:<name>`, then its arguments), as Atlas reads `atlas:sum`; nil without one.
    static func directive(_ bytes: some Collection<UInt8>, _ name: String) -> String? {
        let line = bytes.prefix { $0 != 0x0A }
        guard line.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { return nil }
        let text = String(decoding: line, as: UTF8.self)
        guard let found = text.range(of: "atlas:", options: .backwards) else { return nil }
        let rest = text[found.upperBound...]
        let word = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        guard word == name else { return nil }
        return rest.dropFirst(word.count).trimmingCharacters(in: .whitespaces)
    }

    /// File directives as Atlas reads them (`-- atlas:txmode none`): the comment lines at the
    /// top of the file, which count only when a blank line follows them.
    static func fileDirective(_ bytes: [UInt8], _ name: String) -> (value: String, line: Int)? {
        var start = 0
        var found: [(String, Int)] = []
        var line = 1
        while start < bytes.count, bytes[start] == UInt8(ascii: "#") || (bytes[start] == UInt8(ascii: "-") && start + 1 < bytes.count && bytes[start + 1] == UInt8(ascii: "-")) {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let comment = bytes[start..<end]
            if let value = directive(comment.last == 0x0D ? comment.dropLast() : comment, name) { found.append((value, line)) }
            guard end < bytes.count else { return nil }
            start = end + 1
            line += 1
        }
        guard start < bytes.count, bytes[start] == 0x0A || (bytes[start] == 0x0D && start + 1 < bytes.count && bytes[start + 1] == 0x0A) else { return nil }
        return found.first.map { (value: $0.0, line: $0.1) }
    }

    /// Writes `atlas.sum` for the folder's `*.sql` files, as `atlas migrate hash` does (after
    /// `strata new` adds a file to an Atlas folder).
    public static func rewrite(folder: String) throws(InputError) -> String {
        let names = try FileDiscovery.sqlFiles(in: folder, recursive: false).map(\.0)
        var files: [(name: String, bytes: [UInt8])] = []
        for name in names { files.append((name, try FileDiscovery.read(path(inFolder: folder)!.dropLast(fileName.count) + name))) }
        let target = path(inFolder: folder)!
        do {
            try Data(text(files).utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
        } catch {
            throw InputError(path: target, message: error.localizedDescription)
        }
        return target
    }
}

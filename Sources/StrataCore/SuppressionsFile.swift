import Foundation

/// `strata-suppressions.json`: the findings a project already had when it adopted Strata,
/// counted by file and rule, so that only new ones are reported (`strata lint --suppress-all`
/// writes it, `--prune-suppressions` shrinks it). It is reviewed in pull requests, so its text
/// is stable: keys sorted by their bytes, two-space indent, one trailing newline.
///
/// ```json
/// {
///   "version": 1,
///   "files": {
///     "migrations/0001_users.sql": {
///       "missing-down": {
///         "count": 1
///       }
///     }
///   }
/// }
/// ```
///
/// Files are named by their path relative to the project root (the folder of strata.yml, else
/// the working directory), `/`-separated; there are no line numbers, so a finding that moves
/// stays suppressed.
public struct SuppressionsFile: Sendable, Equatable {
    public static let defaultFileName = "strata-suppressions.json"
    public static let formatVersion = 1

    /// Counts by file key, then rule id; every count is 1 or more.
    public var entries: [String: [String: Int]]

    public init(entries: [String: [String: Int]] = [:]) {
        self.entries = entries.compactMapValues { rules in
            let kept = rules.filter { $0.value > 0 }
            return kept.isEmpty ? nil : kept
        }
    }

    public var findingCount: Int { entries.values.reduce(0) { $0 + $1.values.reduce(0, +) } }
    public var ruleIDs: Set<String> { Set(entries.values.flatMap(\.keys)) }

    /// The file's text.
    public var text: String {
        var out = "{\n  \"version\": \(Self.formatVersion),\n  \"files\": {"
        let files = entries.keys.sorted(by: Self.byBytes)
        for (fileIndex, file) in files.enumerated() {
            out += fileIndex == 0 ? "\n" : ",\n"
            out += "    \(JSONText.quote(file)): {"
            let rules = entries[file] ?? [:]
            for (ruleIndex, rule) in rules.keys.sorted(by: Self.byBytes).enumerated() {
                out += ruleIndex == 0 ? "\n" : ",\n"
                out += "      \(JSONText.quote(rule)): {\n        \"count\": \(rules[rule] ?? 0)\n      }"
            }
            out += "\n    }"
        }
        out += files.isEmpty ? "}\n}\n" : "\n  }\n}\n"
        return out
    }

    static func byBytes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    // MARK: - Reading

    /// The file at `path`, or nil when there is none. Anything else that stops it being read
    /// (not a regular file, not UTF-8, malformed JSON, an unexpected shape) is an error naming
    /// the file, and the line and column where there is one.
    public static func load(_ path: String, shownAs shown: String) throws(InputError) -> SuppressionsFile? {
        guard FileDiscovery.fileExists(path) || FileDiscovery.directoryExists(path) || isDanglingLink(path) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try FileDiscovery.read(path, folderMessage: "is a folder, not a suppressions file")
        } catch {
            throw InputError(path: shown, message: error.message)
        }
        return try parse(bytes, shownAs: shown)
    }

    private static func isDanglingLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Parses the text of a suppressions file (`shownAs` names it in errors).
    public static func parse(_ bytes: [UInt8], shownAs path: String) throws(InputError) -> SuppressionsFile {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw InputError(path: path, message: "the suppressions file is not UTF-8 text")
        }
        var reader = JSONReader(bytes: bytes, path: path)
        let root = try reader.document()
        func fail(_ value: JSONReader.Value, _ message: String) -> InputError {
            InputError(path: path, message: message, line: value.line, column: value.column)
        }
        guard case .object(let members) = root.kind else {
            throw fail(root, "expected an object {\"version\": 1, \"files\": {...}}")
        }
        var version: Int?
        var entries: [String: [String: Int]] = [:]
        for (key, value) in members {
            switch key.text {
            case "version":
                guard case .integer(let number) = value.kind else { throw fail(value, "`version` must be a number") }
                guard number == formatVersion else {
                    throw fail(value, "version \(number) is not known to this strata (it reads version \(formatVersion))")
                }
                version = number
            case "files":
                guard case .object(let files) = value.kind else {
                    throw fail(value, "`files` must be an object of file paths")
                }
                for (file, rulesValue) in files {
                    guard !file.text.isEmpty, !file.text.hasPrefix("/") else {
                        throw fail(file.value, "a file must be named by its path relative to the project root")
                    }
                    guard case .object(let rules) = rulesValue.kind else {
                        throw fail(rulesValue, "the entry of \(JSONText.quote(file.text)) must be an object of rule ids")
                    }
                    var counts: [String: Int] = [:]
                    for (rule, entry) in rules {
                        guard case .object(let fields) = entry.kind else {
                            throw fail(entry, "the entry of rule '\(rule.text)' must be an object {\"count\": N}")
                        }
                        var count: Int?
                        for (field, fieldValue) in fields {
                            guard field.text == "count" else {
                                throw fail(field.value, "unknown key '\(field.text)'; an entry has only `count`")
                            }
                            guard case .integer(let number) = fieldValue.kind, number > 0 else {
                                throw fail(fieldValue, "`count` must be a whole number of 1 or more")
                            }
                            count = number
                        }
                        guard let count else { throw fail(entry, "the entry of rule '\(rule.text)' has no `count`") }
                        counts[rule.text] = count
                    }
                    if !counts.isEmpty { entries[file.text] = counts }
                }
            default:
                throw fail(key.value, "unknown key '\(key.text)'; known keys: version, files")
            }
        }
        guard version != nil else { throw fail(root, "`version` is missing (expected \"version\": \(formatVersion))") }
        return SuppressionsFile(entries: entries)
    }

    // MARK: - Updating

    /// The file `strata lint --suppress-all` writes after a lint that found `tally`: the files
    /// it checked hold exactly what was found in them; other files keep their entries unless
    /// they no longer exist (`exists`, by key).
    public func recording(_ tally: BulkSuppressions.Tally, exists: (String) -> Bool) -> SuppressionsFile {
        var result = entries.filter { !tally.checkedFiles.contains($0.key) && exists($0.key) }
        for (file, rules) in tally.found where tally.checkedFiles.contains(file) { result[file] = rules }
        return SuppressionsFile(entries: result)
    }

    /// The file `strata lint --prune-suppressions` writes: counts lowered to what was found in
    /// the files checked (entries found no more dropped), entries of files that no longer exist
    /// dropped; never a count raised or an entry added.
    public func pruned(by tally: BulkSuppressions.Tally, exists: (String) -> Bool) -> SuppressionsFile {
        var result: [String: [String: Int]] = [:]
        for (file, rules) in entries where exists(file) {
            guard tally.checkedFiles.contains(file) else {
                result[file] = rules
                continue
            }
            let found = tally.found[file] ?? [:]
            result[file] = Dictionary(uniqueKeysWithValues: rules.map { rule, count in (rule, min(count, found[rule] ?? 0)) })
        }
        return SuppressionsFile(entries: result)
    }
}

/// A JSON reader that knows where each value is written (line and column, 1-based), for
/// errors that point into a hand-edited or merged file. Duplicate keys are an error (a merge
/// that kept both sides).
struct JSONReader {
    struct Value {
        indirect enum Kind {
            case object([(key: Key, value: Value)])
            case array([Value])
            case string(String)
            case integer(Int)
            case number
            case bool(Bool)
            case null
        }

        var kind: Kind
        var line: Int
        var column: Int
    }

    struct Key {
        var text: String
        /// The key itself, for errors about it.
        var value: Value
    }

    let bytes: [UInt8]
    let path: String
    var index = 0
    var line = 1
    var lineStart = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    mutating func document() throws(InputError) -> Value {
        skipSpace()
        let value = try self.value(depth: 0)
        skipSpace()
        guard index == bytes.count else { throw error("unexpected text after the JSON value") }
        return value
    }

    private var column: Int { index - lineStart + 1 }

    private func error(_ message: String) -> InputError {
        InputError(path: path, message: "malformed JSON: \(message)", line: line, column: column)
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"):
                line += 1
                lineStart = index + 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                break
            default:
                return
            }
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(InputError) -> Value {
        guard depth < 64 else { throw error("nested too deep") }
        guard index < bytes.count else { throw error("unexpected end of file") }
        let (startLine, startColumn) = (line, column)
        func made(_ kind: Value.Kind) -> Value { Value(kind: kind, line: startLine, column: startColumn) }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(key: Key, value: Value)] = []
            var seen = Set<String>()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return made(.object(members))
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
                let keyLine = line, keyColumn = column
                let text = try string()
                let key = Key(text: text, value: Value(kind: .string(text), line: keyLine, column: keyColumn))
                guard seen.insert(text).inserted else {
                    throw InputError(path: path, message: "key given twice: \(JSONText.quote(text))", line: keyLine, column: keyColumn)
                }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                index += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw error("unexpected end of file: an object is not closed") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
                index += 1
                return made(.object(members))
            }
        case UInt8(ascii: "["):
            index += 1
            var elements: [Value] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return made(.array(elements))
            }
            while true {
                skipSpace()
                elements.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw error("unexpected end of file: an array is not closed") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
                index += 1
                return made(.array(elements))
            }
        case UInt8(ascii: "\""):
            return made(.string(try string()))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return made(try number())
        default:
            for (word, kind) in [("true", Value.Kind.bool(true)), ("false", .bool(false)), ("null", .null)]
            where bytes[index...].starts(with: word.utf8) {
                index += word.utf8.count
                return made(kind)
            }
            throw error("unexpected character")
        }
    }

    private mutating func number() throws(InputError) -> Value.Kind {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        guard index > digitsStart else { throw error("expected a digit") }
        var integral = true
        while index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[index])
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            integral = false
            index += 1
        }
        guard integral, let number = Int(String(decoding: bytes[start..<index], as: UTF8.self)) else { return .number }
        return .integer(number)
    }

    /// A string literal (at its opening quote), escapes decoded.
    private mutating func string() throws(InputError) -> String {
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { break }
                let escaped = bytes[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                        index -= 2
                        throw error("bad \\u escape")
                    }
                    index += 4
                    var scalar = Unicode.Scalar(code)
                    // A surrogate pair: the second half follows as another \u escape.
                    if (0xD800..<0xDC00).contains(code), index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                       let low = UInt32(String(decoding: bytes[index + 2..<index + 6], as: UTF8.self), radix: 16), (0xDC00..<0xE000).contains(low) {
                        scalar = Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
                        index += 6
                    }
                    out += Array(String(Character(scalar ?? "\u{FFFD}")).utf8)
                default:
                    index -= 2
                    throw error("unknown escape")
                }
                continue
            case 0..<0x20:
                throw error(byte == 0x0A ? "a string is not closed on its line" : "control character in a string")
            default:
                out.append(byte)
            }
            index += 1
        }
        throw error("unexpected end of file: a string is not closed")
    }
}


/// The metadata keys of the strata layout.
public enum MetadataKey: String, Sendable, CaseIterable {
    case name, description, timestamp, rollbackSafe, performanceImpact, dependencies
    /// Optional: `@transaction: false` makes the applier run the file without a transaction
    /// (needed for `CREATE INDEX CONCURRENTLY`).
    case transaction

    /// Keys every file must carry.
    public static let required: [MetadataKey] = [.name, .description, .timestamp, .rollbackSafe,
                                                 .performanceImpact, .dependencies]
}

public enum PerformanceImpact: String, Sendable, CaseIterable {
    case low, medium, high
}

/// Parsing of metadata values, shared by the rules that validate them and the code that uses them.
public enum MetadataValue {
    public static func parseBool(_ value: String) -> Bool? {
        switch value {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    public enum DependencyError: Error, Equatable {
        case notJSONArray
        case notString(index: Int)
    }

    /// A JSON array of strings: `[]`, `["0001_init", "0002_users"]` (RFC 8259 strings, escapes
    /// included). Read by hand: it runs for every file of a set, where Foundation's JSON reader
    /// cost more than lexing the file.
    public static func parseDependencies(_ value: String) throws(DependencyError) -> [String] {
        var parser = JSONStringArray(Array(value.utf8))
        return try parser.parse()
    }

    /// ISO-8601 date and time with a zone: `2024-01-01T00:00:00Z`, `2024-01-01T09:30:00.5+02:00`.
    /// Date-only and zone-less forms are refused: a migration's timestamp must be unambiguous.
    public static func isISO8601Timestamp(_ value: String) -> Bool {
        let s = Array(value.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= s.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                guard s[i] >= 48, s[i] <= 57 else { return nil }
                v = v * 10 + Int(s[i] - 48)
            }
            return v
        }
        func byte(_ at: Int) -> UInt8? { at < s.count ? s[at] : nil }
        guard let year = digits(0, 4), byte(4) == UInt8(ascii: "-"), let month = digits(5, 2),
              byte(7) == UInt8(ascii: "-"), let day = digits(8, 2),
              byte(10) == UInt8(ascii: "T") || byte(10) == UInt8(ascii: "t"),
              let hour = digits(11, 2), byte(13) == UInt8(ascii: ":"), let minute = digits(14, 2),
              byte(16) == UInt8(ascii: ":"), let second = digits(17, 2) else { return false }
        guard (1...12).contains(month), hour < 24, minute < 60, second < 61 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        var i = 19
        if byte(i) == UInt8(ascii: ".") {
            i += 1
            let start = i
            while let b = byte(i), b >= 48, b <= 57 { i += 1 }
            guard i > start else { return false }
        }
        switch byte(i) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return i + 1 == s.count
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let zh = digits(i + 1, 2), byte(i + 3) == UInt8(ascii: ":"), let zm = digits(i + 4, 2) else { return false }
            return zh < 24 && zm < 60 && i + 6 == s.count
        default:
            return false
        }
    }
}

/// A minimal reader for a JSON array whose elements must all be strings.
private struct JSONStringArray {
    let bytes: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func parse() throws(MetadataValue.DependencyError) -> [String] {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { throw .notJSONArray }
        i += 1
        var result: [String] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                skipSpace()
                guard i < bytes.count else { throw .notJSONArray }
                if bytes[i] == UInt8(ascii: "\"") {
                    result.append(try string())
                } else {
                    // Some other JSON value: say which element is wrong if the array is well formed.
                    guard skipValue() else { throw .notJSONArray }
                    try finish()
                    throw .notString(index: result.count)
                }
                skipSpace()
                guard i < bytes.count else { throw .notJSONArray }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; break }
                throw .notJSONArray
            }
        }
        skipSpace()
        guard i == bytes.count else { throw .notJSONArray }
        return result
    }

    /// After a non-string element: the rest must still be a well-formed array.
    mutating func finish() throws(MetadataValue.DependencyError) {
        while true {
            skipSpace()
            guard i < bytes.count else { throw .notJSONArray }
            if bytes[i] == UInt8(ascii: "]") { i += 1; break }
            guard bytes[i] == UInt8(ascii: ",") else { throw .notJSONArray }
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "\"") { _ = try string() } else if !skipValue() { throw .notJSONArray }
        }
        skipSpace()
        guard i == bytes.count else { throw .notJSONArray }
    }

    /// Numbers, true/false/null, nested arrays and objects (balanced, strings respected).
    mutating func skipValue() -> Bool {
        let start = i
        var depth = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                guard (try? string()) != nil else { return false }
                continue
            }
            if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { depth += 1 }
            if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
                if depth == 0 { break }
                depth -= 1
            }
            if b == UInt8(ascii: ","), depth == 0 { break }
            i += 1
        }
        return i > start && depth == 0
    }

    mutating func string() throws(MetadataValue.DependencyError) -> String {
        i += 1  // opening quote
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if b < 0x20 { throw .notJSONArray }
            if b == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { throw .notJSONArray }
                let e = bytes[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
                        throw .notJSONArray
                    }
                    i += 4
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
                default:
                    throw .notJSONArray
                }
                continue
            }
            out.append(b)
            i += 1
        }
        throw .notJSONArray
    }
}

import Foundation

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

    /// A JSON array of strings: `[]`, `["0001_init", "0002_users"]`.
    public static func parseDependencies(_ value: String) throws(DependencyError) -> [String] {
        guard value.hasPrefix("["), let data = value.data(using: .utf8),
              let parsed = try? JSONSerialization.jsonObject(with: data, options: []),
              let array = parsed as? [Any] else { throw .notJSONArray }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element as? String else { throw .notString(index: index) }
            result.append(string)
        }
        return result
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

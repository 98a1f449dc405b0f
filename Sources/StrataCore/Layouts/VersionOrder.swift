/// How other tools order their migrations when file names alone decide.
public enum VersionOrder {
    /// By the leading digits read as numbers of any length (`2_b` before `10_a`, the way goose,
    /// dbmate and golang-migrate parse versions), then by the id's bytes.
    public static func numericPrefixPrecedes(_ a: String, _ b: String) -> Bool {
        let x = MigrationFile.numericPrefix(of: a) ?? "", y = MigrationFile.numericPrefix(of: b) ?? ""
        let order = compareNumbers(Substring(x), Substring(y))
        if order != 0 { return order < 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Two runs of decimal digits compared as numbers (no overflow: versions such as
    /// `20200605111551000012` exceed 64 bits). An empty run is smaller than any number.
    public static func compareNumbers(_ a: Substring, _ b: Substring) -> Int {
        if a.isEmpty || b.isEmpty { return a.isEmpty == b.isEmpty ? 0 : (a.isEmpty ? -1 : 1) }
        let x = a.drop { $0 == "0" }, y = b.drop { $0 == "0" }
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        if x == y { return 0 }
        return x < y ? -1 : 1
    }

    /// Flyway's version order: parts split at `.` or `_`, compared as numbers part by part, a
    /// missing part counting as 0 (`1.10` after `1.9`, `1` equal to `1.0`).
    public static func compareFlywayVersions(_ a: Substring, _ b: Substring) -> Int {
        let x = a.split(whereSeparator: { $0 == "." || $0 == "_" }), y = b.split(whereSeparator: { $0 == "." || $0 == "_" })
        for i in 0..<max(x.count, y.count) {
            let order = compareNumbers(i < x.count ? x[i] : "0", i < y.count ? y[i] : "0")
            if order != 0 { return order }
        }
        return 0
    }
}

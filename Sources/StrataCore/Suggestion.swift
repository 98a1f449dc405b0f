/// "Did you mean ...?" for mistyped rule ids, keys and migration ids.
public enum Suggestion {
    /// The closest candidate, when it is close enough to be a typo of `name`.
    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        var best: (String, Int)? = nil
        for candidate in candidates {
            let d = editDistance(name.lowercased(), candidate.lowercased())
            if best == nil || d < best!.1 || (d == best!.1 && candidate < best!.0) { best = (candidate, d) }
        }
        guard let best, best.1 <= max(2, name.count / 4) else { return nil }
        return best.0
    }

    /// `"; did you mean 'x'?"` or an empty string.
    public static func hint(for name: String, in candidates: some Sequence<String>) -> String {
        closest(to: name, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Levenshtein distance over UTF-8 bytes.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

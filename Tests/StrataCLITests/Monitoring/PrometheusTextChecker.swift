import Foundation

/// A strict reader of Prometheus' text exposition format (0.0.4), for the tests: python3's
/// `prometheus_client` is not on the test machines, and what `strata metrics` writes must be
/// something node_exporter's textfile collector accepts, which is stricter than "looks right".
///
/// It refuses: text not ending in a newline; a `# HELP` or `# TYPE` naming an invalid metric
/// name, given twice, or coming after that family's samples; an unknown type; a sample whose
/// family has no `# TYPE` before it (each family here is typed) or whose samples are not
/// together; invalid metric or label names (`__` names are reserved); label values with an
/// escape other than `\\`, `\"`, `\n` or a raw `"`; a label given twice; a value Go's
/// ParseFloat would not read; a timestamp that is not a whole number; a negative counter;
/// two samples of the same series; and anything after the value and timestamp.
struct PrometheusTextChecker {
    struct Failure: Error, CustomStringConvertible, Equatable {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    /// A problem found in a line, before its number is known.
    private struct Problem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family: Equatable {
        var name: String
        var type: String
        var help: String?
        var samples: [Sample] = []
    }

    /// The families, in the order their TYPE lines came.
    private(set) var families: [Family] = []

    static let types: Set<String> = ["counter", "gauge", "histogram", "summary", "untyped"]

    init(_ text: String) throws {
        guard !text.isEmpty else { return }
        guard text.hasSuffix("\n") else { throw Failure(line: text.split(separator: "\n", omittingEmptySubsequences: false).count, message: "the text does not end with a newline") }
        var helps: [String: String] = [:]
        var index: [String: Int] = [:]
        var sampled: Set<String> = []        // families whose samples have started
        var current: String? = nil           // the family of the last sample
        var series: Set<String> = []
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            let line = String(raw)
            func fail(_ message: String) -> Failure { Failure(line: number, message: message) }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.dropFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
                guard parts.count >= 2, parts[0] == "HELP" || parts[0] == "TYPE" else { continue }  // a plain comment
                let name = parts[1]
                guard Self.isMetricName(name) else { throw fail("invalid metric name \(name)") }
                if sampled.contains(name) { throw fail("\(parts[0]) of \(name) after its samples") }
                if parts[0] == "HELP" {
                    guard helps[name] == nil else { throw fail("second HELP for \(name)") }
                    do { helps[name] = try Self.unescape(parts.count > 2 ? parts[2] : "", allowQuote: false) } catch { throw fail(error.message) }
                    if let i = index[name] { families[i].help = helps[name] }
                } else {
                    guard index[name] == nil else { throw fail("second TYPE for \(name)") }
                    guard parts.count == 3, Self.types.contains(parts[2]) else { throw fail("unknown type for \(name): \(parts.count > 2 ? parts[2] : "none")") }
                    index[name] = families.count
                    families.append(Family(name: name, type: parts[2], help: helps[name]))
                }
                continue
            }
            let sample: Sample
            do { sample = try Self.sample(line) } catch { throw fail(error.message) }
            let family = Self.family(of: sample.name, typed: index)
            guard let family, let i = index[family] else { throw fail("sample of \(sample.name) before any TYPE line for it") }
            if current != family, sampled.contains(family) { throw fail("samples of \(family) are not together") }
            current = family
            sampled.insert(family)
            let type = families[i].type
            if type == "counter" || type == "gauge" || type == "untyped", sample.name != family {
                throw fail("sample \(sample.name) in \(type) family \(family)")
            }
            if type == "counter", !(sample.value >= 0) { throw fail("counter \(family) is \(sample.value)") }
            let pairs: [String] = sample.labels.keys.sorted().map { key in key + "=" + (sample.labels[key] ?? "") }
            let key = sample.name + "{" + pairs.joined(separator: "\u{1}") + "}"
            guard series.insert(key).inserted else { throw fail("series \(key) given twice") }
            families[i].samples.append(sample)
        }
    }

    /// The one sample of `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matches = families.flatMap(\.samples).filter { sample in
            sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value }
        }
        return matches.count == 1 ? matches[0].value : nil
    }

    func family(_ name: String) -> Family? { families.first { $0.name == name } }

    // MARK: - Pieces

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isLetter(first) || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isLetter(first) || first == "_", !name.hasPrefix("__") else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || $0 == "_" }
    }

    private static func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
    private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    /// The family a sample belongs to: its own name, or for histograms and summaries the name
    /// without `_bucket`, `_sum` or `_count`.
    private static func family(of name: String, typed: [String: Int]) -> String? {
        if typed[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if typed[base] != nil { return base }
        }
        return nil
    }

    /// `\\` and `\n` (and `\"` in label values); any other backslash is an error, as is a raw
    /// `"` in a label value (the caller stops at the closing one).
    private static func unescape(_ text: String, allowQuote: Bool) throws(Problem) -> String {
        var out = ""
        var escaping = false
        for c in text {
            if escaping {
                switch c {
                case "\\": out.append("\\")
                case "n": out.append("\n")
                case "\"" where allowQuote: out.append("\"")
                default: throw Problem("invalid escape \\\(c)")
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        if escaping { throw Problem("a backslash ends the text") }
        return out
    }

    /// `name{label="value",...} value [timestamp]`.
    private static func sample(_ line: String) throws(Problem) -> Sample {
        let chars = Array(line)
        var i = 0
        while i < chars.count, chars[i] != "{", chars[i] != " " { i += 1 }
        let name = String(chars[0..<i])
        guard isMetricName(name) else { throw Problem("invalid metric name \(name)") }
        var labels: [String: String] = [:]
        if i < chars.count, chars[i] == "{" {
            i += 1
            while true {
                if i < chars.count, chars[i] == "}" { i += 1; break }
                var j = i
                while j < chars.count, chars[j] != "=" { j += 1 }
                let label = String(chars[i..<j])
                guard isLabelName(label) else { throw Problem("invalid label name \(label)") }
                guard j + 1 < chars.count, chars[j + 1] == "\"" else { throw Problem("label \(label) has no quoted value") }
                var k = j + 2
                var raw = ""
                while k < chars.count, chars[k] != "\"" {
                    if chars[k] == "\\", k + 1 < chars.count { raw.append(chars[k]); k += 1 }
                    raw.append(chars[k])
                    k += 1
                }
                guard k < chars.count else { throw Problem("label value of \(label) is not closed") }
                let value: String
                do { value = try unescape(raw, allowQuote: true) } catch { throw Problem("label \(label): \(error.message)") }
                guard labels[label] == nil else { throw Problem("label \(label) given twice") }
                labels[label] = value
                i = k + 1
                if i < chars.count, chars[i] == "," { i += 1; continue }
                guard i < chars.count, chars[i] == "}" else { throw Problem("expected , or } after label \(label)") }
            }
        }
        guard i < chars.count, chars[i] == " " else { throw Problem("no value") }
        let rest = String(chars[(i + 1)...]).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(rest.count), let value = goFloat(rest[0]) else { throw Problem("invalid value in \(line)") }
        if rest.count == 2, Int64(rest[1]) == nil { throw Problem("invalid timestamp \(rest[1])") }
        return Sample(name: name, labels: labels, value: value)
    }

    /// What Go's strconv.ParseFloat reads as the exposition format uses it: decimal numbers
    /// with an optional exponent, `NaN`, `+Inf`, `-Inf` (and `Inf`).
    static func goFloat(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: break
        }
        guard text.range(of: #"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"#, options: .regularExpression) != nil else { return nil }
        return Double(text)
    }
}

/// Where a rule's documentation page is: the one place that turns a rule id into the address
/// SARIF's `helpUri` and the Markdown report's rule links point at.
///
/// A template with placeholders: `{rule}`, the rule's id (required), and `{version}`, Strata's
/// version (`0.1.0`). `strata.yml`'s `rule_docs_url` sets it, and the environment variable
/// `STRATA_RULE_DOCS_URL` over that (the GitHub Action sets it); else `defaultTemplate`.
///
/// ```yaml
/// rule_docs_url: https://wiki.example.com/strata/{rule}
/// ```
public struct RuleDocsURL: Sendable, Equatable {
    /// The rule pages in the canonical repository (`docs/rules/<id>.md`, written by
    /// `strata rules --write-docs docs/rules`), at the tag of the running version, so that the
    /// page describes the rules of the binary that links to it.
    ///
    /// TO CONFIRM AT FIRST PUBLICATION: `strata-migrations/strata` is the repository's intended
    /// public address, and `v<version>` its release tags; change them here (and only here) if
    /// the project is published elsewhere.
    public static let defaultTemplate = "https://github.com/strata-migrations/strata/blob/v{version}/docs/rules/{rule}.md"

    /// The environment variable that overrides the configuration file.
    public static let environmentVariable = "STRATA_RULE_DOCS_URL"

    /// The key in `strata.yml`.
    public static let configurationKey = "rule_docs_url"

    /// The default template.
    public static let standard = RuleDocsURL(checked: defaultTemplate)

    /// The template, as given.
    public let template: String

    /// A template, checked: an `http://` or `https://` URL holding `{rule}`, no placeholder
    /// but `{rule}` and `{version}`, and only characters a URL may hold (a space or a `|` must
    /// be percent-encoded), so the address is valid wherever it is written.
    public init(template: String) throws(Invalid) {
        if let problem = Self.problem(in: template) { throw Invalid(template: template, problem: problem) }
        self.template = template
    }

    private init(checked template: String) {
        self.template = template
    }

    /// The page of `rule` for Strata `version`. What replaces a placeholder is percent-encoded
    /// where a URL needs it (rule ids and versions never do).
    public func url(rule: String, version: String) -> String {
        var out = ""
        var rest = Substring(template)
        while let brace = rest.firstIndex(of: "{") {
            out += rest[..<brace]
            rest = rest[brace...]
            if rest.hasPrefix("{rule}") {
                out += Self.percentEncoded(rule)
                rest = rest.dropFirst("{rule}".count)
            } else if rest.hasPrefix("{version}") {
                out += Self.percentEncoded(version)
                rest = rest.dropFirst("{version}".count)
            } else {
                out += "{"   // not reached: a checked template has no other brace
                rest = rest.dropFirst()
            }
        }
        return out + rest
    }

    /// The template in effect: `STRATA_RULE_DOCS_URL` when set and not empty (an empty one reads
    /// as unset, as a CI variable left blank is), else the configuration file's, else the default.
    /// Throws when the environment's is not a valid template.
    public static func resolve(environment: [String: String], configured: RuleDocsURL?) throws(Invalid) -> RuleDocsURL {
        if let value = environment[environmentVariable], !value.isEmpty { return try RuleDocsURL(template: value) }
        return configured ?? standard
    }

    /// A template that cannot be used, and why.
    public struct Invalid: Error, Sendable, Equatable {
        public var template: String
        /// What is wrong, e.g. `must contain {rule}, where the rule's id goes`.
        public var problem: String

        public init(template: String, problem: String) {
            self.template = template
            self.problem = problem
        }
    }

    // MARK: - Checking

    static let placeholders = ["{rule}", "{version}"]

    /// Characters a URL may hold as they are (RFC 3986: unreserved, reserved and `%`), besides
    /// letters and digits.
    private static let urlPunctuation = Set("-._~:/?#[]@!$&'()*+,;=%".unicodeScalars)

    static func problem(in template: String) -> String? {
        let example = "e.g. https://docs.example.com/rules/{rule}"
        if template.isEmpty { return "must be a URL with {rule} where the rule's id goes, \(example)" }
        let lowered = template.lowercased()
        guard let scheme = ["https://", "http://"].first(where: lowered.hasPrefix) else {
            return "must start with https:// or http://, \(example)"
        }
        if template.dropFirst(scheme.count).first.map({ $0 == "/" || $0 == "{" }) ?? true {
            return "must name a host after \(scheme), \(example)"
        }
        let scalars = Array(template.unicodeScalars)
        var hasRule = false
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            switch scalar {
            case "{":
                guard let close = scalars[i...].firstIndex(of: "}") else { return "has a '{' without its '}'" }
                let placeholder = String(String.UnicodeScalarView(scalars[i...close]))
                guard placeholders.contains(placeholder) else {
                    return "has an unknown placeholder '\(placeholder)'; known placeholders: \(placeholders.joined(separator: ", "))"
                }
                hasRule = hasRule || placeholder == "{rule}"
                i = close + 1
                continue
            case "}":
                return "has a '}' without its '{'"
            case "%":
                guard i + 2 < scalars.count, scalars[i + 1].properties.isASCIIHexDigit, scalars[i + 2].properties.isASCIIHexDigit else {
                    return "has a '%' not followed by two hex digits (write %25 for a percent sign)"
                }
            default:
                guard isURLCharacter(scalar) else {
                    let name = scalar == " " ? "a space" : (0x21..<0x7F).contains(scalar.value) ? "'\(scalar)'"
                        : "U+" + String(scalar.value, radix: 16, uppercase: true)
                    return "holds \(name), which a URL cannot: percent-encode it (%20 for a space)"
                }
            }
            i += 1
        }
        if !hasRule { return "must contain {rule}, where the rule's id goes, \(example)" }
        return nil
    }

    private static func isURLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || urlPunctuation.contains(scalar)
    }

    /// `text` with every byte but letters, digits and `-._~` percent-encoded.
    private static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}

import ArgumentParser
import Foundation

/// `--format` of the commands that print either a report for people or a JSON document.
enum TextOrJSON: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `--format text|json`, and `--json`, its older spelling: hidden from the help, kept so that
/// the scripts written before `--format` keep working.
struct FormatOptions: ParsableArguments {
    @Option(name: .long, help: "Output format; text by default.")
    var format: TextOrJSON?

    @Flag(name: .long, help: ArgumentHelp("The same as --format json.", visibility: .hidden))
    var json = false

    func validate() throws {
        if json, format == .text { throw ValidationError("--json and --format text exclude each other") }
    }

    /// Whether the command prints JSON.
    var isJSON: Bool { json || format == .json }
}

/// Every JSON document a command prints: keys in snake_case, `"version"` (this number) at the
/// top, keys sorted, indented, slashes not escaped. `version` is raised only when a
/// key changes meaning or goes away; new keys may come in any release.
enum JSONDocument {
    static let version = 1

    /// The document's text, with `version` set, and a trailing newline.
    static func text(_ object: [String: Any]) throws -> String {
        var object = object
        object["version"] = version
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func print(_ object: [String: Any]) throws {
        Swift.print(try text(object), terminator: "")
    }
}

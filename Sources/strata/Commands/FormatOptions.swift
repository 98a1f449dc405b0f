import ArgumentParser
import Foundation
import StrataCore

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

/// Every JSON document a command prints: `StrataJSON.document` (keys in snake_case, sorted,
/// `"version"` at the top level, indented, slashes not escaped).
enum JSONDocument {
    static func print(_ body: some Encodable) throws {
        Swift.print(try StrataJSON.document(body), terminator: "")
    }
}

import ArgumentParser
import Foundation
@testable import strata
import Testing

/// `main` reads its command line through `Strata.parseCommandLine`, which does more than hand it
/// to ArgumentParser (lint's paths are taken out first). Whatever it does, every argument of every
/// command, as the parser itself describes them, must come out of it exactly as `parseAsRoot`
/// reads the same command line: the same command down to the last stored property, or the same
/// error message and exit code. The commands and their arguments are read from the parser's
/// description (`--experimental-dump-help`), so an option added anywhere is tried here without
/// touching this file.
@Suite("the command line as main reads it, argument by argument")
struct CommandLineParsingTests {
    /// The parts of ArgumentParser's ToolInfoV0 (the JSON of `--experimental-dump-help`) read here.
    struct Description: Decodable, Sendable {
        struct Command: Decodable, Sendable {
            var commandName: String
            var subcommands: [Command]?
            var arguments: [Argument]?
        }

        struct Argument: Decodable, Sendable {
            struct Name: Decodable, Sendable {
                var kind: String
                var name: String
            }

            var kind: String
            var names: [Name]?
            var isOptional: Bool
            var isRepeating: Bool
            var allValues: [String]?

            /// How a user types it: `--long`, `-s`.
            var spellings: [String] {
                (names ?? []).map { $0.kind == "long" ? "--\($0.name)" : "-\($0.name)" }
            }
        }

        var command: Command
    }

    /// A command as the description names it (`["backup", "create"]`) with its arguments.
    struct DescribedCommand: CustomStringConvertible, Sendable {
        var path: [String]
        var arguments: [Description.Argument]
        var description: String { (["strata"] + path).joined(separator: " ") }
    }

    static let described: [DescribedCommand] = {
        let json = Data(Strata._dumpHelp().utf8)
        guard let root = try? JSONDecoder().decode(Description.self, from: json).command else { return [] }
        var commands: [DescribedCommand] = []
        func walk(_ command: Description.Command, _ path: [String]) {
            commands.append(DescribedCommand(path: path, arguments: command.arguments ?? []))
            for subcommand in command.subcommands ?? [] { walk(subcommand, path + [subcommand.commandName]) }
        }
        walk(root, [])
        return commands
    }()

    /// What a command line gives: the command (its type and every stored property, wrappers
    /// included, as `dump` writes them), or the error.
    enum Outcome: Equatable, CustomStringConvertible {
        case command(String)
        case error(any Error)

        init(_ parse: () throws -> ParsableCommand) {
            do {
                var text = ""
                dump(try parse(), to: &text)
                self = .command(text)
            } catch {
                self = .error(error)
            }
        }

        var accepted: Bool { if case .command = self { true } else { false } }

        /// Errors are alike when they are the same value, else when `main` would end alike: the
        /// same exit code and message (the parser's errors say where in the command line they
        /// are, and `lint` reads its paths out first). The message is only made when needed: in
        /// a debug build it costs as much as a parse.
        static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            switch (lhs, rhs) {
            case (.command(let a), .command(let b)): a == b
            case (.error(let a), .error(let b)):
                String(reflecting: a) == String(reflecting: b)
                    || (Strata.exitCode(for: a) == Strata.exitCode(for: b) && Strata.fullMessage(for: a) == Strata.fullMessage(for: b))
            default: false
            }
        }

        var description: String {
            switch self {
            case .command(let text): text
            case .error(let error): "exit \(Strata.exitCode(for: error).rawValue): \(Strata.fullMessage(for: error))"
            }
        }
    }

    /// The command line read by ArgumentParser alone. `main` rewrites a bare `--wait` to
    /// `--wait=60` before anything else reads it (the parser wants a value); that rewrite is
    /// part of the command line's meaning, so the reference reads it too.
    static func reference(_ commandLine: [String]) -> Outcome {
        Outcome { try Strata.parseAsRoot(DatabaseOptions.expandBareWait(commandLine)) }
    }

    static func asMainReadsIt(_ commandLine: [String]) -> Outcome {
        Outcome { try Strata.parseCommandLine(commandLine) }
    }

    /// Two values tried for every option and positional argument: one the parser accepts (the
    /// first it lists, else a number, which string, count and seconds options take), and a word,
    /// which only a string takes. (In a debug build every parse checks the whole command's
    /// definition, tens of milliseconds: the command lines are chosen, not every combination.)
    static func values(for argument: Description.Argument) -> [String] {
        [argument.allValues?.first ?? "1", "x"]
    }

    /// Path-like arguments put before and after the others: twice as many are enough for `lint`
    /// to take them out before parsing (`LintPaths`).
    static let manyPaths = (0..<17).map { "m/\($0).sql" }

    /// Arguments the parser needs beside the one tried, where `values(for:)` is not enough: a
    /// validation wants a known rule id, one of two flags, or another flag. Keyed by a command
    /// (all its command lines) or by a command and one spelling (that argument's lines).
    static let companions: [String: [String]] = [
        "explain": ["drop-table"],
        "repair": ["0001_a", "--retry"],
        "repair --applied": ["0001_a"],
        "repair --retry": ["0001_a"],
        "optimize --fail-on-findings": ["--analyze"],
    ]

    /// The arguments every command line of `command` carries so that it can parse at all: its
    /// companions, else a value for each argument it cannot do without. Nil when none works.
    static func required(_ command: DescribedCommand) -> [String]? {
        if let companions = companions[command.path.joined(separator: " ")] { return companions }
        let needed = command.arguments.filter { !$0.isOptional && $0.kind != "flag" }
        guard !needed.isEmpty else { return [] }
        for value in values(for: needed[0]) {
            let base = needed.flatMap { argument in
                argument.kind == "positional" ? [value] : [argument.spellings[0], value]
            }
            if reference(command.path + base).accepted { return base }
        }
        return nil
    }

    /// The command lines of `command`: with its required arguments only, with an option it does
    /// not have, with many paths, and for each argument: an option with either value, without one and as `--name=value`; a flag;
    /// a positional argument with either value and after `--`. Where the command takes any number
    /// of paths (`lint`, `check`, `verify`), each option and flag also among many paths.
    static func commandLines(_ command: DescribedCommand, required: [String]) -> [[String]] {
        let takesPaths = command.arguments.contains { $0.kind == "positional" && $0.isRepeating }
        var lines = [command.path + required, command.path + required + ["--no-such-option"]]
        if takesPaths {
            lines += [command.path + manyPaths + required + manyPaths, command.path + required + manyPaths + ["--"] + manyPaths,
                      command.path + manyPaths + ["--no-such-option"] + required + manyPaths]
        }
        for argument in command.arguments {
            let values = values(for: argument)
            let key = ([command.path.joined(separator: " ")] + argument.spellings.prefix(1)).joined(separator: " ")
            let required = companions[key] ?? required
            var uses: [[String]] = []
            switch argument.kind {
            case "flag":
                uses = argument.spellings.map { [$0] }
            case "option":
                for option in argument.spellings {
                    uses += [[option, values[0]], [option, values[1]], [option], ["\(option)=\(values[0])"]]
                }
            default:
                uses = [[values[0]], [values[1]]] + (takesPaths ? [["--", "-odd.sql"]] : [])
            }
            for use in uses {
                lines.append(command.path + use + required)
                if takesPaths, argument.kind != "positional", use.count > 1 || argument.kind == "flag" {
                    lines.append(command.path + manyPaths + use + required + manyPaths)
                }
            }
            if takesPaths, argument.kind == "option", let option = argument.spellings.first {
                lines.append(command.path + required + manyPaths + [option])
            }
        }
        return lines
    }

    @Test func theDescriptionHoldsEveryCommand() throws {
        func paths(_ type: ParsableCommand.Type, _ path: [String]) -> [[String]] {
            [path] + type.configuration.subcommands.flatMap { sub in
                paths(sub, path + [sub.configuration.commandName ?? "\(sub)"])
            }
        }
        let declared = paths(Strata.self, [])
        // The parser adds `help` (`strata help lint`), read through main like any other.
        let described = Self.described.map(\.path).filter { $0 != ["help"] }
        #expect(declared.map { $0.joined(separator: " ") }.sorted() == described.map { $0.joined(separator: " ") }.sorted())
        #expect(Self.described.count > 20)
        #expect(Self.described.flatMap(\.arguments).count > 100)
    }

    /// `LintPaths` knows `lint`'s options by name: exactly the ones the parser describes, each
    /// taking a value or not as the parser says (an option it does not know leaves the whole
    /// command line to the parser, read alike but slowly).
    @Test func lintPathsKnowsEveryOptionOfLint() throws {
        let lint = try #require(Self.described.first { $0.path == ["lint"] })
        let named = lint.arguments.filter { argument in
            argument.kind != "positional" && !argument.spellings.contains { ["--help", "--version"].contains($0) }
        }
        #expect(Set(named.filter { $0.kind == "option" }.flatMap(\.spellings)) == LintPaths.valueOptions)
        #expect(Set(named.filter { $0.kind == "flag" }.flatMap(\.spellings)) == LintPaths.flags)
    }

    @Test(arguments: described)
    func everyArgumentReadsAsTheParserReadsIt(_ command: DescribedCommand) throws {
        let required = try #require(Self.required(command), "no value tried parses the required arguments of \(command)")
        var accepted: Set<String> = []
        for line in Self.commandLines(command, required: required) {
            let expected = Self.reference(line)
            if expected.accepted { accepted.formUnion(line) }
            let read = Self.asMainReadsIt(line)
            #expect(read == expected, "\(line.joined(separator: " "))\nmain read:\n\(read)\nthe parser read:\n\(expected)")
        }
        // Each option and flag is in at least one command line the parser accepts (`--help` and
        // `--version` end every command line they are in).
        for argument in command.arguments where argument.kind != "positional" {
            let ends = argument.spellings.contains { ["--help", "-h", "--version"].contains($0) }
            #expect(ends || argument.spellings.contains(where: accepted.contains),
                    "\(command) \(argument.spellings): no command line tried was accepted; give values(for:) a value it takes")
        }
    }
}

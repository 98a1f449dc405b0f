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
/// touching this file: given with a value, among the others (`everyArgumentGiven`), given a value
/// it may refuse, and where a command takes paths, among many of them (`otherCommandLines`).
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

    /// ArgumentParser's `parseAsRoot`, reading each argument list once: a parse is a function of
    /// its arguments, and in a debug build it costs tens of milliseconds (every parse checks the
    /// whole command's definition). One per test case, not shared between threads.
    final class Parser {
        private var read: [[String]: Result<ParsableCommand, any Error>] = [:]

        func parse(_ arguments: [String]) throws -> ParsableCommand {
            if let known = read[arguments] { return try known.get() }
            let result = Result { try Strata.parseAsRoot(arguments) }
            read[arguments] = result
            return try result.get()
        }

        /// The command line read by ArgumentParser alone. `main` rewrites a bare `--wait` to
        /// `--wait=60` before anything else reads it (the parser wants a value); that rewrite is
        /// part of the command line's meaning, so the reference reads it too.
        func reference(_ commandLine: [String]) -> Outcome {
            Outcome { try self.parse(DatabaseOptions.expandBareWait(commandLine)) }
        }

        /// The command line read as `main` reads it, whatever parser calls it makes going
        /// through this one.
        func asMainReadsIt(_ commandLine: [String]) -> Outcome {
            Outcome { try Strata.parseCommandLine(commandLine, parser: self.parse) }
        }
    }

    /// The value tried for an option or a positional argument: the first the parser lists for
    /// it, else a number, which string, count and seconds options all take.
    static func value(for argument: Description.Argument) -> String {
        argument.allValues?.first ?? "1"
    }

    /// `--help`, `-h` and `--version`, which end any command line they are in.
    static func endsTheCommandLine(_ argument: Description.Argument) -> Bool {
        argument.spellings.contains { ["--help", "-h", "--version"].contains($0) }
    }

    /// Path-like arguments put before and after the others: twice as many are enough for `lint`
    /// to take them out before parsing (`LintPaths`).
    static let manyPaths = (0..<17).map { "m/\($0).sql" }

    /// Arguments the parser needs beside the one tried, where `value(for:)` is not enough: a
    /// validation wants a known rule id, one of two flags, or another flag. Keyed by a command
    /// (all its command lines) or by a command and a spelling (that argument's own line).
    static let companions: [String: [String]] = [
        "explain": ["drop-table"],
        "repair": ["0001_a", "--retry"],
        "repair --applied": ["0001_a"],
        "repair --retry": ["0001_a"],
        "optimize --fail-on-findings": ["--analyze"],
        "trace --allow-nonempty": ["--database", "postgresql://localhost/scratch"],
        "trace --keep": ["--database", "postgresql://localhost/scratch"],
        "check --trace-database": ["--trace"],
    ]

    static func key(_ command: DescribedCommand, _ argument: Description.Argument) -> String {
        ([command.path.joined(separator: " ")] + argument.spellings.prefix(1)).joined(separator: " ")
    }

    /// The arguments every command line of `command` carries so that it can parse at all: its
    /// companions, else a value for each argument it cannot do without. Nil when that fails.
    static func required(_ command: DescribedCommand, _ parser: Parser) -> [String]? {
        if let companions = companions[command.path.joined(separator: " ")] { return companions }
        let base = command.arguments.filter { !$0.isOptional && $0.kind != "flag" }.flatMap { argument in
            argument.kind == "positional" ? [value(for: argument)] : [argument.spellings[0], value(for: argument)]
        }
        return parser.reference(command.path + base).accepted ? base : nil
    }

    /// A command line and the parser's reading of it.
    typealias Read = (line: [String], outcome: Outcome)

    /// Command lines that give every option of `command` a value, every flag and a value for
    /// every positional argument, as many in one line as the parser takes: a line the parser
    /// refuses (two flags that exclude each other) is split in halves until it takes each half,
    /// or holds one argument. (A line per argument would take several times as long: in a debug
    /// build a parse costs tens of milliseconds.)
    static func everyArgumentGiven(_ command: DescribedCommand, required: [String], around paths: [String] = [],
                                   _ parser: Parser) -> [Read] {
        var alone: [[String]] = []
        var uses: [[String]] = []
        for argument in command.arguments where !endsTheCommandLine(argument) {
            let use = argument.kind == "flag" ? [argument.spellings[0]]
                : argument.kind == "option" ? [argument.spellings[0], value(for: argument)] : [value(for: argument)]
            if let companions = companions[key(command, argument)] { alone.append(use + companions) } else { uses.append(use) }
        }
        func read(_ arguments: [String]) -> Read {
            let line = command.path + paths + arguments + paths
            return (line, parser.reference(line))
        }
        func pack(_ uses: ArraySlice<[String]>) -> [Read] {
            let packed = read(uses.joined() + required)
            guard !packed.outcome.accepted, uses.count > 1 else { return [packed] }
            let middle = uses.startIndex + uses.count / 2
            return pack(uses[..<middle]) + pack(uses[middle...])
        }
        return pack(uses[...]) + alone.map(read)
    }

    /// The other command lines of `command`: its required arguments alone, an option it does not
    /// have, `--help` (and on `strata` itself `-h` and `--version`), and each option with a word
    /// for its value (which a string takes and an enumeration or a number refuses). Where the
    /// command takes any number of paths (`lint`, `check`, `verify`), also these among many
    /// paths, each option as `--name=value` among them, and each without its value at the end.
    static func otherCommandLines(_ command: DescribedCommand, required: [String]) -> [[String]] {
        let endings = command.path.isEmpty ? ["--help", "-h", "--version"] : ["--help"]
        let options = command.arguments.filter { $0.kind == "option" }
        let uses = [[], ["--no-such-option"]] + endings.map { [$0] } + options.flatMap { option in option.spellings.map { [$0, "x"] } }
        var lines = uses.map { command.path + $0 + required }
        if command.arguments.contains(where: { $0.kind == "positional" && $0.isRepeating }) {
            let equals = options.flatMap { option in option.spellings.map { ["\($0)=\(value(for: option))"] } }
            lines += (uses + equals).map { command.path + manyPaths + $0 + required + manyPaths }
            lines += options.map { command.path + required + manyPaths + [$0.spellings[0]] }
            lines += [command.path + required + manyPaths + ["--"] + manyPaths, command.path + required + ["--", "-odd.sql"]]
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
        let parser = Parser()
        let required = try #require(Self.required(command, parser), "no value tried parses the required arguments of \(command)")
        let takesPaths = command.arguments.contains { $0.kind == "positional" && $0.isRepeating }
        let given = Self.everyArgumentGiven(command, required: required, parser)
            + (takesPaths ? Self.everyArgumentGiven(command, required: required, around: Self.manyPaths, parser) : [])
        let reads = given + Self.otherCommandLines(command, required: required).map { ($0, parser.reference($0)) }
        for (line, expected) in reads {
            let read = parser.asMainReadsIt(line)
            #expect(read == expected, "\(line.joined(separator: " "))\nmain read:\n\(read)\nthe parser read:\n\(expected)")
        }
        // Each option and flag is in at least one command line the parser accepts.
        let accepted = Set(given.filter { $0.outcome.accepted }.flatMap(\.line))
        for argument in command.arguments where argument.kind != "positional" && !Self.endsTheCommandLine(argument) {
            #expect(accepted.contains(argument.spellings[0]),
                    "\(command) \(argument.spellings): no command line tried was accepted; give it companions or value(for:) a value it takes")
        }
    }
}

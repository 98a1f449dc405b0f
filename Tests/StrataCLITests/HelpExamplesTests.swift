import ArgumentParser
@testable import strata
import Testing

/// Every command's help, and every subcommand's, ends with examples, and each example is a
/// command line that parses as that command or one of its subcommands (so that a renamed
/// option or command cannot leave an example behind).
@Suite("Help examples")
struct HelpExamplesTests {
    /// Every command in the tree, with the words that name it (`["backup", "list"]`).
    static func commands(_ command: ParsableCommand.Type = Strata.self, path: [String] = []) -> [(ParsableCommand.Type, [String])] {
        [(command, path)] + command.configuration.subcommands.flatMap { commands($0, path: path + [$0.configuration.commandName ?? ""]) }
    }

    /// The example lines of a discussion's last paragraph, which must start `Examples:`; nil
    /// when it does not.
    static func examples(_ discussion: String) -> [String]? {
        guard let last = discussion.components(separatedBy: "\n\n").last else { return nil }
        let lines = last.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == "Examples:", lines.count > 1, lines.dropFirst().allSatisfy({ $0.hasPrefix("  strata ") }) else { return nil }
        return lines.dropFirst().map { String($0.dropFirst(2)) }
    }

    /// A command line's words, as a shell splits them (double quotes only).
    static func words(_ line: String) -> [String] {
        var words: [String] = [], current = "", quoted = false, started = false
        for character in line {
            if character == "\"" { quoted.toggle(); started = true
            } else if character == " ", !quoted {
                if started { words.append(current) }
                current = ""; started = false
            } else { current.append(character); started = true }
        }
        if started { words.append(current) }
        return words
    }

    @Test func everyCommandsHelpEndsWithExamplesThatParse() throws {
        let all = Self.commands()
        #expect(all.count >= 25)
        for (command, path) in all {
            let name = (["strata"] + path).joined(separator: " ")
            guard let examples = Self.examples(command.configuration.discussion) else {
                Issue.record("\(name): its help does not end with an Examples: section")
                continue
            }
            for example in examples {
                let words = Self.words(example)
                #expect(words.first == "strata", "\(name): \(example)")
                if !path.isEmpty {
                    #expect(Array(words.dropFirst().prefix(path.count)) == path, "\(name): the example runs another command: \(example)")
                }
                do {
                    let parsed = try Strata.parseAsRoot(Array(words.dropFirst()))
                    // The command itself, or one of its subcommands (`backup create` under `backup`).
                    let runs = Set(Self.commands(command).map { ObjectIdentifier($0.0) })
                    #expect(runs.contains(ObjectIdentifier(type(of: parsed))), "\(name): \(example) parses as \(type(of: parsed))")
                } catch {
                    Issue.record("\(name): \(example) does not parse: \(Strata.message(for: error))")
                }
            }
        }
    }

    @Test func theCheckerRefusesHelpWithoutExamples() {
        #expect(Self.examples("Does things.") == nil)
        #expect(Self.examples("Does things.\n\nExamples:\n  strata up\n\nMore prose.") == nil)
        #expect(Self.examples("Examples:\n  up") == nil)
        #expect(Self.examples("Does things.\n\nExamples:\n  strata up\n  strata up --dry-run") == ["strata up", "strata up --dry-run"])
        #expect(Self.words("strata new \"add user avatars\" --dir db") == ["strata", "new", "add user avatars", "--dir", "db"])
    }
}

import ArgumentParser
import Foundation
import StrataCore

/// `strata command-docs docs/commands` (hidden; `make docs` runs it): rewrites the generated
/// blocks of the command pages (`CommandPages`) from each command's `--help`.
struct CommandDocs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "command-docs",
        abstract: "Rewrite the generated --help blocks and the index of the command pages in FOLDER.",
        discussion: """
        Prose outside the markers is left alone; a command without a page gets one. Exit 1 with --check when a page would change.

        Examples:
          strata command-docs docs/commands
          strata command-docs docs/commands --check
        """,
        shouldDisplay: false)

    /// The width the help in the pages is wrapped at, whatever terminal runs this.
    static let columns = 100

    @Argument(help: ArgumentHelp("The folder of the command pages, e.g. docs/commands.", valueName: "FOLDER"))
    var folder: String

    @Flag(name: .long, help: "Write nothing; exit 1 when a page is stale, missing or has no command.")
    var check = false

    /// Every visible command and subcommand, in the order `strata --help` lists them.
    static func commands() -> [CommandPages.Command] {
        func walk(_ types: [ParsableCommand.Type], prefix: [String]) -> [CommandPages.Command] {
            types.filter { $0.configuration.shouldDisplay }.flatMap { type -> [CommandPages.Command] in
                let path = prefix + [type._commandName]
                let command = CommandPages.Command(path: path, abstract: type.configuration.abstract,
                                                   help: Strata.helpMessage(for: type, includeHidden: false, columns: columns))
                return [command] + walk(type.configuration.subcommands, prefix: path)
            }
        }
        return walk(Strata.configuration.subcommands, prefix: [])
    }

    /// The pages in `folder`, by file name.
    static func existingPages(in folder: String) -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var pages: [String: String] = [:]
        for name in names where name.hasSuffix(".md") {
            pages[name] = try? String(contentsOfFile: (folder as NSString).appendingPathComponent(name), encoding: .utf8)
        }
        return pages
    }

    func run() throws {
        let commands = Self.commands()
        let existing = Self.existingPages(in: folder)
        let pages: [(name: String, text: String)]
        do {
            pages = try CommandPages.pages(commands, existing: existing)
        } catch {
            throw CommandFailure("\((folder as NSString).appendingPathComponent(error.page)):\(error.line): \(error.message)")
        }
        let orphans = CommandPages.orphans(commands, existing: existing.keys)
        let changed = pages.filter { existing[$0.name] != $0.text }
        if check {
            for page in changed { print("\((folder as NSString).appendingPathComponent(page.name)): \(existing[page.name] == nil ? "missing" : "stale")") }
            for name in orphans { print("\((folder as NSString).appendingPathComponent(name)): no such command") }
            if !changed.isEmpty || !orphans.isEmpty { throw ExitCode(1) }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure("cannot create \(folder): \(error.localizedDescription)")
        }
        for page in changed {
            let path = (folder as NSString).appendingPathComponent(page.name)
            do {
                try Data(page.text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw CommandFailure("cannot write \(path): \(error.localizedDescription)")
            }
            print("\(existing[page.name] == nil ? "created" : "updated") \(path)")
        }
        print("\(pages.count - 1) command pages and \(CommandPages.indexName) in \(folder): \(changed.count) written")
        if !orphans.isEmpty {
            throw CommandFailure(orphans.map { "\((folder as NSString).appendingPathComponent($0)) is the page of no command: delete it or rename it" }
                .joined(separator: "; "), .refused)
        }
    }
}

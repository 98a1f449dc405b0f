import StrataCore
import Testing

/// How the command pages are rewritten: the generated blocks from the commands, the prose around
/// them as it was written.
@Suite("Command pages")
struct CommandPagesTests {
    static let up = CommandPages.Command(path: ["up"], abstract: "Apply pending migrations.", help: "OVERVIEW: Apply pending migrations.   \n\nUSAGE: strata up\n\n")
    static let backup = CommandPages.Command(path: ["backup"], abstract: "Take, list and restore backups.", help: "USAGE: strata backup <subcommand>\n")
    static let create = CommandPages.Command(path: ["backup", "create"], abstract: "Take a backup.", help: "USAGE: strata backup create\n")

    static func block(_ key: String, _ body: String) -> String {
        "\(CommandPages.beginMarker(key))\n\(body)\n\(CommandPages.endMarker)"
    }

    @Test func aBlockIsTheHelpWithoutTrailingBlanks() {
        #expect(CommandPages.block(Self.up) == "```text\nOVERVIEW: Apply pending migrations.\n\nUSAGE: strata up\n```")
        #expect(CommandPages.key(Self.create) == "strata help backup create")
    }

    @Test func theProseAroundABlockIsKeptAsWritten() throws {
        let page = "# `strata up`\n\nProse *by hand*,  with two spaces.\n\n\(Self.block("strata help up", "```text\nold help\n```"))\n\nMore prose after.\n"
        let refreshed = try CommandPages.refresh(page, name: "up.md", blocks: [("strata help up", CommandPages.block(Self.up))])
        #expect(refreshed == "# `strata up`\n\nProse *by hand*,  with two spaces.\n\n\(Self.block("strata help up", CommandPages.block(Self.up)))\n\nMore prose after.\n")
        // Refreshing again changes nothing.
        #expect(try CommandPages.refresh(refreshed, name: "up.md", blocks: [("strata help up", CommandPages.block(Self.up))]) == refreshed)
    }

    @Test func aMissingBlockIsAppendedAndAStaleOneRemoved() throws {
        let page = "# `strata backup`\n\nProse.\n\n\(Self.block("strata help backup list", "old"))\n\n\(Self.block("strata help backup", "old"))\n"
        let refreshed = try CommandPages.refresh(page, name: "backup.md", blocks: [("strata help backup", "new"), ("strata help backup create", "created")])
        #expect(refreshed == "# `strata backup`\n\nProse.\n\n\(Self.block("strata help backup", "new"))\n\n\(Self.block("strata help backup create", "created"))\n")
        #expect(CommandPages.keys(in: refreshed) == ["strata help backup", "strata help backup create"])
    }

    @Test(arguments: [
        ("a\n<!-- BEGIN GENERATED: x -->\nb\n", 2, "the block for x has no END GENERATED marker"),
        ("a\n<!-- END GENERATED -->\n", 2, "an END GENERATED marker without its BEGIN"),
        ("<!-- BEGIN GENERATED: x -->\n<!-- BEGIN GENERATED: y -->\n<!-- END GENERATED -->\n", 2, "a BEGIN GENERATED marker inside the block opened on line 1"),
        ("<!-- BEGIN GENERATED: x -->\n<!-- END GENERATED -->\n<!-- BEGIN GENERATED: x -->\n<!-- END GENERATED -->\n", 3, "a second block for x"),
    ])
    func aMalformedMarkerIsAnErrorWithItsLine(page: String, line: Int, message: String) {
        #expect(throws: CommandPages.MarkerError(page: "p.md", line: line, message: message)) {
            try CommandPages.refresh(page, name: "p.md", blocks: [("x", "text")])
        }
    }

    @Test func aCommandWithoutAPageGetsOneAndTheIndexListsEveryCommand() throws {
        let commands = [Self.up, Self.backup, Self.create]
        let upPage = "# `strata up`\n\nWritten by hand.\n\n\(Self.block("strata help up", "stale"))\n"
        let pages = try CommandPages.pages(commands, existing: ["up.md": upPage])
        #expect(pages.map(\.name) == ["README.md", "backup.md", "up.md"])
        let byName = Dictionary(uniqueKeysWithValues: pages.map { ($0.name, $0.text) })
        #expect(byName["up.md"] == "# `strata up`\n\nWritten by hand.\n\n\(Self.block("strata help up", CommandPages.block(Self.up)))\n")
        let backup = try #require(byName["backup.md"])
        #expect(backup.hasPrefix("# `strata backup`\n\nTake, list and restore backups.\n"))
        #expect(CommandPages.keys(in: backup) == ["strata help backup", "strata help backup create"])
        let index = try #require(byName["README.md"])
        #expect(CommandPages.keys(in: index) == [CommandPages.indexKey])
        #expect(index.contains("| [`strata backup create`](backup.md) | Take a backup. |"))
        #expect(index.contains("| [`strata up`](up.md) | Apply pending migrations. |"))
    }

    @Test func aPageNoCommandHasIsAnOrphan() {
        let orphans = CommandPages.orphans([Self.up], existing: ["README.md", "up.md", "down.md", "notes.txt"])
        #expect(orphans == ["down.md"])
    }
}

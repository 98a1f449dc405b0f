import Foundation
import StrataCore
@testable import strata
import Testing

/// The documentation in the repository: every command has its page in docs/commands holding its
/// `--help` as it is now, and every relative link in README.md and docs/ leads somewhere.
@Suite("Documentation site")
struct DocsSiteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let commandsFolder = root.appendingPathComponent("docs/commands")
    static let stale = "run `make docs` (strata command-docs docs/commands)"

    @Test func everyCommandHasAPageWithItsHelpAsItIsNow() throws {
        let commands = CommandDocs.commands()
        #expect(commands.contains { $0.path == ["backup", "create"] }, "subcommands are documented too")
        #expect(!commands.contains { $0.path == ["command-docs"] }, "a hidden command has no page")
        let existing = CommandDocs.existingPages(in: Self.commandsFolder.path)
        let expected = try CommandPages.pages(commands, existing: existing)
        for page in expected {
            #expect(existing[page.name] != nil, "docs/commands/\(page.name) is missing: \(Self.stale)")
            #expect(existing[page.name] == nil || existing[page.name] == page.text, "docs/commands/\(page.name) is stale: \(Self.stale)")
        }
        #expect(CommandPages.orphans(commands, existing: existing.keys) == [], "pages of no command: delete or rename them")
    }

    @Test func everyCommandPageHasProseBesideItsHelp() throws {
        for command in CommandDocs.commands() where command.path.count == 1 {
            let page = try String(contentsOf: Self.commandsFolder.appendingPathComponent(command.pageName), encoding: .utf8)
            let prose = page.components(separatedBy: "<!-- BEGIN GENERATED:")[0]
            let words = prose.split(whereSeparator: \.isWhitespace).count
            #expect(words > 40, "docs/commands/\(command.pageName) has no prose of its own yet")
        }
    }

    /// `strata command-docs FOLDER` writes the pages, leaves prose alone, and `--check` tells a
    /// stale folder from a current one.
    @Test func theGeneratorWritesAndChecksAFolder() throws {
        let project = try Project()
        let first = try project.run("command-docs", "pages")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("created pages/up.md"))
        #expect(try project.run("command-docs", "pages", "--check").status == 0)

        var up = try project.read("pages/up.md")
        up = up.replacingOccurrences(of: "# `strata up`\n", with: "# `strata up`\n\nProse written by hand.\n")
        let help = try #require(up.range(of: "USAGE: strata up"))
        up.replaceSubrange(help, with: "USAGE: strata up --old-flag")
        try project.write("pages/up.md", up)
        try project.write("pages/gone.md", "# `strata gone`\n")

        let check = try project.run("command-docs", "pages", "--check")
        #expect(check.status == 1)
        #expect(check.stdout.contains("pages/up.md: stale"))
        #expect(check.stdout.contains("pages/gone.md: no such command"))

        let write = try project.run("command-docs", "pages")
        #expect(write.status == 1, "an orphan page fails the run")
        #expect(write.stderr.contains("pages/gone.md is the page of no command"))
        let rewritten = try project.read("pages/up.md")
        #expect(rewritten.contains("Prose written by hand.") && !rewritten.contains("--old-flag"))
    }

    // MARK: - Links

    /// The Markdown files of the site: README.md, BENCHMARKS.md and everything under docs/.
    static func markdownFiles() -> [URL] {
        var files = [root.appendingPathComponent("README.md"), root.appendingPathComponent("BENCHMARKS.md")]
        let docs = root.appendingPathComponent("docs")
        let walker = FileManager.default.enumerator(at: docs, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            if url.pathExtension == "md" { files.append(url) }
        }
        return files
    }

    @Test func everyRelativeLinkLeadsToAFileAndHeadingThatExist() throws {
        var broken: [String] = []
        for file in Self.markdownFiles() {
            let text = try String(contentsOf: file, encoding: .utf8)
            let shown = String(file.path.dropFirst(Self.root.path.count + 1))
            for target in MarkdownLinks.targets(in: text) where !target.contains("://") && !target.hasPrefix("mailto:") {
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let path = String(parts[0]), anchor = parts.count > 1 ? String(parts[1]) : nil
                let destination = path.isEmpty ? file : file.deletingLastPathComponent().appendingPathComponent(path).standardized
                guard FileManager.default.fileExists(atPath: destination.path) else {
                    broken.append("\(shown): \(target): no such file")
                    continue
                }
                if let anchor {
                    let headings = MarkdownLinks.anchors(in: (try? String(contentsOf: destination, encoding: .utf8)) ?? "")
                    if !headings.contains(anchor) { broken.append("\(shown): \(target): no such heading") }
                }
            }
        }
        #expect(broken == [], "\(broken.joined(separator: "\n"))")
    }

    @Test func theSiteIndexLinksEveryTopicPage() throws {
        let index = try String(contentsOf: Self.root.appendingPathComponent("docs/README.md"), encoding: .utf8)
        let linked = Set(MarkdownLinks.targets(in: index).map { String($0.split(separator: "#")[0]) })
        let pages = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }
        for page in pages { #expect(linked.contains(page), "docs/README.md does not link docs/\(page)") }
        #expect(linked.contains("commands/README.md") && linked.contains("rules/README.md"))
    }

    @Test func linksAndAnchorsAreReadAsGitHubReadsThem() {
        let text = """
            # `strata up`
            ## Event log: `--log-json FILE`
            ## Without a strata.yml
            ## Section
            ## Section
            ```text
            # not a heading [nor](a-link.md)
            ```
            See [`up`](up.md#strata-up), ![x](img.png "title") and `[code](skipped.md)`.
            """
        #expect(MarkdownLinks.anchors(in: text) == ["strata-up", "event-log---log-json-file", "without-a-stratayml", "section", "section-1"])
        #expect(MarkdownLinks.targets(in: text) == ["up.md#strata-up", "img.png"])
    }
}

/// Links and headings of a Markdown text, outside code blocks and code spans.
enum MarkdownLinks {
    /// The lines outside fenced code blocks.
    static func proseLines(_ text: String) -> [Substring] {
        var inFence = false
        return text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                inFence.toggle()
                return false
            }
            return !inFence
        }
    }

    /// The targets of inline links and images: `[text](target)`, `![alt](target "title")`.
    static func targets(in text: String) -> [String] {
        let link = /!?\[[^\]]*\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)/
        let codeSpan = /`[^`]*`/
        return proseLines(text).flatMap { line in
            // Code spans inside a link's text (`[`up`](up.md)`) go, the link stays.
            let withoutCode = String(line).replacing(/\[`([^`]*)`\]/) { "[\($0.1)]" }.replacing(codeSpan, with: "")
            return withoutCode.matches(of: link).map { String($0.1) }
        }
    }

    /// The anchors GitHub gives the headings: lower case, punctuation other than `-` and `_`
    /// removed, spaces as `-`, a repeated one numbered `-1`, `-2`...
    static func anchors(in text: String) -> [String] {
        var seen: [String: Int] = [:]
        return proseLines(text).compactMap { line -> String? in
            guard let heading = line.firstMatch(of: /^#{1,6}\s+(.*?)\s*#*\s*$/) else { return nil }
            let slug = String(heading.1).lowercased().unicodeScalars.filter { scalar in
                scalar == " " || scalar == "-" || scalar == "_" || scalar.properties.isAlphabetic
                    || scalar.properties.numericType != nil || scalar.properties.generalCategory == .nonspacingMark
            }.map { $0 == " " ? "-" : String($0) }.joined()
            let count = seen[slug, default: 0]
            seen[slug] = count + 1
            return count == 0 ? slug : "\(slug)-\(count)"
        }
    }
}

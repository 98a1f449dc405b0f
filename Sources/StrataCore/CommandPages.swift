/// The pages of `docs/commands`: one per command (a command and its subcommands share one),
/// written by hand, each holding its commands' `--help` between markers that
/// `strata command-docs docs/commands` (`make docs`) rewrites, leaving the prose around them
/// alone; and `README.md`, the index, whose list of commands is generated the same way. A test
/// regenerates every page and fails when one differs, so a help text cannot change without its
/// page, nor a command come or go without one.
public enum CommandPages {
    /// A command as its page shows it: `["backup", "create"]`, its abstract, its `--help`.
    public struct Command: Sendable, Equatable {
        public var path: [String]
        public var abstract: String
        public var help: String

        public init(path: [String], abstract: String, help: String) {
            self.path = path
            self.abstract = abstract
            self.help = help
        }

        /// `strata backup create`.
        public var invocation: String { (["strata"] + path).joined(separator: " ") }
        /// The page of its top-level command: `backup.md`.
        public var pageName: String { "\(path[0]).md" }
    }

    /// A malformed marker in a page: the page is not rewritten.
    public struct MarkerError: Error, Equatable, CustomStringConvertible {
        public var page: String
        public var line: Int
        public var message: String
        public var description: String { "\(page):\(line): \(message)" }

        public init(page: String, line: Int, message: String) {
            self.page = page
            self.line = line
            self.message = message
        }
    }

    public static let indexName = "README.md"
    public static let indexKey = "command index"
    public static let endMarker = "<!-- END GENERATED -->"

    public static func beginMarker(_ key: String) -> String { "<!-- BEGIN GENERATED: \(key) -->" }

    /// The key of a command's block: `strata help backup create`, what prints the same text.
    public static func key(_ command: Command) -> String { "strata help " + command.path.joined(separator: " ") }

    /// Every page the folder should hold, by name (the index first), from the commands and the
    /// pages there now (`existing`, by file name): each existing page with its blocks rewritten,
    /// a new page for a command that has none.
    public static func pages(_ commands: [Command], existing: [String: String]) throws(MarkerError) -> [(name: String, text: String)] {
        var byPage: [String: [Command]] = [:]
        var order: [String] = []
        for command in commands {
            if byPage[command.pageName] == nil { order.append(command.pageName) }
            byPage[command.pageName, default: []].append(command)
        }
        let indexText = try refresh(existing[indexName] ?? newIndex(), name: indexName, blocks: [(indexKey, index(commands))])
        var result = [(name: indexName, text: indexText)]
        for name in order.sorted() {
            let family = byPage[name]!
            let blocks = family.map { (key($0), block($0)) }
            result.append((name, try refresh(existing[name] ?? newPage(family[0]), name: name, blocks: blocks)))
        }
        return result
    }

    /// The pages in the folder that no command has (a command renamed or removed): to delete.
    public static func orphans(_ commands: [Command], existing: some Sequence<String>) -> [String] {
        let expected = Set(commands.map(\.pageName)).union([indexName])
        return existing.filter { $0.hasSuffix(".md") && !expected.contains($0) }.sorted()
    }

    /// The generated list of commands: each with its abstract, linked to its page.
    public static func index(_ commands: [Command]) -> String {
        var lines = ["| Command | What it does |", "|---|---|"]
        for command in commands {
            let abstract = command.abstract.replacingOccurrences(of: "|", with: "\\|")
            lines.append("| [`\(command.invocation)`](\(command.pageName)) | \(abstract) |")
        }
        return lines.joined(separator: "\n")
    }

    /// A command's block: its `--help`, as a text code block, without trailing blanks.
    public static func block(_ command: Command) -> String {
        let lines = command.help.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var line = Substring(line)
            while line.last == " " || line.last == "\t" { line.removeLast() }
            return line
        }
        var text = lines.joined(separator: "\n")
        while text.hasSuffix("\n") { text.removeLast() }
        while text.hasPrefix("\n") { text.removeFirst() }
        return "```text\n\(text)\n```"
    }

    /// `page` with each block between markers replaced by the one of its key in `blocks`;
    /// a block whose key is not there removed (markers included), and one of `blocks` the page
    /// lacks appended at its end. Everything outside the markers is kept as it is.
    public static func refresh(_ page: String, name: String, blocks: [(key: String, text: String)]) throws(MarkerError) -> String {
        let wanted = Dictionary(blocks, uniquingKeysWith: { first, _ in first })
        var output: [Substring] = []
        var seen: Set<String> = []
        var inside: (key: String, line: Int)?
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        for (offset, line) in lines.enumerated() {
            let trimmed = line.trimmingSpaces
            if let key = beginKey(trimmed) {
                if let inside { throw MarkerError(page: name, line: offset + 1, message: "a BEGIN GENERATED marker inside the block opened on line \(inside.line)") }
                if seen.contains(key) { throw MarkerError(page: name, line: offset + 1, message: "a second block for \(key)") }
                inside = (key, offset + 1)
                seen.insert(key)
                if let text = wanted[key] {
                    output.append(Substring(beginMarker(key)))
                    output.append(contentsOf: text.split(separator: "\n", omittingEmptySubsequences: false))
                    output.append(Substring(endMarker))
                }
            } else if trimmed == endMarker {
                guard let open = inside else { throw MarkerError(page: name, line: offset + 1, message: "an END GENERATED marker without its BEGIN") }
                inside = nil
                // A removed block takes one of the blank lines around it along.
                if wanted[open.key] == nil, output.last?.isEmpty == true, offset + 1 < lines.count, lines[offset + 1].isEmpty {
                    output.removeLast()
                }
            } else if inside == nil {
                output.append(line)
            }
        }
        if let inside { throw MarkerError(page: name, line: inside.line, message: "the block for \(inside.key) has no END GENERATED marker") }
        var text = output.joined(separator: "\n")
        let missing = blocks.filter { !seen.contains($0.key) }
        if !missing.isEmpty {
            while text.hasSuffix("\n") { text.removeLast() }
            for (key, block) in missing {
                text += "\n\n" + beginMarker(key) + "\n" + block + "\n" + endMarker
            }
            text += "\n"
        }
        return text
    }

    /// The keys of the blocks in `page`, in order.
    public static func keys(in page: String) -> [String] {
        page.split(separator: "\n").compactMap { beginKey($0.trimmingSpaces) }
    }

    static func beginKey(_ line: Substring) -> String? {
        let prefix = "<!-- BEGIN GENERATED: ", suffix = " -->"
        guard line.hasPrefix(prefix), line.hasSuffix(suffix), line.count > prefix.count + suffix.count else { return nil }
        return String(line.dropFirst(prefix.count).dropLast(suffix.count))
    }

    static func newPage(_ command: Command) -> String {
        "# `\(command.invocation)`\n\n\(command.abstract)\n\n## Reference\n"
    }

    static func newIndex() -> String {
        "# Commands\n\nEvery command, with a page of its own.\n"
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var line = self
        while line.first == " " || line.first == "\t" { line.removeFirst() }
        while line.last == " " || line.last == "\t" || line.last == "\r" { line.removeLast() }
        return line
    }
}

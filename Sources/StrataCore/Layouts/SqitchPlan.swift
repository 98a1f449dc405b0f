import Foundation
import StrataSyntax

/// A sqitch plan file (`sqitch.plan`) as sqitch reads it: `%key=value` pragmas, then one line a
/// change (`name [dependencies] 2024-01-01T00:00:00Z Planner <email> # note`) or tag
/// (`@v1.0 2024-01-01T00:00:00Z Planner <email> # note`), in deploy order. A change named again
/// after a tag is reworked: each occurrence is deployed in its place, the older ones from the
/// scripts named with the first tag after them (`deploy/name@v1.0.sql`), the latest from
/// `deploy/name.sql`. Strata gives each occurrence its own id, as sqitch names them: `name@v1.0`
/// for an older one, `name` for the latest.
public struct SqitchPlan: Sendable, Equatable {
    public struct Change: Sendable, Equatable {
        /// The name in the plan.
        public var name: String
        /// Strata's id: the name, or `name@tag` for an occurrence reworked later in the plan.
        public var id: String
        /// 1-based line in the plan file.
        public var line: Int
        /// Dependencies as written, without the conflicts (`!name`).
        public var requires: [String]
        public var conflicts: [String]
        public var note: String
        /// Ids of the changes of this project it depends on (a dependency on another project,
        /// `other:change`, is not among them: Strata cannot check it).
        public var dependencies: [String]
    }

    public var project: String?
    public var pragmas: [String: String]
    public var changes: [Change]
    /// Tags in plan order, with the index of the first change after each.
    public var tags: [(name: String, before: Int)]

    public static func == (a: SqitchPlan, b: SqitchPlan) -> Bool {
        a.project == b.project && a.pragmas == b.pragmas && a.changes == b.changes
            && a.tags.map(\.name) == b.tags.map(\.name) && a.tags.map(\.before) == b.tags.map(\.before)
    }

    /// A line the plan cannot be read at.
    public struct Problem: Error, Sendable, Equatable {
        public var line: Int
        public var message: String
    }

    /// The plan's text read; lines sqitch would refuse are `problems`, and left out.
    public init(text: String) {
        (project, pragmas, changes, tags) = (nil, [:], [], [])
        var problems: [Problem] = []
        var occurrences: [(name: String, line: Int, requires: [String], conflicts: [String], note: String)] = []
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let number = index + 1
            var line = Substring(raw).trimmingCharacters(in: .whitespaces)[...]
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("%") {
                let body = line.dropFirst()
                let parts = body.split(separator: "=", maxSplits: 1)
                let key = parts.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                let value = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                pragmas[key] = value
                if key == "project" { project = value }
                continue
            }
            var note = ""
            if let hash = Self.noteStart(line) {
                note = line[line.index(after: hash)...].trimmingCharacters(in: .whitespaces)
                line = line[..<hash]
            }
            if line.hasPrefix("@") {
                let name = line.dropFirst().prefix { !$0.isWhitespace }
                tags.append((String(name), occurrences.count))
                continue
            }
            if line.first == "+" || line.first == "-" { line = line.dropFirst() }
            let name = line.prefix { !$0.isWhitespace && $0 != "[" }
            guard !name.isEmpty else {
                problems.append(Problem(line: number, message: "not a change, tag or pragma line"))
                continue
            }
            var requires: [String] = [], conflicts: [String] = []
            let rest = line.dropFirst(name.count).drop { $0.isWhitespace }
            if rest.first == "[", let close = rest.firstIndex(of: "]") {
                for dependency in rest[rest.index(after: rest.startIndex)..<close].split(whereSeparator: \.isWhitespace) {
                    if dependency.hasPrefix("!") { conflicts.append(String(dependency.dropFirst())) } else { requires.append(String(dependency)) }
                }
            }
            occurrences.append((String(name), number, requires, conflicts, note))
        }
        self.problems = problems
        // Ids: an occurrence named again later is `name@<tag>`, the last tag before the next
        // occurrence (`sqitch rework` names the older scripts with the latest tag).
        var ids: [String] = []
        for (i, occurrence) in occurrences.enumerated() {
            let next = occurrences[(i + 1)...].firstIndex { $0.name == occurrence.name }
            let tag = next.flatMap { next in tags.last { $0.before > i && $0.before <= next }?.name }
            ids.append(tag.map { occurrence.name + "@" + $0 } ?? occurrence.name)
        }
        for (i, occurrence) in occurrences.enumerated() {
            var dependencies: [String] = []
            for require in occurrence.requires {
                if let colon = require.firstIndex(of: ":") {
                    // `project:change`: this project's own name may be written so too.
                    guard require[..<colon] == project ?? "" else { continue }
                    if let id = Self.resolve(String(require[require.index(after: colon)...]), before: i, occurrences.map(\.name), ids, tags) {
                        dependencies.append(id)
                    }
                } else if let id = Self.resolve(require, before: i, occurrences.map(\.name), ids, tags) {
                    dependencies.append(id)
                }
            }
            // Plan order is deploy order: each change comes after the one before it.
            if i > 0, !dependencies.contains(ids[i - 1]) { dependencies.append(ids[i - 1]) }
            changes.append(Change(name: occurrence.name, id: ids[i], line: occurrence.line, requires: occurrence.requires,
                                  conflicts: occurrence.conflicts, note: occurrence.note, dependencies: dependencies))
        }
    }

    /// Lines that are not changes, tags or pragmas.
    public var problems: [Problem] = []

    /// The plan read from a file.
    public static func read(_ path: String) throws(InputError) -> SqitchPlan {
        let bytes = try FileDiscovery.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError(path: path, message: "is not UTF-8 text; sqitch plans are")
        }
        return SqitchPlan(text: text)
    }

    public func change(_ id: String) -> Change? { changes.first { $0.id == id } }

    /// The id a dependency written in the plan (`name`, `name@tag`, `@tag`) names for the
    /// change at `index`: the occurrence of the name deployed when it runs (or at the tag).
    static func resolve(_ dependency: String, before index: Int, _ names: [String], _ ids: [String],
                        _ tags: [(name: String, before: Int)]) -> String? {
        var name = Substring(dependency)
        var limit = index
        if let at = name.firstIndex(of: "@") {
            let tag = name[name.index(after: at)...]
            name = name[..<at]
            if let position = tags.first(where: { $0.name == tag })?.before { limit = min(limit, position) }
            if name.isEmpty { return limit > 0 ? ids[limit - 1] : nil }   // `@tag`: the change it tags
        }
        if let found = names[..<min(limit, names.count)].lastIndex(where: { $0 == name }) { return ids[found] }
        return names.lastIndex { $0 == name }.map { ids[$0] }
    }

    /// Where a note starts: the first `#` not escaped with `\`.
    private static func noteStart(_ line: Substring) -> Substring.Index? {
        var previous: Character? = nil
        for index in line.indices {
            if line[index] == "#", previous != "\\" { return index }
            previous = line[index]
        }
        return nil
    }

    // MARK: - Writing

    /// The line `sqitch add` writes for a new change.
    public static func changeLine(name: String, requires: [String] = [], planner: String, email: String, at date: Date, note: String) -> String {
        let deps = requires.isEmpty ? "" : " [" + requires.joined(separator: " ") + "]"
        return "\(name)\(deps) \(LayoutTemplate.utc("yyyy-MM-dd'T'HH:mm:ss'Z'", date)) \(planner) <\(email)> # \(note)"
    }
}

/// Facts of a sqitch project folder beyond its plan: `sqitch.conf`.
public enum SqitchProject {
    /// The dialect `sqitch.conf` names with `[core] engine` (`pg` → PostgreSQL, `sqlite` →
    /// SQLite), looked for in `folder` and the folder above it (a `top_dir` below the
    /// configuration), with the reason for `--verbose`; nil when there is none, or its engine
    /// is one Strata does not run.
    public static func dialect(inFolder folder: String) -> (Dialect, String)? {
        var trimmed = Substring(folder)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let own = trimmed.isEmpty ? "." : String(trimmed)
        // By text, not NSString (its path functions trap on some inputs on Linux).
        let parent = own == "." ? ".." : trimmed.lastIndex(of: "/").map { String(trimmed[...$0]) } ?? "."
        for candidate in [own + "/", parent.hasSuffix("/") ? parent : parent + "/"] {
            let path = candidate + "sqitch.conf"
            guard let bytes = try? FileDiscovery.read(path), let text = String(validating: bytes, as: UTF8.self),
                  let engine = configValue(text, section: "core", key: "engine") else { continue }
            switch engine.lowercased() {
            case "pg", "postgres", "postgresql": return (.postgresql, "\(path): [core] engine = \(engine)")
            case "sqlite": return (.sqlite, "\(path): [core] engine = \(engine)")
            default: return nil
            }
        }
        return nil
    }

    /// A value of a git-config-style file: `[section]` then `key = value` lines.
    static func configValue(_ text: String, section wanted: String, key wanted_key: String) -> String? {
        var section = ""
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.hasPrefix(";") || line.isEmpty { continue }
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                section = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces).lowercased()
                continue
            }
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, section == wanted, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == wanted_key else { continue }
            var value = parts[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}

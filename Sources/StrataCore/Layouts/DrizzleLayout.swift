import Foundation
import StrataSyntax

/// Drizzle Kit: `<NNNN>_<name>.sql` files in the `drizzle` folder (the `out` of
/// drizzle.config), each split by `--> statement-breakpoint` lines into pieces that drizzle's
/// migrator sends one at a time; `meta/_journal.json` lists the migrations (its entries' `tag`
/// is the file's stem, `when` the time drizzle compares with its table) and names the database
/// (`DialectInference`). The id is the file's stem. Drizzle runs forward only, all pending
/// migrations in one transaction, with no per-file switch.
///
/// The journal decides what drizzle runs: a `.sql` file the journal does not list is never
/// applied by drizzle, and a listed file that is missing makes drizzle fail; either is an error
/// naming the file, so Strata never applies or lints a set drizzle would not.
public struct DrizzleLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .drizzle }
    public var capabilities: LayoutCapabilities { [.numberedFiles] }
    public var recursive: Bool { false }

    /// The line comment drizzle splits a file at.
    public static let breakpoint = "--> statement-breakpoint"

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    public func precedes(_ a: String, _ b: String) -> Bool { VersionOrder.numericPrefixPrecedes(a, b) }

    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        var journals: [String: DrizzleJournal?] = [:]
        var listed: [String: Set<String>] = [:]
        for file in files {
            // The folder the file was listed in (or, for a file named alone, its own folder).
            let folder = file.namedAlone || !file.path.hasSuffix(String(file.relative))
                ? String(FilePairing.folder(Substring(file.path)))
                : String(file.path.dropLast(file.relative.count))
            if journals[folder] == nil {
                let journal = try DrizzleJournal.read(inFolder: folder)
                if let journal, let pair = zip(journal.entries, journal.entries.dropFirst()).first(where: { !precedes($0.0.tag, $0.1.tag) }) {
                    throw InputError(path: journal.path, message: "the journal lists \(pair.1.tag) after \(pair.0.tag), against the order of their numbers, which Strata runs them in: renumber the files")
                }
                journals[folder] = .some(journal)
            }
            guard let journal = journals[folder] ?? nil else { continue }
            guard journal.tags.contains(file.id) else {
                throw InputError(path: file.path, message: "not listed in \(journal.path): drizzle never applies it; generate migrations with drizzle-kit, or add its entry to the journal")
            }
            if !file.namedAlone { listed[folder, default: []].insert(file.id) }
        }
        for (folder, ids) in listed {
            guard let journal = journals[folder] ?? nil else { continue }
            if let missing = journal.tags.first(where: { !ids.contains($0) }) {
                throw InputError(path: folder + missing + ".sql", message: "listed in \(journal.path), but the file is missing: drizzle's migrator would fail on it")
            }
        }
        return files
    }

    /// The whole file is the UP SQL; each piece between `--> statement-breakpoint` lines is
    /// sent on its own, as one piece of text (`MigrationSection.blocks`).
    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        let (parsed, text) = LayoutSupport.textFile(input, layout: .drizzle, dialect: dialect)
        guard let source = text else { return parsed }
        var file = parsed
        let count = source.tokens.count
        file.header = 0..<LayoutSupport.firstSignificant(source, from: 0, upper: count)
        guard depth != .header else { return file }
        var pieces: [Range<Int>] = []
        var start = 0
        for (index, token) in source.tokens.enumerated() where token.kind == .lineComment {
            guard source.bytes[token.byteRange].starts(with: Self.breakpoint.utf8) else { continue }
            pieces.append(start..<index)
            start = index + 1
        }
        pieces.append(start..<count)
        let read = LayoutSupport.statements(source, in: 0..<count, blocks: pieces.count > 1 ? pieces : [])
        file.up = MigrationSection(kind: .up, marker: nil, tokens: 0..<count, statements: read.statements, blocks: read.blocks)
        if depth == .full { file.suppressions = Suppression.parse(source, header: file.header, statements: read.statements) }
        return file
    }
}

/// What `meta/_journal.json` says: the migrations drizzle runs, in order, and the database.
public struct DrizzleJournal: Sendable {
    public struct Entry: Sendable, Equatable {
        public var tag: String
        /// Milliseconds since 1970: what drizzle stores as `created_at` once it applied it.
        public var when: Int64
    }

    /// The journal's path, for messages.
    public var path: String
    public var entries: [Entry]
    /// `dialect` as written (`postgresql`, `pg`, `sqlite`, `mysql`, ...).
    public var dialect: String?

    public var tags: Set<String> { Set(entries.map(\.tag)) }

    /// The journal of a drizzle migrations folder (`folder` with or without its trailing `/`);
    /// nil when there is none. A journal that cannot be read is an error naming it.
    public static func read(inFolder folder: String) throws(InputError) -> DrizzleJournal? {
        let path = (folder.isEmpty || folder.hasSuffix("/") ? folder : folder + "/") + "meta/_journal.json"
        guard FileDiscovery.fileExists(path) else { return nil }
        return try parse(try FileDiscovery.read(path), path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String) throws(InputError) -> DrizzleJournal {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let entries = object["entries"] as? [[String: Any]] else {
            throw InputError(path: path, message: "not a drizzle journal: expected a JSON object with an `entries` list")
        }
        var result = DrizzleJournal(path: path, entries: [], dialect: object["dialect"] as? String)
        for (index, entry) in entries.enumerated() {
            guard let tag = entry["tag"] as? String, let when = milliseconds(entry["when"]) else {
                throw InputError(path: path, message: "entry \(index) of the journal has no `tag` or `when`")
            }
            result.entries.append(Entry(tag: tag, when: when))
        }
        return result
    }

    /// A JSON number as Foundation hands it over (an integer, or a double for large ones).
    static func milliseconds(_ value: Any?) -> Int64? {
        switch value {
        case let number as Int: Int64(number)
        case let number as Int64: number
        case let number as Double: number.rounded() == number ? Int64(number) : nil
        case let number as NSNumber: number.int64Value
        default: nil
        }
    }
}

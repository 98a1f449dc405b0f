import Foundation
import StrataSyntax

/// Rewrites migrations of another tool's layout into Strata's format (`strata convert`): one
/// file a migration, named by its id (so tracking rows and history keep matching), with a
/// metadata header filled from what is known and the UP and DOWN SQL as written.
public enum Conversion {
    /// One converted migration: the new file's name and text, and the files it replaces.
    public struct Output: Sendable, Equatable {
        public var id: String
        public var fileName: String
        public var text: String
        /// The files of the source layout that held it (removed once the new file is written).
        public var sources: [String]
    }

    /// `files` parsed at full depth, in the order the source layout runs them. `now` stands in
    /// for `@timestamp` when the version is not a date.
    /// `numbered`: the ids become `0001_<id>`, ... in that order (sqitch's changes, which
    /// have no version of their own), with any character other than a letter, digit, `_`, `-`
    /// or `.` in a name (sqitch's `@` and `/`) written `_`.
    public static func convert(_ files: [MigrationFile], numbered: Bool = false, now: Date = Date()) -> [Output] {
        var previous: String? = nil
        let width = max(4, String(files.count).count)
        return files.enumerated().map { index, original in
            var file = original
            if numbered {
                let number = String(index + 1)
                let name = String(file.id.map { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) ? $0 : "_" })
                file.id = String(repeating: "0", count: width - number.count) + number + "_" + name
            }
            let id = strataID(file, position: index)
            defer { previous = id }
            return convert(file, id: id, after: previous, now: now)
        }
    }

    /// The converted migration's id: its own, except a Liquibase changeset's
    /// (`001_init/alice:1`), which has characters a file name cannot hold and shares its file's
    /// number with the other changesets: numbered in run order, `0001_001_init.alice.1`.
    static func strataID(_ file: MigrationFile, position: Int) -> String {
        guard file.layout == .liquibaseSQL else { return file.id }
        let number = String(position + 1)
        return String(repeating: "0", count: max(0, 4 - number.count)) + number + "_"
            + file.id.replacingOccurrences(of: "/", with: ".").replacingOccurrences(of: ":", with: ".")
    }

    static func convert(_ file: MigrationFile, id: String? = nil, after previous: String?, now: Date) -> Output {
        let id = id ?? file.id
        let (up, down) = sections(file)
        let hasDown = !(file.down?.statements.isEmpty ?? true)
        var header = [
            "-- @name: \(name(id))",
            "-- @description: Converted from the \(file.layout.rawValue) layout (\(sources(file).map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")))",
            "-- @timestamp: \(timestamp(file.id) ?? iso(now))",
            "-- @rollbackSafe: \(hasDown)",
            "-- @performanceImpact: low",
            "-- @dependencies: [\(previous.map { "\"\($0)\"" } ?? "")]",
        ]
        if file.transactionDeclared == false { header.append("-- @transaction: false") }
        let text = header.joined(separator: "\n") + "\n\n-- UP MIGRATION\n" + trimmed(up) + "\n\n-- DOWN MIGRATION\n"
            + (hasDown ? trimmed(down) + "\n" : "")
        return Output(id: id, fileName: id + ".sql", text: text, sources: sources(file))
    }

    static func sources(_ file: MigrationFile) -> [String] { [file.path] + (file.downFile.map { [$0.path] } ?? []) }

    /// The UP and DOWN SQL as written: the text after each marker, or each file's text.
    static func sections(_ file: MigrationFile) -> (up: String, down: String) {
        guard let source = file.source else { return ("", "") }
        if file.layout == .liquibaseSQL {
            // A changeset's rollback lines may stand among its SQL: each section is its
            // statements, as written.
            func statements(_ section: MigrationSection?) -> String {
                (section?.statements ?? []).map { source.text($0.range.byteRange).trimmingCharacters(in: .whitespacesAndNewlines) }
                    .map { $0.hasSuffix(";") ? $0 : $0 + ";" }.joined(separator: "\n")
            }
            return (statements(file.up), statements(file.down))
        }
        func text(_ section: MigrationSection?) -> String {
            guard let section, !section.tokens.isEmpty else { return "" }
            let start = source.tokens[section.tokens.lowerBound].offset
            let end = section.tokens.upperBound < source.tokens.count ? source.tokens[section.tokens.upperBound].offset : source.bytes.count
            // A marker's line ends the section before it; its own text is not SQL.
            return source.text(start..<max(start, end))
        }
        return (text(file.up), text(file.down))
    }

    static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `20240101120000_add_users` → `Add users`; `V1_2__Add_users` → `Add users`.
    static func name(_ id: String) -> String {
        var rest = Substring(id)
        if let separator = rest.range(of: "__"), rest.first.map({ "VUR".contains($0) }) == true { rest = rest[separator.upperBound...] }
        if let version = MigrationFile.versionPrefix(of: String(rest)) { rest = rest.dropFirst(version.count) }
        let words = rest.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." || $0 == " " })
        guard let first = words.first else { return id }
        return ([first.prefix(1).uppercased() + first.dropFirst()] + words.dropFirst().map(String.init)).joined(separator: " ")
    }

    /// The version as an ISO 8601 time when it is a date: `YYYYMMDDHHMMSS` (dbmate, goose,
    /// golang-migrate, popx) or `YYYY-MM-DD-HHMMSS` (diesel).
    static func timestamp(_ id: String) -> String? {
        guard let version = MigrationFile.versionPrefix(of: id) else { return nil }
        let digits = Array(version.filter(\.isNumber))
        guard digits.count >= 14 else { return nil }
        let text = String(digits.prefix(14))
        func part(_ from: Int, _ count: Int) -> Int { Int(String(Array(text)[from..<(from + count)]))! }
        let (year, month, day, hour, minute, second) = (part(0, 4), part(4, 2), part(6, 2), part(8, 2), part(10, 2), part(12, 2))
        guard (1970...2100).contains(year), (1...12).contains(month), (1...31).contains(day),
              hour < 24, minute < 60, second < 61 else { return nil }
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour, minute, second)
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

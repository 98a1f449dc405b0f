import StrataCore
import StrataSyntax

/// What the applier sends as one piece of text, with where it is in the file: one statement,
/// or a block of several that its tool sends together (a goose `StatementBegin` …
/// `StatementEnd`, `MigrationSection.blocks`), whose statements are kept apart so that a
/// failure names the one that failed.
public struct SQLStep: Sendable, Equatable {
    /// One statement of the step.
    public struct Part: Sendable, Equatable {
        /// Its bytes in `sql`, from its first token to its last (the `;` left out).
        public var range: Range<Int>
        /// Where it starts in the file.
        public var start: SourcePosition
    }

    /// From the first statement's first token to the last one's last, as written.
    public var sql: String
    /// Its statements, in order: one for a step of one statement.
    public var parts: [Part]
    /// The SQLite connection settings its statements set (`Applier.connectionSetting`), put
    /// back after the migration.
    public var connectionSettings: [String] = []

    /// The line its first statement starts on.
    public var line: Int { parts.first?.start.line ?? 1 }

    /// What the database is given.
    public var unit: SQLUnit { SQLUnit(sql, statements: parts.count) }

    /// The text of one of its statements.
    public func text(of part: Part) -> String {
        let utf8 = sql.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: min(part.range.lowerBound, utf8.count))
        let upper = utf8.index(utf8.startIndex, offsetBy: min(part.range.upperBound, utf8.count))
        return String(sql[lower..<upper])
    }

    /// The statement that `failure` (of this step) names: the one holding the place the
    /// database gave the error, when it gave one, else the one at the database's count.
    public func part(of failure: ExecutionFailure) -> Part {
        if let offset = failure.offset, let part = parts.last(where: { $0.range.lowerBound <= offset }) { return part }
        return parts[max(0, min(failure.statement, parts.count - 1))]
    }

    /// Where in the file the database placed `failure` (of this step): the place its error
    /// position points at, when it gave one inside the failing statement; else where that
    /// statement starts. Columns count characters, as `SourceText` does.
    public func position(of failure: ExecutionFailure) -> SourcePosition {
        let part = part(of: failure)
        guard let offset = failure.offset, part.range.contains(offset) || offset == part.range.upperBound else { return part.start }
        var position = part.start
        let utf8 = Array(sql.utf8)
        for byte in utf8[part.range.lowerBound..<min(offset, utf8.count)] {
            if byte == 0x0A {
                position.line += 1
                position.column = 1
            } else if byte & 0xC0 != 0x80 {
                position.column += 1
            }
        }
        position.offset = part.start.offset + (offset - part.range.lowerBound)
        return position
    }

    /// The steps of a section in the order they run: each statement on its own, each block as
    /// one step.
    public static func steps(of section: MigrationSection?, in source: SourceText?) -> [SQLStep] {
        guard let section, let source else { return [] }
        let statements = section.statements
        return section.units.compactMap { unit in
            guard let first = unit.first, let last = unit.last else { return nil }
            let lower = statements[first].range.start.offset
            let upper = max(lower, statements[last].range.end.offset)
            let parts = statements[unit].map {
                Part(range: ($0.range.start.offset - lower)..<(max($0.range.start.offset, $0.range.end.offset) - lower), start: $0.range.start)
            }
            return SQLStep(sql: source.text(lower..<upper), parts: parts,
                           connectionSettings: statements[unit].compactMap { Applier.connectionSetting($0, in: source) })
        }
    }
}

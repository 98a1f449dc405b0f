import StrataCore

/// Files that are not text, and literals, quoted identifiers or comments left open.
public struct ParseErrorRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "parse-error",
        summary: "The file is not UTF-8 text, or a literal, quoted identifier or comment is never closed",
        rationale: """
            A migration that is binary, holds NUL bytes or is not valid UTF-8 cannot be read the way \
            the database will read it, and a string, quoted identifier, comment or dollar quote left \
            open swallows every statement after it: the database would fail or, worse, run less than \
            the author meant. A statement the reader does not know is never a parse error.
            """,
        help: "close the literal or comment where it was meant to end, or save the file as UTF-8 text",
        defaultSeverity: .error,
        suppressible: false,
        triggeringExamples: [
            Example("CREATE TABLE notes (body TEXT DEFAULT ↓'unclosed);\n", layout: .plain),
            Example("SELECT 1;\n↓/* a comment with no end\nDROP TABLE users;\n", layout: .plain),
            Example("CREATE TABLE ↓\"users (id INT);\n", layout: .plain),
            Example("CREATE FUNCTION f() RETURNS int AS ↓$body$ SELECT 1; $other$;\n", layout: .plain,
                    dialects: [.postgresql]),
            Example("SELECT 'fine';\nSELECT ↓\u{0}\u{1}\u{2};\n", layout: .plain),
        ],
        nonTriggeringExamples: [
            Example("INSERT INTO notes (body) VALUES ('it''s closed');\n", layout: .plain),
            Example("/* outer /* nested */ still a comment */ SELECT 1;\n", layout: .plain, dialects: [.postgresql]),
            Example("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n", layout: .plain,
                    dialects: [.postgresql]),
            Example("FROBNICATE THE DATABASE PLEASE;\n", layout: .plain),
            Example("INSERT INTO t VALUES ('héllo wörld ✓');\n", layout: .plain),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        if let problem = context.file.notText {
            return [Violation(at: problem.position, message: problem.reason)]
        }
        return context.source.issues.map { Violation(at: $0.position, message: $0.message) }
    }
}

import StrataCore
import StrataSyntax

public struct SQLitePgOnlySyntaxRule: Rule {
    public init() {}

    static let users = ("0001_users.sql", ExampleFile.migration("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, age TEXT);
        INSERT INTO users (email, age) VALUES ('ada@example.com', '36');
        """, down: "DROP TABLE users;"))

    public static let description = RuleDescription(
        id: "sqlite-pg-only-syntax",
        summary: "PostgreSQL-only syntax in a SQLite migration",
        rationale: """
            SQLite rejects PostgreSQL's syntax with a syntax error, so the migration fails where it \
            runs (often first in production, when development used PostgreSQL or only a linter): \
            CREATE/DROP INDEX CONCURRENTLY, NOT VALID, SET (lock_timeout, statement_timeout, or \
            any other: SQLite has PRAGMA instead), `::` casts, USING in CREATE INDEX or ALTER \
            TABLE, DROP ... CASCADE, TRUNCATE, and statements SQLite does not have at all \
            (CREATE EXTENSION, CREATE SCHEMA, CREATE TYPE/DOMAIN/SEQUENCE/FUNCTION, COMMENT ON, \
            GRANT, DO...). Only real tokens count: text in strings and comments does not. ALTER \
            TABLE forms SQLite lacks (ALTER COLUMN ... TYPE ... USING, ADD CONSTRAINT ... NOT \
            VALID) are reported once, by sqlite-alter-unsupported.
            """,
        help: """
            write the SQLite form: plain CREATE INDEX (SQLite locks the database for the build), \
            PRAGMA instead of SET, CAST(x AS type) instead of x::type, DROP without CASCADE (drop \
            dependents first), DELETE FROM instead of TRUNCATE; drop statements SQLite has no use for \
            (extensions, schemas, grants); or point `dialect` at postgresql if the migrations are for it
            """,
        defaultSeverity: .error,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration("CREATE INDEX ↓CONCURRENTLY idx_users_email ON users (email);\n↓SET lock_timeout = '2s';",
                                          down: "DROP INDEX idx_users_email;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("UPDATE users SET age = age↓::integer WHERE email IS NOT NULL;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("↓CREATE EXTENSION IF NOT EXISTS citext;\n↓CREATE SCHEMA reporting;"),
                    dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN score INTEGER CHECK (score >= 0) ↓NOT VALID;\nCREATE INDEX idx_users_age ON users ↓USING btree (age);"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("↓SET statement_timeout TO 5000;\n↓TRUNCATE users;\nDROP TABLE users ↓CASCADE;"),
                    earlier: [users], dialects: [.sqlite]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE INDEX idx_users_email ON users (email);
                INSERT INTO users (email, age) VALUES ('x::y', 'SET lock_timeout = 1');
                -- CREATE INDEX CONCURRENTLY would be PostgreSQL
                UPDATE users SET age = CAST(age AS INTEGER);
                """, down: "DROP INDEX idx_users_email;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ALTER COLUMN age TYPE integer USING age::integer;\nPRAGMA busy_timeout = 5000;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\nSET lock_timeout = '2s';"),
                    earlier: [users], dialects: [.postgresql]),
        ])

    /// Statements SQLite does not have, by the reader's label.
    static let foreignStatements: Set<String> = [
        "create extension", "create schema", "create type", "create domain", "create sequence",
        "create function", "create procedure", "create materialized view", "create role", "create user",
        "create policy", "create publication", "create aggregate", "create operator",
        "alter type", "alter sequence", "alter schema", "alter extension", "alter function", "alter index",
        "alter database", "alter role", "alter view", "alter materialized view", "alter default privileges",
        "comment on", "grant", "revoke", "do", "refresh materialized view", "cluster", "listen", "notify",
        "set", "reset", "truncate",
    ]

    public func check(_ context: RuleContext) -> [Violation] {
        let source = context.source
        let covered = SQLiteHazards.unsupportedAlterRanges(context)
        var violations: [Violation] = []
        func report(_ position: Int, in run: SQLiteTokenRun, _ message: String) {
            let token = run.token(position)
            guard !covered.contains(where: { $0.contains(token.offset) }) else { return }
            violations.append(Violation(range: SQLiteHazards.range(of: token, in: source), message: message))
        }
        for statement in context.upStatements {
            // Most statements need no token run at all (a plain CREATE TABLE or INDEX holds
            // neither `::` nor NOT VALID): it is made only when a check below reads it.
            var made: SQLiteTokenRun?
            func tokenRun() -> SQLiteTokenRun {
                if let made { return made }
                let run = SQLiteTokenRun(source, statement.tokens)
                made = run
                return run
            }
            // Whole statements SQLite does not have.
            var label: String?
            switch statement.kind {
            case .set(let set): label = "SET \(set.name)"
            case .truncate: label = "TRUNCATE"
            case .other(let l) where Self.foreignStatements.contains(l): label = l.uppercased()
            case .drop(let drop) where [.schema, .database, .type, .sequence, .function, .procedure, .extension, .materializedView].contains(drop.objectKind):
                label = "DROP \(drop.objectKind.rawValue.uppercased())"
            default: break
            }
            if let label {
                let run = tokenRun()
                if run.count > 0 { report(0, in: run, "\(label) is PostgreSQL syntax that SQLite does not have") }
                continue
            }
            // Words and operators inside statements SQLite otherwise has.
            switch statement.kind {
            case .createIndex(let index) where index.concurrently || index.method != nil:
                let run = tokenRun()
                if index.concurrently, let p = (0..<min(run.count, 4)).first(where: { run.isWord($0, "concurrently") }) {
                    report(p, in: run, "CREATE INDEX CONCURRENTLY is PostgreSQL syntax; SQLite has no CONCURRENTLY")
                }
                if let method = index.method, let p = run.topLevel.first(where: { run.isWord($0, "using") }) {
                    report(p, in: run, "CREATE INDEX ... USING \(method) is PostgreSQL syntax; SQLite has one kind of index")
                }
            case .drop(let drop) where drop.concurrently || drop.cascade:
                let run = tokenRun()
                if drop.concurrently, let p = (0..<min(run.count, 4)).first(where: { run.isWord($0, "concurrently") }) {
                    report(p, in: run, "DROP INDEX CONCURRENTLY is PostgreSQL syntax; SQLite has no CONCURRENTLY")
                }
                if drop.cascade, let p = run.topLevel.last(where: { run.isWord($0, "cascade") }) {
                    report(p, in: run, "DROP ... CASCADE is PostgreSQL syntax; SQLite drops one object without its dependents")
                }
            case .alterTable:
                let run = tokenRun()
                for p in run.topLevel where run.isWord(p, "using") {
                    report(p, in: run, "USING in ALTER TABLE is PostgreSQL syntax")
                }
            case .other(let l) where l == "reindex":
                let run = tokenRun()
                if let p = (0..<min(run.count, 4)).first(where: { run.isWord($0, "concurrently") }) {
                    report(p, in: run, "REINDEX CONCURRENTLY is PostgreSQL syntax; SQLite has no CONCURRENTLY")
                }
            default:
                break
            }
            let definesConstraints: Bool
            switch statement.kind {
            case .alterTable, .createTable: definesConstraints = true
            default: definesConstraints = false
            }
            guard Self.mayHoldTokenHazards(statement, in: source) else { continue }
            let run = tokenRun()
            for p in 0..<run.count {
                if definesConstraints, Self.isNotValid(run, p) {
                    report(p, in: run, "NOT VALID is PostgreSQL syntax; SQLite checks constraints when they are created")
                }
                if run.isOperator(p, "::"), !Self.isTclVariable(run, p) {
                    report(p, in: run, "`::` casts are PostgreSQL syntax; SQLite writes CAST(x AS type)")
                }
            }
        }
        return violations
    }

    /// Whether any token of the statement is `::` or the word VALID: what the token loop
    /// looks for, found without building the statement's token run.
    static func mayHoldTokenHazards(_ statement: Statement, in source: SourceText) -> Bool {
        let tokens = source.tokens
        for i in statement.tokens.clamped(to: 0..<tokens.count) {
            let token = tokens[i]
            switch token.kind {
            case .operator_ where token.byteRange.count == 2:
                if source.bytes[token.offset] == UInt8(ascii: ":"), source.bytes[token.offset + 1] == UInt8(ascii: ":") { return true }
            case .word:
                if source.isWord(token, "valid") { return true }
            default:
                break
            }
        }
        return false
    }

    /// `NOT VALID` after a constraint (`... REFERENCES t (id) NOT VALID`, `CHECK (...) NOT VALID`),
    /// not `NOT valid` on a column named `valid`.
    static func isNotValid(_ run: SQLiteTokenRun, _ p: Int) -> Bool {
        guard p > 0, run.isWord(p, "not"), run.isWord(p + 1, "valid") else { return false }
        let next = p + 2
        guard next >= run.count || run.isPunct(next, ",") || run.isPunct(next, ")") else { return false }
        if run.isPunct(p - 1, ")") { return true }
        guard run.kind(p - 1) == .word || run.kind(p - 1) == .quotedIdentifier, let previous = run.name(p - 1) else { return false }
        return run.kind(p - 1) == .quotedIdentifier || !SQLiteTokenRun.operandKeywords.contains(previous)
    }

    /// `$ns::name`: SQLite reads `::` inside a `$` parameter name (a Tcl namespace).
    static func isTclVariable(_ run: SQLiteTokenRun, _ p: Int) -> Bool {
        guard p > 0, run.kind(p - 1) == .parameter, run.token(p - 1).endOffset == run.token(p).offset else { return false }
        return run.text(p - 1).hasPrefix("$")
    }
}

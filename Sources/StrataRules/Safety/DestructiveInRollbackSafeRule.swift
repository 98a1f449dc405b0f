import StrataCore
import StrataSyntax

public struct DestructiveInRollbackSafeRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "destructive-in-rollback-safe",
        summary: "A file marked @rollbackSafe: true destroys data in its UP section",
        rationale: """
            `@rollbackSafe: true` promises that DOWN restores the database as it was. DROP TABLE, \
            DROP COLUMN, DROP SCHEMA/DATABASE, TRUNCATE, DELETE, UPDATE and ALTER COLUMN ... TYPE \
            destroy or rewrite data that no DOWN section can bring back, so rollback tooling \
            (and people) would trust a promise the file cannot keep. Tables created earlier in the \
            same UP section hold no older data and are exempt; words inside strings, comments or \
            function bodies never count.
            """,
        help: "mark the file `@rollbackSafe: false`, or move the destructive step to its own migration",
        defaultSeverity: .error,
        requires: .metadata,
        triggeringExamples: [
            Example(ExampleFile.migration("↓DROP TABLE legacy_sessions;")),
            Example(ExampleFile.migration("ALTER TABLE users ↓DROP COLUMN nickname;")),
            Example(ExampleFile.migration("↓DELETE FROM audit_log WHERE created_at < '2020-01-01';")),
            Example(ExampleFile.migration("↓UPDATE users SET email = lower(email);")),
            Example(ExampleFile.migration("↓TRUNCATE audit_log;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("↓DROP SCHEMA reporting CASCADE;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ↓ALTER COLUMN age TYPE bigint;"), dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("DROP TABLE legacy_sessions;", rollbackSafe: "false")),
            Example(ExampleFile.migration("CREATE TABLE users (id INT PRIMARY KEY);\nCREATE INDEX idx_users_id ON users (id);")),
            Example(ExampleFile.migration("INSERT INTO settings (key, value) VALUES ('mode', 'DROP TABLE users');")),
            Example(ExampleFile.migration("-- DELETE FROM users; was considered and rejected\nCREATE TABLE t (id INT);")),
            Example(ExampleFile.migration("""
                CREATE FUNCTION purge() RETURNS void AS $$ DELETE FROM sessions; $$ LANGUAGE sql;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE staging (id INT);
                INSERT INTO staging VALUES (1);
                UPDATE staging SET id = 2;
                DELETE FROM staging WHERE id = 2;
                DROP TABLE staging;
                """)),
            Example(ExampleFile.migration("DROP INDEX IF EXISTS idx_users_email;\nDROP VIEW IF EXISTS active_users;")),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.file.rollbackSafe == true else { return [] }
        var createdHere = Set<String>()
        var violations: [Violation] = []
        func report(_ range: SourceRange, _ what: String) {
            violations.append(Violation(range: range, message: "\(what) in a migration marked @rollbackSafe: true"))
        }
        for statement in context.upStatements {
            switch statement.kind {
            case .createTable(let create):
                createdHere.insert(create.name.key)
            case .drop(let drop):
                switch drop.objectKind {
                case .table:
                    let old = drop.names.filter { !createdHere.contains($0.key) }
                    if !old.isEmpty { report(statement.range, "DROP TABLE \(old.map(\.description).joined(separator: ", "))") }
                case .schema, .database:
                    report(statement.range, "DROP \(drop.objectKind.rawValue.uppercased())")
                default:
                    break
                }
            case .truncate(let truncate):
                if truncate.tables.contains(where: { !createdHere.contains($0.key) }) {
                    report(statement.range, "TRUNCATE")
                }
            case .delete(let change) where !createdHere.contains(change.table.key):
                report(statement.range, "DELETE FROM \(change.table)")
            case .update(let change) where !createdHere.contains(change.table.key):
                report(statement.range, "UPDATE \(change.table)")
            case .alterTable(let alter) where !createdHere.contains(alter.name.key):
                for (action, range) in alter.actions {
                    switch action {
                    case .dropColumn(let column, _, _):
                        report(range, "DROP COLUMN \(column) of \(alter.name)")
                    case .alterColumnType(let column, let type, _):
                        report(range, "ALTER COLUMN \(column) TYPE \(type) on \(alter.name)")
                    default:
                        break
                    }
                }
            case .alterTable(let alter):
                for (action, _) in alter.actions {
                    if case .renameTable(let to) = action { createdHere.insert(to.key) }
                }
            default:
                break
            }
        }
        return violations
    }
}

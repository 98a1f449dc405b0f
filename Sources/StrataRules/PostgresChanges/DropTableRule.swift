import StrataCore
import StrataSyntax

public struct DropTableRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "drop-table",
        summary: "DROP TABLE of a table that exists before this migration",
        rationale: """
            Dropping a table deletes its rows for good (only a backup brings them back, and no \
            DOWN section can), and any running code that still reads or writes it fails with \
            `relation ... does not exist` until it is redeployed. PostgreSQL takes an ACCESS \
            EXCLUSIVE lock on the table and on tables whose foreign keys point at it. Tables \
            created earlier in the same file or new on the branch are skipped, and so is the \
            swap that renames a rebuilt copy to the dropped name later in the file.
            """,
        help: "first ship code that no longer uses the table, keep the data (rename it to `<name>_deprecated` or archive it), and drop it in a later migration once nothing reads it",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("↓DROP TABLE legacy_sessions;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("↓DROP TABLE IF EXISTS audit_log, login_attempts CASCADE;"),
                    earlier: [("0001_audit.sql", ExampleFile.migration("CREATE TABLE audit_log (id bigint PRIMARY KEY);"))],
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE TABLE tmp_import (id bigint);\n↓DROP TABLE tmp_import, old_import;"),
                    dialects: [.postgresql]),
            Example("""
                -- +goose Up
                -- +goose StatementBegin
                ALTER TABLE sessions ADD COLUMN revoked_at timestamptz;
                ↓DROP TABLE legacy_sessions;
                -- +goose StatementEnd
                """, layout: .goose, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TEMP TABLE batch_ids (id bigint);
                INSERT INTO batch_ids SELECT id FROM users WHERE deleted;
                DROP TABLE batch_ids;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE users_new (id bigint PRIMARY KEY, email text NOT NULL);
                INSERT INTO users_new SELECT id, email FROM users;
                DROP TABLE users;
                ALTER TABLE users_new RENAME TO users;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("DROP INDEX idx_users_email;\nDROP VIEW active_users;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                SELECT id INTO TEMP TABLE stale_ids FROM sessions WHERE expires_at < now();
                DELETE FROM sessions WHERE id IN (SELECT id FROM stale_ids);
                DROP TABLE stale_ids;
                """), dialects: [.postgresql]),
            Example("DROP SEQUENCE IF EXISTS users_id_seq;\nDROP TYPE IF EXISTS mood;\nDROP MATERIALIZED VIEW daily_totals;\n",
                    layout: .plain, dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.drop) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .drop(let drop) = statement.kind, drop.objectKind == .table else { continue }
            var old: [ObjectName] = []
            for name in drop.names {
                if let reason = PostgresChangeSupport.newTableReason(context, name, before: index) {
                    violations.append(context.skipped(Self.description.id, at: statement.range, reason: reason))
                } else if !PostgresChangeSupport.nameReestablished(context, key: name.key, after: index, byCreateTable: false) {
                    old.append(name)
                }
            }
            if !old.isEmpty {
                let list = old.map(\.description).joined(separator: ", ")
                violations.append(Violation(range: statement.range,
                                            message: "dropping table\(old.count > 1 ? "s" : "") \(list) deletes \(old.count > 1 ? "their" : "its") data and breaks running code that still uses \(old.count > 1 ? "them" : "it")"))
            }
        }
        return violations
    }
}

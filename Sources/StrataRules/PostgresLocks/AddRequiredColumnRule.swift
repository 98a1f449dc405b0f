import StrataCore
import StrataSyntax

public struct AddRequiredColumnRule: Rule {
    public init() {}

    static let id = "add-required-column"

    public static let description = RuleDescription(
        id: id,
        summary: "ADD COLUMN ... NOT NULL without a DEFAULT on a table that may hold data",
        rationale: """
            PostgreSQL fills the new column of every existing row with its default, NULL when \
            there is none; a NOT NULL (or PRIMARY KEY) column without a DEFAULT therefore makes \
            the ALTER fail with "column contains null values" as soon as the table has one row. \
            Even where it succeeds (an empty table), the application code already running does not \
            know the column, and each of its INSERTs then fails. Generated, identity and serial \
            columns fill themselves and are not reported, nor is a table this file empties first \
            (TRUNCATE, or DELETE without WHERE); a table created earlier in the same file, or new \
            on the branch, is exempt.
            """,
        help: "give the column a DEFAULT, or add it nullable, backfill it, then add `CHECK (col IS NOT NULL) NOT VALID`, VALIDATE it and SET NOT NULL in later migrations",
        defaultSeverity: .error,
        dialects: [.postgresql],
        traceExpectation: .lock(.accessExclusive),
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ↓ADD COLUMN tenant_id BIGINT NOT NULL;"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY);"),
                    dialects: [.postgresql]),
            Example("alter table accounts ↓add column region text not null default null, ↓add code int primary key;\n",
                    layout: .plain, dialects: [.postgresql]),
            // Each statement of a goose block is read on its own: the second one adds the column.
            Example("""
                -- +goose Up
                -- +goose StatementBegin
                ALTER TABLE accounts ADD COLUMN note text; ALTER TABLE users ↓ADD COLUMN tenant_id BIGINT NOT NULL;
                -- +goose StatementEnd
                """, layout: .goose, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example("ALTER TABLE users ADD COLUMN tenant_id BIGINT NOT NULL DEFAULT 0;\nALTER TABLE users ADD COLUMN nickname TEXT;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE users ADD COLUMN seq BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY;\nALTER TABLE users ADD COLUMN total NUMERIC NOT NULL GENERATED ALWAYS AS (price * qty) STORED;\nALTER TABLE users ADD COLUMN n BIGSERIAL NOT NULL;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("DELETE FROM password_resets;\nALTER TABLE password_resets ADD COLUMN account_id BIGINT NOT NULL;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE teams (id BIGINT PRIMARY KEY);
                ALTER TABLE teams ADD COLUMN owner_id BIGINT NOT NULL;
                """), dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        PGLock.checkActions(Self.id, context) { found in
            guard case .addColumn(let column, _) = found.action, column.notNull || column.primaryKey,
                  column.defaultExpression.map(PGLock.isNullDefault) ?? true,
                  !column.generated, !column.identity, !PGLock.isSerial(column.type),
                  !PGLock.emptied(found.table, context, before: found.index) else { return nil }
            return Violation(range: found.range,
                             message: "ADD COLUMN \(column.name) on \(found.table) is NOT NULL with no DEFAULT: it fails if the table has a row, and the running code's INSERTs fail without it")
        }
    }
}

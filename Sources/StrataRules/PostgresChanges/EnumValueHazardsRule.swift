import StrataCore
import StrataSyntax

public struct EnumValueHazardsRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "enum-value-hazards",
        summary: "ALTER TYPE ... ADD VALUE that fails or cannot be used in the migration's transaction, RENAME VALUE, or removing enum values through pg_enum",
        rationale: """
            Before PostgreSQL 12, `ALTER TYPE ... ADD VALUE` refuses to run inside a transaction \
            block: Strata then runs such a file outside one by itself, so a header that asks for a \
            transaction (`@transaction: true`) is reported. From 12 on it runs, but the new value \
            cannot be used until the transaction commits: an INSERT, UPDATE or index predicate in \
            the same migration that writes the new label fails with `unsafe use of new value`. \
            `RENAME VALUE` changes a label that deployed code still writes and compares against, \
            so those writes fail until the code is redeployed. Enum types created earlier in the \
            same file are exempt (PostgreSQL allows both there). PostgreSQL has no DROP VALUE: \
            deleting or relabelling rows of `pg_enum` directly is reported, since rows and \
            running code may still hold the value (and indexes on the type can break). \
            Re-creating the type to remove a value is not reported: Strata cannot see which \
            values the old type had, and the same pattern is used to add values.
            """,
        help: "put ADD VALUE in a migration of its own that runs outside a transaction (`-- @transaction: false`, or the folder's tool's own way) and use the new value from the next migration on; instead of RENAME VALUE, add the new label, move rows and code to it, and retire the old one later",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("↓ALTER TYPE order_status ADD VALUE 'refunded';")
                        .replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: true\n-- UP MIGRATION"),
                    dialects: [.postgresql], versions: DialectVersions(postgres: 11)),
            Example(ExampleFile.migration("""
                ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';
                UPDATE orders SET status = ↓'refunded' WHERE refunded_at IS NOT NULL;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("↓ALTER TYPE public.order_status RENAME VALUE 'canceled' TO 'cancelled';"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                ↓DELETE FROM pg_enum WHERE enumlabel = 'legacy' AND enumtypid = 'order_status'::regtype;
                ↓UPDATE pg_catalog.pg_enum SET enumlabel = 'cancelled' WHERE enumlabel = 'canceled';
                """), dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("ALTER TYPE order_status ADD VALUE 'refunded';")
                        .replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: false\n-- UP MIGRATION"),
                    dialects: [.postgresql], versions: DialectVersions(postgres: 11)),
            Example(ExampleFile.migration("ALTER TYPE order_status ADD VALUE 'refunded';"),
                    dialects: [.postgresql], versions: DialectVersions(postgres: 11)),
            Example(ExampleFile.migration("ALTER TYPE order_status ADD VALUE 'refunded';\nCOMMENT ON TYPE order_status IS 'states of an order';"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TYPE mood AS ENUM ('sad', 'ok');
                ALTER TYPE mood ADD VALUE 'happy';
                ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';
                CREATE TABLE people (id bigint PRIMARY KEY, mood mood NOT NULL DEFAULT 'happy');
                """), dialects: [.postgresql], versions: DialectVersions(postgres: 11)),
            Example(ExampleFile.migration("ALTER TYPE order_status RENAME TO order_state;\nALTER TYPE address ADD ATTRIBUTE zip text;"),
                    dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let source = context.source
        // Before PostgreSQL 12 the applier runs a file adding an enum value outside a
        // transaction unless its header asks for one: ask with the configured version.
        let wrapped = context.file.nonTransactionalReason(postgresMajor: context.versions.postgres) == nil
        var violations: [Violation] = []
        let statements = context.upStatements
        for (index, statement) in statements.enumerated() {
            // Removing or relabelling values by writing the catalog (there is no DROP VALUE).
            switch statement.kind {
            case .delete(let change) where Self.isEnumCatalog(change.table):
                violations.append(Violation(range: statement.range,
                                            message: "deleting from pg_enum removes enum values that running code and stored rows may still use",
                                            help: Self.catalogHelp))
                continue
            case .update(let change) where Self.isEnumCatalog(change.table):
                violations.append(Violation(range: statement.range,
                                            message: "updating pg_enum relabels enum values that running code still writes",
                                            help: Self.catalogHelp))
                continue
            default:
                break
            }
            guard case .other("alter type") = statement.kind else { continue }
            let words = PostgresChangeSupport.significant(statement, in: source)
            guard let (type, next) = PostgresChangeSupport.objectKey(source, words, at: 2) else { continue }
            let adds = PostgresChangeSupport.isWord(source, PostgresChangeSupport.element(words, next), "add")
            let renames = PostgresChangeSupport.isWord(source, PostgresChangeSupport.element(words, next), "rename")
            guard adds || renames, PostgresChangeSupport.isWord(source, PostgresChangeSupport.element(words, next + 1), "value") else { continue }
            if PostgresChangeSupport.createdEarlier(context, kind: "type", key: type, before: index) {
                violations.append(context.skipped(Self.description.id, at: statement.range,
                                                  reason: "type \(type) is created earlier in this file"))
                continue
            }
            if renames {
                violations.append(Violation(range: statement.range,
                                            message: "renaming a value of enum \(type) breaks running code that still writes the old label",
                                            help: "instead of RENAME VALUE, add the new label, move rows and code to it, and retire the old one later"))
                continue
            }
            guard wrapped else { continue }
            if context.versions.postgres < 12 {
                violations.append(Violation(range: statement.range,
                                            message: "ALTER TYPE \(type) ADD VALUE cannot run inside a transaction block on PostgreSQL \(context.versions.postgres)",
                                            help: "put ADD VALUE \(Hints.inMigrationOutsideTransaction(context)), and use the new value from the next migration on"))
                continue
            }
            var at = next + 2
            if PostgresChangeSupport.isWord(source, PostgresChangeSupport.element(words, at), "if") { at += 3 }
            guard let labelToken = PostgresChangeSupport.element(words, at),
                  let label = PostgresChangeSupport.stringValue(source, labelToken) else { continue }
            if let use = firstUse(of: label, in: statements, after: index, source: source) {
                violations.append(Violation(range: PostgresChangeSupport.range(of: use, in: source),
                                            message: "'\(label)' is used in the transaction that adds it to enum \(type); PostgreSQL refuses a value before it is committed",
                                            help: "use '\(label)' from the next migration on, or put ADD VALUE \(Hints.inMigrationOutsideTransaction(context)) before the statements that use it"))
            }
        }
        return violations
    }

    /// What to do instead of writing pg_enum.
    static let catalogHelp = "leave pg_enum to PostgreSQL: move rows and code off the value, then re-create the type without it (or keep the value, unused)"

    static func isEnumCatalog(_ table: ObjectName) -> Bool {
        table.name == "pg_enum" && (table.schema == nil || table.schema == "pg_catalog")
    }

    /// The first string literal equal to `label` in a statement after `index` (ALTER TYPE, CREATE TYPE
    /// and COMMENT ON aside), up to a COMMIT that would make the value usable.
    private func firstUse(of label: String, in statements: [Statement], after index: Int, source: SourceText) -> Int? {
        for statement in statements.dropFirst(index + 1) {
            switch statement.kind {
            case .transaction(.commit):
                return nil
            case .other(let words) where words == "alter type" || words == "create type" || words.hasPrefix("comment"):
                continue
            default:
                for token in PostgresChangeSupport.significant(statement, in: source)
                where PostgresChangeSupport.stringValue(source, token) == label {
                    return token
                }
            }
        }
        return nil
    }
}

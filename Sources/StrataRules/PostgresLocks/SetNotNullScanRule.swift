import StrataCore
import StrataSyntax

public struct SetNotNullScanRule: Rule {
    public init() {}

    static let id = "set-not-null-scan"

    public static let description = RuleDescription(
        id: id,
        summary: "ALTER COLUMN ... SET NOT NULL scans a table that may hold data",
        rationale: """
            SET NOT NULL takes an ACCESS EXCLUSIVE lock and then reads every row to prove the \
            column holds no NULL, so no query can read or write the table for the whole scan. \
            Since PostgreSQL 12 the scan is skipped when a valid CHECK (col IS NOT NULL) \
            constraint already proves it: add that constraint NOT VALID (brief lock, no scan), \
            VALIDATE it in a later migration (SHARE UPDATE EXCLUSIVE, reads and writes go on), \
            then SET NOT NULL and drop the CHECK. Strata's schema model keeps the CHECK (col IS \
            NOT NULL) constraints of earlier migrations and whether they were validated, so it \
            stays quiet when: an earlier migration added and validated such a CHECK; this file \
            validates one before the SET NOT NULL (run outside a transaction, that is the \
            whole safe sequence); this file drops, with or after the SET NOT NULL, a constraint of \
            the table whose name mentions the column and null/nn/check/chk (the helper CHECK of \
            an earlier migration); or the table has a constraint whose expression Strata did not read (a column CHECK, a \
            longer expression) and whose name mentions the column and null or nn. Such a name \
            only suggests the CHECK exists and was validated. Nor is a \
            SET NOT NULL reported when the same ALTER re-declares the column's type without \
            USING, the way schema tools re-declare a column that is mostly NOT NULL already (an \
            already NOT NULL column is not scanned again). These are the known gaps, accepted to \
            stay precise; a SET NOT NULL on a column that is already NOT NULL elsewhere is still \
            reported, since the schema model does not tell the state before this file. Targets before PostgreSQL 12 always scan. \
            A table created earlier in the same file, or new on the branch, is exempt.
            """,
        help: "add `CONSTRAINT t_col_nn CHECK (col IS NOT NULL) NOT VALID`, VALIDATE it in a later migration, then SET NOT NULL and drop the CHECK (PostgreSQL 12+)",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .lock(.accessExclusive),
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ↓ALTER COLUMN email SET NOT NULL;"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);"),
                    dialects: [.postgresql]),
            Example("alter table orders ↓alter customer_id set not null, ↓alter column placed_at set not null;\n",
                    earlier: [("0001_orders.sql", "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT, placed_at TIMESTAMPTZ);\n")],
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE \"Post\" ↓ALTER COLUMN \"authorId\" SET NOT NULL;\n",
                    earlier: [("0001_init.sql", "CREATE TABLE \"Post\" (\"id\" SERIAL PRIMARY KEY, \"authorId\" INTEGER);\n")],
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE users ↓ALTER COLUMN email SET NOT NULL, DROP CONSTRAINT users_email_not_null;\n",
                    layout: .plain, dialects: [.postgresql], versions: DialectVersions(postgres: 11)),
            // The helper CHECK was added NOT VALID but never validated: the scan still runs.
            Example(ExampleFile.migration("ALTER TABLE users ↓ALTER COLUMN email SET NOT NULL;"),
                    earlier: PGLockExample.base("""
                        CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);
                        ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
                        """),
                    dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(PGLockExample.noTransaction("""
                ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
                ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
                ALTER TABLE users ALTER COLUMN email SET NOT NULL;
                ALTER TABLE users DROP CONSTRAINT users_email_nn;
                """), dialects: [.postgresql]),
            Example("ALTER TABLE users ALTER COLUMN email SET NOT NULL, DROP CONSTRAINT users_email_not_null;\nALTER TABLE \"flows\" ALTER COLUMN \"ctx\" TYPE jsonb, ALTER COLUMN \"ctx\" SET NOT NULL;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
                    earlier: PGLockExample.base("""
                        CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);
                        ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
                        ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
                        """),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
                    earlier: [("0001_base.sql", ExampleFile.migration("""
                        CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);
                        ALTER TABLE users ADD CONSTRAINT email_present CHECK ("email" IS NOT NULL) NOT VALID;
                        """)),
                              ("0001_validate.sql", ExampleFile.migration("ALTER TABLE users VALIDATE CONSTRAINT email_present;"))],
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE profiles (id BIGINT PRIMARY KEY, handle TEXT);
                ALTER TABLE profiles ALTER COLUMN handle SET NOT NULL;
                """), dialects: [.postgresql]),
        ])

    /// SET NOT NULL without the scan (PostgreSQL 12+): a CHECK (col IS NOT NULL) added NOT
    /// VALID (unless `existing` names one), validated, then SET NOT NULL, then the CHECK
    /// dropped. The CHECK is named `<table>_<column>_nn`, not `_not_null`, which PostgreSQL 18
    /// gives the NOT NULL constraint itself.
    static func checkFirst(_ table: ObjectName, column: String, existing: String?) -> SuggestedSQL {
        let name = SQLIdentifier.quoted(existing ?? SQLIdentifier.derivedName([table.name, column], suffix: "nn", for: .postgresql),
                                        for: .postgresql)
        let alter = "ALTER TABLE \(table.sql(.postgresql))"
        let quotedColumn = SQLIdentifier.quoted(column, for: .postgresql)
        let add = existing == nil ? ["\(alter) ADD CONSTRAINT \(name) CHECK (\(quotedColumn) IS NOT NULL) NOT VALID"] : []
        return SuggestedSQL(add + ["\(alter) VALIDATE CONSTRAINT \(name)", "\(alter) ALTER COLUMN \(quotedColumn) SET NOT NULL",
                                   "\(alter) DROP CONSTRAINT \(name)"], placement: .instead)
    }

    static func help(_ fix: SuggestedSQL, existing: String?) -> String {
        let later = fix.statements.suffix(3).map { $0 + ";" }.joined(separator: " ")
        let first = existing == nil
            ? "add the CHECK NOT VALID here, `\(fix.statements[0]);`, and in a later migration"
            : "\(existing!) is still NOT VALID: in a migration after the one that added it,"
        return "\(first) validate it, set NOT NULL and drop it: `\(later)` (a valid CHECK spares SET NOT NULL the scan)"
    }

    /// Whether a constraint name reads like the helper CHECK of `column`.
    static func namesHelperCheck(_ name: String, column: String, markers: [String]) -> Bool {
        let name = name.lowercased()
        return name.contains(column.lowercased()) && markers.contains { name.contains($0) }
    }

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.setNotNull) else { return [] }
        let usesChecks = context.versions.postgres >= 12
        let actions = PGLock.alterActions(context)
        // CHECK (col IS NOT NULL) constraints of this file: by "table.column", whether valid yet;
        // NOT VALID ones by "table.constraint" until validated.
        var validColumns = Set<String>()
        var pending: [String: String] = [:]
        var violations: [Violation] = []
        for (n, found) in actions.enumerated() {
            let table = found.table.key
            switch found.action {
            case .addConstraint(let constraint):
                guard case .check(let expression) = constraint.kind, let column = SchemaModel.notNullColumn(expression) else { continue }
                if !constraint.notValid {
                    validColumns.insert("\(table).\(column)")
                } else if let name = constraint.name {
                    pending["\(table).\(name)"] = column
                }
            case .validateConstraint(let name):
                if let column = pending.removeValue(forKey: "\(table).\(name)") { validColumns.insert("\(table).\(column)") }
            case .setNotNull(let column):
                let name = column.name
                // `TYPE t, ALTER c SET NOT NULL` on one column is how schema tools (fizz's
                // change_column) re-declare a column, which is mostly NOT NULL already.
                if case .alterTable(let alter) = found.statement.kind, alter.actions.contains(where: {
                    if case .alterColumnType(let c, _, nil) = $0.action { return c.name == name }
                    return false
                }) {
                    continue
                }
                // Already NOT NULL before this file (an earlier migration says so): no scan.
                if context.tableBeforeFile(found.table)?.column(name)?.notNull == true,
                   !actions[..<n].contains(where: {
                       guard $0.table.key == table, case .dropNotNull(let dropped) = $0.action else { return false }
                       return dropped.name == name
                   }) {
                    continue
                }
                if usesChecks {
                    if validColumns.contains("\(table).\(name.filter { $0 != " " }.lowercased())") { continue }
                    // A CHECK (col IS NOT NULL) an earlier migration added and validated.
                    let before = context.tableBeforeFile(found.table)
                    if before?.hasValidNotNullCheck(name) == true { continue }
                    let dropsHelper = actions[n...].contains { later in
                        guard later.table.key == table, case .dropConstraint(let constraint, _, _) = later.action else { return false }
                        return Self.namesHelperCheck(constraint, column: name, markers: ["null", "nn", "check", "chk"])
                    }
                    if dropsHelper { continue }
                    // A name that reads like a helper CHECK, unless the model knows that constraint's
                    // expression (then its validity, above, decided).
                    let known = Set((before?.notNullChecks ?? []).compactMap(\.name))
                    let names = (context.schema.tables[table]?.constraintNames ?? []).subtracting(known)
                    if names.contains(where: { Self.namesHelperCheck($0, column: name, markers: ["null", "nn"]) }) { continue }
                }
                if let note = PGLock.skip(Self.id, context, table: found.table, statement: found.index, at: found.range) {
                    violations.append(note)
                    continue
                }
                // A CHECK (col IS NOT NULL) added NOT VALID and not validated yet (its column as
                // the model reads CHECKs: lower-cased).
                let column = name.lowercased()
                let unvalidated = pending.first { $0.key.hasPrefix("\(table).") && $0.value == column }.map { String($0.key.dropFirst(table.count + 1)) }
                    ?? context.tableBeforeFile(found.table)?.notNullChecks.first { !$0.valid && $0.column.lowercased() == column }?.name
                let fix = usesChecks ? Self.checkFirst(found.table, column: name, existing: unvalidated) : nil
                violations.append(Violation(
                    range: found.range,
                    message: "SET NOT NULL on \(found.table).\(name) reads every row under an ACCESS EXCLUSIVE lock, blocking the table's reads and writes for the scan",
                    help: fix.map { Self.help($0, existing: unvalidated) }, suggestion: fix))
            default:
                break
            }
        }
        return violations
    }
}

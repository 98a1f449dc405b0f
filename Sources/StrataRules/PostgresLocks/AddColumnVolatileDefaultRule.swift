import StrataCore
import StrataSyntax

public struct AddColumnVolatileDefaultRule: Rule {
    public init() {}

    static let id = "add-column-volatile-default"

    /// Built-in (and common extension) functions PostgreSQL marks VOLATILE that appear in column
    /// defaults. `now()`, `CURRENT_TIMESTAMP`, `statement_timestamp()` and the like are STABLE:
    /// evaluated once for the ALTER, so they do not rewrite. A user-defined function's volatility
    /// is unknown here, so it is not reported.
    static let volatileFunctions: Set<String> = [
        "clock_timestamp", "timeofday", "random", "random_normal", "setseed", "nextval",
        "gen_random_uuid", "uuidv4", "uuidv7", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
        "gen_random_bytes",
    ]

    public static let description = RuleDescription(
        id: id,
        summary: "ADD COLUMN with a default, or a stored generated value, that rewrites the table",
        rationale: """
            Since PostgreSQL 11, ADD COLUMN with a non-volatile DEFAULT (a constant, or a STABLE \
            call such as now() or CURRENT_TIMESTAMP, evaluated once) only records the value in the \
            catalog and is instant. A VOLATILE default (clock_timestamp(), random(), \
            gen_random_uuid(), uuid_generate_v4(), nextval(...)) must be computed for each row, so \
            PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, \
            which blocks every read and write of the table until the rewrite ends. Before \
            PostgreSQL 11 any non-NULL default rewrites the table (the rule then reports every \
            one, per `postgres.version` in strata.yml). Defaults calling user-defined functions \
            are not reported, since their volatility is not visible in the migration; \
            serial and identity columns are `add-column-serial`'s. A STORED generated column \
            (`GENERATED ALWAYS AS (...) STORED`, the only kind before PostgreSQL 18) is computed \
            and written for every row the same way; PostgreSQL 18's VIRTUAL ones are not.
            """,
        help: "add the column without a default (or with a constant one), backfill existing rows in batches, then `ALTER COLUMN ... SET DEFAULT` for new rows; for a generated value, a plain column filled by a trigger and a batched backfill (or a VIRTUAL column on PostgreSQL 18)",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .rewrite,
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ↓ADD COLUMN api_key UUID NOT NULL DEFAULT gen_random_uuid();"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY);"),
                    dialects: [.postgresql]),
            Example("alter table events ↓add column seen_at timestamptz default clock_timestamp(), ↓add score float8 default (random() * 10);\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE users ↓ADD COLUMN active BOOLEAN NOT NULL DEFAULT true;\n", layout: .plain,
                    dialects: [.postgresql], versions: DialectVersions(postgres: 10)),
            Example("ALTER TABLE people ↓ADD COLUMN full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED;\n",
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example("ALTER TABLE users ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT now();\nALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT true;\nALTER TABLE users ADD COLUMN seen TIMESTAMP DEFAULT CURRENT_TIMESTAMP;\nALTER TABLE users ADD COLUMN note TEXT DEFAULT 'random()';\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE users ADD COLUMN note TEXT;\nALTER TABLE users ADD COLUMN nickname TEXT DEFAULT NULL;\n",
                    layout: .plain, dialects: [.postgresql], versions: DialectVersions(postgres: 10)),
            Example(ExampleFile.migration("""
                CREATE TABLE tokens (id BIGINT PRIMARY KEY);
                ALTER TABLE tokens ADD COLUMN value UUID NOT NULL DEFAULT gen_random_uuid();
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN IF NOT EXISTS api_key UUID NOT NULL DEFAULT gen_random_uuid();"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY, api_key UUID NOT NULL);"),
                    dialects: [.postgresql]),
            Example("ALTER TABLE people ADD COLUMN full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) VIRTUAL;\nALTER TABLE people ADD COLUMN initials text GENERATED ALWAYS AS (left(first_name, 1));\n",
                    layout: .plain, dialects: [.postgresql], versions: DialectVersions(postgres: 18)),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let before11 = context.versions.postgres < 11
        return PGLock.checkActions(Self.id, context) { found in
            // ADD COLUMN IF NOT EXISTS of a column the table has already does nothing.
            if case .addColumn(let column, true) = found.action,
               context.tableBeforeFile(found.table)?.column(column.name.name) != nil {
                return nil
            }
            if case .addColumn(let column, _) = found.action, column.generated, !column.identity {
                // Without STORED or VIRTUAL: stored before PostgreSQL 18 (which requires the word), virtual from 18.
                let words = PGLockTokens(found.statement, context.source, within: found.range.byteRange)
                guard words.contains("stored") || (!words.contains("virtual") && context.versions.postgres < 18) else { return nil }
                return Violation(range: found.range,
                                 message: "ADD COLUMN \(column.name) on \(found.table) as a STORED generated column computes and writes it for every row: the table is rewritten under an ACCESS EXCLUSIVE lock, blocking its reads and writes")
            }
            guard case .addColumn(let column, _) = found.action, let expression = column.defaultExpression,
                  !PGLock.isNullDefault(expression), !PGLock.isSerial(column.type), !column.identity, !column.generated
            else { return nil }
            if let volatile = PGLock.functionCalls(in: expression).first(where: { Self.volatileFunctions.contains($0) }) {
                return Violation(range: found.range,
                                 message: "ADD COLUMN \(column.name) on \(found.table) with the volatile default \(volatile)() rewrites the table under an ACCESS EXCLUSIVE lock, blocking its reads and writes")
            }
            guard before11 else { return nil }
            return Violation(range: found.range,
                             message: "ADD COLUMN \(column.name) on \(found.table) with a DEFAULT rewrites the table under an ACCESS EXCLUSIVE lock before PostgreSQL 11 (target: \(context.versions.postgres))")
        }
    }
}

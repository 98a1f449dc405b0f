import StrataCore
import StrataSyntax

public struct MissingLockTimeoutRule: Rule {
    public init() {}

    static let id = "missing-lock-timeout"

    public static let description = RuleDescription(
        id: id,
        summary: "A statement that takes a strong lock on a table that may be busy, with no lock_timeout set before it",
        rationale: """
            ALTER TABLE, DROP TABLE, TRUNCATE, DROP TRIGGER and a plain DROP INDEX need an ACCESS \
            EXCLUSIVE lock, a plain CREATE INDEX a SHARE lock, CREATE TRIGGER a SHARE ROW \
            EXCLUSIVE lock, and so does CREATE TABLE on every table its foreign keys reference, as \
            does ALTER TABLE ... ADD FOREIGN KEY (NOT VALID or not, and from a table new in the \
            file too). DROP VIEW and DROP MATERIALIZED VIEW need an ACCESS EXCLUSIVE lock on the \
            view (every query of the view queues; the tables under it are not locked), and DROP \
            FUNCTION ... CASCADE one on every table whose triggers or indexes use the function, \
            which it drops with it (checked on PostgreSQL 15: DROP VIEW behind an open SELECT of \
            the view waited until lock_timeout cancelled it; DROP FUNCTION ... CASCADE of a \
            trigger function locked the trigger's table ACCESS EXCLUSIVE). Even when the change itself is instant, the \
            statement first waits for every transaction that touches the table to finish, and \
            while it waits, every later query on the table queues behind it: one long report or \
            idle transaction turns a quick migration into an outage. `SET lock_timeout` makes \
            the statement give up after the given time instead, so the migration fails cleanly \
            and can be retried. Strata's `--lock-timeout` bounds only its own migration lock, not \
            PostgreSQL's. When strata.yml sets `postgres.statement_lock_timeout`, `strata up` \
            runs every migration's statements with that lock_timeout (and retries a migration \
            that times out): the rule then reports nothing, only a note with `--verbose`, \
            naming the value. One finding per file, at the first such statement (the message counts the \
            others): one SET at the top fixes them all. Not reported: a table created earlier in the \
            same file or new on the branch, a view created by a plain CREATE VIEW earlier in the \
            file, DROP FUNCTION without CASCADE (it fails when anything uses the function) or of \
            a function a plain CREATE FUNCTION made earlier in the file, an ALTER TABLE whose actions all take SHARE UPDATE \
            EXCLUSIVE, which queues no reads or writes (VALIDATE CONSTRAINT, SET (storage \
            parameters), ALTER COLUMN ... SET STATISTICS, CLUSTER ON, SET WITHOUT CLUSTER), CONCURRENTLY operations, and a \
            lock_timeout set outside the file (role or database settings are not visible to \
            Strata).
            """,
        help: "put `SET lock_timeout = '5s';` (or `SET LOCAL` inside the transaction) at the top of the UP section, and retry the migration when it times out",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .lock(.share),
        triggeringExamples: [
            Example(ExampleFile.migration("↓ALTER TABLE users ADD COLUMN nickname TEXT;"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY);"),
                    dialects: [.postgresql]),
            Example("↓create index idx_orders_ref on orders (ref);\ndrop table legacy_sessions;\ntruncate audit_log;\nALTER TABLE users RENAME TO accounts;\nSET lock_timeout = '3s';\nALTER TABLE accounts ADD COLUMN note TEXT;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("SET lock_timeout = 0;\n↓DROP INDEX idx_users_email;\n", layout: .plain, dialects: [.postgresql]),
            Example("↓CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT REFERENCES customers (id));\n",
                    earlier: [("0001_base.sql", "CREATE TABLE customers (id BIGINT PRIMARY KEY);\n")], layout: .plain, dialects: [.postgresql]),
            Example("↓CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();\nDROP TRIGGER IF EXISTS orders_audit ON public.orders;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("↓DROP VIEW post_view;\nCREATE VIEW post_view AS SELECT id, title FROM post;\n", layout: .plain, dialects: [.postgresql]),
            Example("CREATE FUNCTION slug(t text) RETURNS text LANGUAGE sql AS 'SELECT lower(t)';\n↓DROP FUNCTION IF EXISTS hot_rank (numeric, timestamptz), slug CASCADE;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE person_actions AS SELECT person_id, target_id FROM person_follower;
                ↓ALTER TABLE person_actions ADD CONSTRAINT person_actions_person_fk FOREIGN KEY (person_id) REFERENCES person (id) NOT VALID;
                """), earlier: PGLockExample.base("CREATE TABLE person (id BIGINT PRIMARY KEY);\nCREATE TABLE person_follower (person_id BIGINT, target_id BIGINT);"),
                    dialects: [.postgresql]),
            Example("↓ALTER TABLE \"Post\" ADD COLUMN \"publishedAt\" TIMESTAMP(3);\n",
                    earlier: [("0001_init.sql", "CREATE TABLE \"Post\" (\"id\" SERIAL PRIMARY KEY);\n")], layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname TEXT;\nDROP INDEX idx_users_name;"),
                    dialects: [.postgresql]),
            Example(PGLockExample.noTransaction("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\nALTER TABLE orders SET (autovacuum_vacuum_scale_factor = 0.01), ALTER COLUMN total SET STATISTICS 500;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE reports (id BIGINT PRIMARY KEY, title TEXT);
                CREATE INDEX idx_reports_title ON reports (title);
                ALTER TABLE reports ADD COLUMN owner TEXT;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE folders (id BIGINT PRIMARY KEY, parent_id BIGINT REFERENCES folders (id));
                CREATE TABLE files (id BIGINT PRIMARY KEY, folder_id BIGINT REFERENCES folders (id));
                CREATE TRIGGER files_touch BEFORE UPDATE ON files FOR EACH ROW EXECUTE FUNCTION touch();
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE VIEW recent_posts AS SELECT 1 AS id;
                DROP VIEW recent_posts;
                CREATE MATERIALIZED VIEW post_counts AS SELECT 1 AS n;
                DROP MATERIALIZED VIEW post_counts;
                CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                DROP FUNCTION touch() CASCADE;
                DROP FUNCTION IF EXISTS old_helper(int);
                CREATE TABLE tags (id BIGINT PRIMARY KEY);
                CREATE TABLE post_tags (tag_id BIGINT);
                ALTER TABLE post_tags ADD FOREIGN KEY (tag_id) REFERENCES tags (id);
                """), dialects: [.postgresql]),
        ])

    /// The tables a CREATE TABLE's foreign keys reference (inline and table-level).
    static func referencedTables(_ create: CreateTable) -> [ObjectName] {
        var found: [ObjectName] = create.columns.compactMap { $0.references?.table }
        for constraint in create.constraints {
            if case .foreignKey(_, let references) = constraint.kind { found.append(references.table) }
        }
        var seen = Set<String>()
        return found.filter { seen.insert($0.key).inserted }
    }

    /// The table after the first top-level ON of a CREATE or DROP TRIGGER.
    static func triggerTable(_ statement: Statement, _ source: SourceText) -> ObjectName? {
        var t = PGLockTokens(statement, source)
        while t.token() != nil, !t.isWord("on") { t.advance() }
        guard t.isWord("on") else { return nil }
        t.advance()
        return t.objectName()
    }

    /// Whether an ALTER TABLE action takes only SHARE UPDATE EXCLUSIVE, which conflicts with no
    /// read or write.
    private func isWeak(_ action: AlterTableAction, range: SourceRange, _ statement: Statement, _ source: SourceText) -> Bool {
        switch action {
        case .validateConstraint:
            return true
        case .other(let label):
            if label == "set" || label == "cluster on" || label == "set without cluster" { return true }
            if label == "alter column" {
                var t = PGLockTokens(statement, source, within: range.byteRange)
                while !t.atEnd, !t.isWord("set") { t.advance() }
                return t.isWord("statistics", ahead: 1)
            }
            return false
        default:
            return false
        }
    }

    /// One finding per file, at the first lock-taking statement without a timeout: the fix (one
    /// `SET lock_timeout` at the top) covers every statement after it, and a finding per
    /// statement buried the other rules' findings on real projects.
    public func check(_ context: RuleContext) -> [Violation] {
        var violations: [Violation] = []
        // The first statement to report and the tables it waits for; its message is worded
        // once, after the loop (most statements are never reported).
        var first: (index: Int, tables: [ObjectName])?
        var more = 0
        let statements = context.upStatements
        for index in statements.indices {
            guard let tables = lockedTables(statements[index], at: index, context) else { continue }
            guard !context.lockTimeoutSet(beforeStatement: index) else { continue }
            var reasons: [String?] = []
            if !tables.isEmpty {
                reasons = tables.map { PGLock.newRelationReason($0, context, before: index) }
                if reasons.allSatisfy({ $0 != nil }), let reason = reasons[0] {
                    violations.append(context.skipped(Self.id, at: statements[index].range, reason: reason))
                    continue
                }
            }
            guard first == nil else { more += 1; continue }
            first = (index, reasons.isEmpty ? tables : zip(tables, reasons).filter { $0.1 == nil }.map(\.0))
        }
        if let first, let timeout = context.applierLockTimeout {
            // `strata up` runs every statement with this lock_timeout: nothing to fix here.
            let message = context.notesWanted
                ? "missing-lock-timeout skipped: strata up sets lock_timeout to \(LockSafety.describe(timeout)) for each migration's statements (postgres.statement_lock_timeout in strata.yml)"
                : ""
            violations.append(Violation(range: statements[first.index].range, message: message, severity: .note))
        } else if let first {
            let statement = statements[first.index]
            let rest = more == 0 ? "" : " (and \(more) more lock-taking statement\(more == 1 ? "" : "s") after it)"
            violations.append(Violation(range: statement.range,
                                        message: "\(what(statement, first.tables)) with no lock_timeout set before it, so queries queue behind it while it waits\(rest)",
                                        help: context.file.up?.marker == nil ? Self.helpForFile : Self.help, suggestion: Self.fix))
        }
        return violations
    }

    /// The fix and its help, the same for every file: written once.
    private static let fix = SuggestedSQL(["SET lock_timeout = '5s'"], placement: .before)
    private static let help = "put `\(fix.text)` (or `SET LOCAL` inside the transaction) at the top of the UP section, and retry the migration when it times out"
    /// For files with no UP marker (sqlx, Prisma, plain SQL...), where "the UP section" is the file.
    private static let helpForFile = "put `\(fix.text)` (or `SET LOCAL` inside the transaction) at the top of the file, and retry the migration when it times out"

    /// The tables a statement locks in a way that queues other queries (empty: an index whose
    /// table Strata cannot tell, taken to be on a table that may be busy); nil when it takes
    /// no such lock.
    private func lockedTables(_ statement: Statement, at index: Int, _ context: RuleContext) -> [ObjectName]? {
        switch statement.kind {
        case .alterTable(let alter):
            guard !alter.actions.isEmpty,
                  !alter.actions.allSatisfy({ isWeak($0.action, range: $0.range, statement, context.source) }) else { return nil }
            // A foreign key also locks the table it references SHARE ROW EXCLUSIVE, NOT VALID or
            // not, so a key from a table new in this file still waits on an existing one.
            let referenced = alter.actions.compactMap { AddForeignKeyValidatedRule.referencedTable($0.action) }
            guard !referenced.isEmpty else { return [alter.name] }
            var seen: Set<ObjectName> = [alter.name]
            return [alter.name] + referenced.filter { seen.insert($0).inserted }
        case .createIndex(let create) where !create.concurrently:
            return [create.table]
        case .drop(let drop) where drop.objectKind == .table && !drop.names.isEmpty:
            return drop.names
        case .drop(let drop) where drop.objectKind == .index && !drop.concurrently && !drop.names.isEmpty:
            let known = drop.names.map { PGLock.table(ofIndex: $0, context, before: index) }
            return known.allSatisfy({ $0 != nil }) ? known.compactMap { $0 } : []
        case .truncate(let truncate) where !truncate.tables.isEmpty:
            return truncate.tables
        case .createTable(let create):
            // A foreign key locks the table it references SHARE ROW EXCLUSIVE (its writes
            // wait), the new table itself is nobody's yet.
            let referenced = Self.referencedTables(create).filter { $0 != create.name }
            return referenced.isEmpty ? nil : referenced
        case .other(let words) where words.hasPrefix("create trigger") || words.hasPrefix("create or replace trigger")
                                   || words.hasPrefix("create constraint trigger"):
            return Self.triggerTable(statement, context.source).map { [$0] }
        case .drop(let drop) where drop.objectKind == .trigger:
            return Self.triggerTable(statement, context.source).map { [$0] }
        case .drop(let drop) where (drop.objectKind == .view || drop.objectKind == .materializedView) && !drop.names.isEmpty:
            return drop.names
        case .drop(let drop) where drop.objectKind == .function && drop.cascade:
            // The tables whose triggers or indexes use the function are not known here.
            return PGLock.functionsCreatedInFile(drop.names, context, before: index) ? nil : []
        default:
            return nil
        }
    }

    /// What the reported statement waits for.
    private func what(_ statement: Statement, _ tables: [ObjectName]) -> String {
        let names = tables.map(\.description).joined(separator: ", ")
        switch statement.kind {
        case .alterTable(let alter) where !tables.isEmpty && !tables.contains(alter.name):
            return "ALTER TABLE \(alter.name) adds a foreign key to \(names) and waits for a SHARE ROW EXCLUSIVE lock on it"
        case .alterTable(let alter):
            return "ALTER TABLE \(alter.name) waits for an ACCESS EXCLUSIVE lock"
        case .createIndex(let create):
            return "CREATE INDEX on \(create.table) waits for a SHARE lock"
        case .drop(let drop) where drop.objectKind == .table:
            return "DROP TABLE \(drop.names.map(\.description).joined(separator: ", ")) waits for an ACCESS EXCLUSIVE lock"
        case .drop(let drop) where drop.objectKind == .index:
            return "DROP INDEX \(drop.names.map(\.description).joined(separator: ", ")) waits for an ACCESS EXCLUSIVE lock on its table"
        case .truncate(let truncate):
            return "TRUNCATE \(truncate.tables.map(\.description).joined(separator: ", ")) waits for an ACCESS EXCLUSIVE lock"
        case .createTable(let create):
            return "CREATE TABLE \(create.name) with a foreign key to \(names) waits for a SHARE ROW EXCLUSIVE lock on it"
        case .drop(let drop) where drop.objectKind == .view || drop.objectKind == .materializedView:
            return "DROP \(drop.objectKind == .view ? "VIEW" : "MATERIALIZED VIEW") \(names) waits for an ACCESS EXCLUSIVE lock"
        case .drop(let drop) where drop.objectKind == .function:
            return "DROP FUNCTION \(drop.names.map(\.description).joined(separator: ", ")) CASCADE waits for an ACCESS EXCLUSIVE lock on every table whose triggers or indexes use it"
        case .drop:
            return "DROP TRIGGER on \(names) waits for an ACCESS EXCLUSIVE lock"
        default:
            return "CREATE TRIGGER on \(names) waits for a SHARE ROW EXCLUSIVE lock"
        }
    }
}

import StrataCore
import StrataSyntax

public struct SQLiteDropColumnRestrictedRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "sqlite-drop-column-restricted",
        summary: "ALTER TABLE DROP COLUMN of a column SQLite refuses to drop",
        rationale: """
            SQLite (3.35+) drops a column by editing the table's CREATE statement and checking \
            that the rest of the schema still reads. It refuses when the column is part of the \
            PRIMARY KEY or has a UNIQUE constraint, is indexed (plainly or in an expression), is \
            named in a partial index's WHERE, in a CHECK constraint other than the column's own, \
            in a table-level FOREIGN KEY of the table, in the expression of a generated column, \
            or in a view or trigger ("error in view v after drop column: no such column"). The \
            migration then fails where it runs. The rule sees what this file creates before the \
            DROP COLUMN: the table's definition and the indexes, views and triggers made in the \
            same file. Strata's schema model holds the state after the whole file, so keys and \
            indexes from earlier migrations are not seen; in views and triggers only a name that \
            is certainly the column counts (`t.c`, `NEW.c`/`OLD.c`, or a bare name in a view that \
            reads t alone). A column's inline REFERENCES and its own CHECK go with it, and a \
            foreign key of another table that points at it does not stop SQLite: neither is \
            reported.
            """,
        help: """
            drop or change what uses the column first (DROP INDEX, DROP VIEW / DROP TRIGGER and \
            create them again without it), or rebuild the table without the column \
            (https://www.sqlite.org/lang_altertable.html#otheralter) for keys and constraints
            """,
        defaultSeverity: .error,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, legacy_code TEXT, plan TEXT);
                CREATE INDEX idx_accounts_legacy ON accounts (legacy_code);
                INSERT INTO accounts (email, legacy_code, plan) VALUES ('ada@example.com', 'A1', 'free');
                ALTER TABLE accounts ↓DROP COLUMN legacy_code;
                """, down: "DROP TABLE accounts;"), dialects: [.sqlite]),
            Example(ExampleFile.migration("""
                CREATE TABLE invoices (
                  id INTEGER PRIMARY KEY,
                  number TEXT UNIQUE,
                  total INTEGER,
                  paid INTEGER CHECK (paid <= total),
                  status TEXT,
                  total_cents INTEGER GENERATED ALWAYS AS (total * 100) VIRTUAL
                );
                CREATE INDEX idx_invoices_open ON invoices (id) WHERE status = 'open';
                ALTER TABLE invoices ↓DROP COLUMN number;
                ALTER TABLE invoices ↓DROP COLUMN total;
                ALTER TABLE invoices ↓DROP COLUMN status;
                """, down: "DROP TABLE invoices;"), dialects: [.sqlite]),
            Example(ExampleFile.migration("""
                CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, nick TEXT, team_id INTEGER, FOREIGN KEY (team_id) REFERENCES teams (id));
                CREATE VIEW people_names AS SELECT id, nick FROM people;
                CREATE TRIGGER people_audit AFTER UPDATE ON people BEGIN INSERT INTO audit (note) VALUES (OLD.name); END;
                ALTER TABLE people ↓DROP COLUMN nick;
                ALTER TABLE people ↓DROP COLUMN name;
                ALTER TABLE people ↓DROP COLUMN team_id;
                """, down: "DROP TABLE people;"),
                    earlier: [("0001_base.sql", ExampleFile.migration("CREATE TABLE teams (id INTEGER PRIMARY KEY);\nCREATE TABLE audit (note TEXT);",
                                                                     down: "DROP TABLE audit;\nDROP TABLE teams;"))],
                    dialects: [.sqlite]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, legacy_code TEXT CHECK (legacy_code <> ''), team_id INTEGER REFERENCES teams (id));
                CREATE INDEX idx_accounts_email ON accounts (email);
                ALTER TABLE accounts DROP COLUMN legacy_code;
                ALTER TABLE accounts DROP COLUMN team_id;
                """, down: "DROP TABLE accounts;"), dialects: [.sqlite]),
            Example(ExampleFile.migration("""
                CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, legacy_code TEXT);
                CREATE INDEX idx_accounts_legacy ON accounts (legacy_code);
                DROP INDEX idx_accounts_legacy;
                CREATE VIEW account_emails AS SELECT a.email, t.legacy_code FROM accounts a JOIN teams t ON t.id = a.id;
                CREATE VIEW account_codes (legacy_code) AS SELECT email code FROM accounts;
                ALTER TABLE accounts DROP COLUMN legacy_code;
                """, down: "DROP TABLE accounts;"),
                    earlier: [("0001_teams.sql", ExampleFile.migration("CREATE TABLE teams (id INTEGER PRIMARY KEY, legacy_code TEXT);", down: "DROP TABLE teams;"))],
                    dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users DROP COLUMN nickname;", down: "ALTER TABLE users ADD COLUMN nickname TEXT;"),
                    earlier: [("0001_users.sql", ExampleFile.migration("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, nickname TEXT);\nCREATE INDEX idx_users_email ON users (email);",
                                                                      down: "DROP TABLE users;"))],
                    dialects: [.sqlite]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.versions.sqlite >= SQLiteVersion(3, 35) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind, alter.actions.count == 1, !alter.ifExists, !alter.only,
                  case .dropColumn(let column, let ifExists, let cascade) = alter.actions[0].action,
                  !ifExists, !cascade else { continue }
            let reasons = Self.reasons(dropping: column.name.lowercased(), from: alter.name, at: index, context: context)
            guard let reason = reasons.first else { continue }
            violations.append(Violation(range: alter.actions[0].range,
                                        message: "column \(column) of \(alter.name) \(reason), so SQLite refuses to drop it"))
        }
        return violations
    }

    /// Why SQLite would refuse, most telling first; empty when nothing known stops it.
    static func reasons(dropping column: String, from table: ObjectName, at index: Int, context: RuleContext) -> [String] {
        let key = table.key.lowercased()
        let objects = SQLiteFileObjects(context, before: index)
        let source = context.source
        let statements = context.upStatements
        var reasons: [String] = []

        if let definition = objects.tables[key] {
            let schema = SQLiteHazards.fileSchema(context, before: index)
            if let modelled = schema.tables.values.first(where: { $0.name.lowercased() == key }) {
                if modelled.primaryKey.contains(where: { $0.lowercased() == column }) { reasons.append("is part of the PRIMARY KEY") }
                if modelled.uniqueKeys.contains(where: { $0.contains { $0.lowercased() == column } }) { reasons.append("has a UNIQUE constraint") }
            }
            let create = definition.create
            let createStatement = statements[definition.statement]
            for constraint in create.constraints {
                let run = SQLiteTokenRun(source, createStatement, bytes: constraint.range.byteRange)
                switch constraint.kind {
                case .foreignKey(let columns, _) where columns.contains { $0.name.lowercased() == column }:
                    reasons.append("is used in a FOREIGN KEY of \(table)")
                case .check where !run.columnMentions(column, qualifiers: [key], unqualified: true).isEmpty:
                    reasons.append("is named in a CHECK constraint")
                default:
                    break
                }
            }
            var others: [(Statement, ColumnDefinition)] = create.columns.map { (createStatement, $0) }
            others += definition.added.map { (statements[$0.statement], $0.column) }
            for (owner, other) in others {
                let name = other.name.name.lowercased()
                guard name != column, !definition.dropped.contains(name) else { continue }
                let run = SQLiteTokenRun(source, owner, bytes: other.range.byteRange)
                if other.hasCheck, run.groups(after: "check").contains(where: { !$0.columnMentions(column, qualifiers: [key], unqualified: true).isEmpty }) {
                    reasons.append("is named in the CHECK of column \(other.name)")
                }
                if other.generated, run.groups(after: "as").contains(where: { !$0.columnMentions(column, qualifiers: [key], unqualified: true).isEmpty }) {
                    reasons.append("is used by generated column \(other.name)")
                }
            }
        }

        if objects.tables[key] == nil, let earlier = SQLiteHazards.fileSchema(context, before: index).tables.values.first(where: { $0.name.lowercased() == key }) {
            // A table of an earlier migration: what the schema model knows of it.
            if earlier.primaryKey.contains(where: { $0.lowercased() == column }) { reasons.append("is part of the PRIMARY KEY") }
            if earlier.uniqueKeys.contains(where: { $0.contains { $0.lowercased() == column } }) { reasons.append("has a UNIQUE constraint") }
            // Foreign keys are left out: the model does not tell a table FOREIGN KEY (refused)
            // from an inline REFERENCES (which SQLite drops with the column).
            for made in earlier.indexes where made.createdBy != context.file.id && made.columns.contains(where: { $0?.lowercased() == column }) {
                reasons.append("is indexed by \(made.name ?? "an index")")
            }
        }

        for index in objects.indexes where index.table == key {
            if index.create.elements.contains(where: { $0.column?.name.lowercased() == column }) {
                reasons.append("is indexed by \(index.name)")
            } else if index.create.elements.contains(where: {
                $0.column == nil && !SQLiteTokenRun(snippet: $0.text).columnMentions(column, qualifiers: [key], unqualified: true).isEmpty
            }) {
                reasons.append("is used by the expression index \(index.name)")
            } else if let predicate = index.create.whereClause,
                      !SQLiteTokenRun(snippet: predicate).columnMentions(column, qualifiers: [key], unqualified: true).isEmpty {
                reasons.append("is named in the WHERE of partial index \(index.name)")
            }
        }

        for trigger in objects.triggers {
            let run = SQLiteTokenRun(source, statements[trigger.statement].tokens)
            var qualifiers: Set<String> = [key]
            if trigger.table == key { qualifiers.formUnion(["new", "old"]) }
            if !run.columnMentions(column, qualifiers: qualifiers, unqualified: false).isEmpty {
                reasons.append("is used by trigger \(trigger.name)")
            }
        }

        for view in objects.views {
            let whole = SQLiteTokenRun(source, statements[view.statement].tokens)
            // The SELECT only: a view's own column list names its columns, not the table's.
            guard let select = (0..<whole.count).first(where: { whole.isWord($0, "select") }) else { continue }
            let run = whole.slice(select..<whole.count)
            let alone = soleSource(of: run) == key
            if !run.columnMentions(column, qualifiers: [key], unqualified: alone).isEmpty {
                reasons.append("is used by view \(view.name)")
            }
        }
        return reasons
    }

    static let clauseWords: Set<String> = ["where", "group", "order", "limit", "window", "union", "except",
                                           "intersect", "having", "natural", "left", "right", "inner",
                                           "outer", "cross", "full", "join"]

    /// The table a view's SELECT reads when it reads exactly one and nothing else (no join, no
    /// subquery, no second SELECT), else nil.
    static func soleSource(of run: SQLiteTokenRun) -> String? {
        let froms = (0..<run.count).filter { run.isWord($0, "from") }
        let selects = (0..<run.count).filter { run.isWord($0, "select") }
        guard froms.count == 1, selects.count == 1, !(0..<run.count).contains(where: { run.isWord($0, "join") }) else { return nil }
        var p = froms[0] + 1
        if run.isPunct(p + 1, "."), run.name(p + 2) != nil { p += 2 }
        guard let table = run.name(p), !run.isPunct(p + 1, "(") else { return nil }
        p += 1
        if run.isWord(p, "as") { p += 2 } else if run.kind(p) == .word, let word = run.name(p), !clauseWords.contains(word) { p += 1 }
        return run.isPunct(p, ",") ? nil : table
    }
}

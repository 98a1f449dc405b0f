import StrataCore
import StrataSyntax

public struct SQLiteRebuildOrderRule: Rule {
    public init() {}

    static let users = ("0001_users.sql", ExampleFile.migration("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
        CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));
        INSERT INTO users (id, email) VALUES (1, 'ada@example.com');
        INSERT INTO sessions (user_id) VALUES (1);
        """, down: "DROP TABLE sessions;\nDROP TABLE users;"))

    static let usersAlone = ("0001_users.sql", ExampleFile.migration("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
        INSERT INTO users (id, email) VALUES (1, 'ada@example.com');
        """, down: "DROP TABLE users;"))

    static let wrongOrder = """
        ALTER TABLE users ↓RENAME TO users_old;
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
        INSERT INTO users (id, email) SELECT id, coalesce(email, '') FROM users_old;
        DROP TABLE users_old;
        """

    public static let description = RuleDescription(
        id: "sqlite-rebuild-order",
        summary: "A table rebuild that renames the old table away first, so references follow it and dangle",
        rationale: """
            Since SQLite 3.26 (with the default `legacy_alter_table = OFF`), ALTER TABLE t RENAME \
            TO t_old also rewrites every reference to t elsewhere in the schema: the REFERENCES \
            clauses of other tables' foreign keys, and the bodies of views and triggers now name \
            t_old. A rebuild that starts by renaming the old table, then creates the new t, copies \
            the rows and drops t_old, leaves those foreign keys pointing at a table that no longer \
            exists (inserts then fail with "no such table: main.t_old" or a foreign key mismatch) \
            and those views and triggers broken. SQLite's documentation warns against exactly this \
            order. The rule reports when something is known to refer to t: a foreign key of \
            another table in the schema, or a view or trigger created earlier in the same file.
            """,
        help: """
            create the new table under a new name and rename it into place last: CREATE TABLE new_t \
            (...); INSERT INTO new_t SELECT ... FROM t; DROP TABLE t; ALTER TABLE new_t RENAME TO t; \
            in a file that runs outside a transaction (`-- @transaction: false`, or the folder's tool's \
            own way) with PRAGMA foreign_keys = OFF around it and \
            PRAGMA foreign_key_check before committing (https://www.sqlite.org/lang_altertable.html#otheralter)
            """,
        defaultSeverity: .warning,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration(wrongOrder, down: "SELECT 1;"), earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("CREATE VIEW user_emails AS SELECT id, email FROM users;\n" + wrongOrder, down: "SELECT 1;"),
                    earlier: [usersAlone], dialects: [.sqlite]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
                INSERT INTO users_new (id, email) SELECT id, coalesce(email, '') FROM users;
                DROP TABLE users;
                ALTER TABLE users_new RENAME TO users;
                """, down: "SELECT 1;"), earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("PRAGMA legacy_alter_table = ON;\n" + wrongOrder.replacingOccurrences(of: "↓", with: ""), down: "SELECT 1;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration(wrongOrder.replacingOccurrences(of: "↓", with: ""), down: "SELECT 1;"),
                    earlier: [usersAlone], dialects: [.sqlite]),
            Example(ExampleFile.migration(wrongOrder.replacingOccurrences(of: "↓", with: ""), down: "SELECT 1;"),
                    earlier: [users], dialects: [.sqlite], versions: DialectVersions(sqlite: SQLiteVersion(3, 25))),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.versions.sqlite >= SQLiteVersion(3, 26) else { return [] }
        let statements = context.upStatements
        var violations: [Violation] = []
        for (r, statement) in statements.enumerated() {
            guard case .alterTable(let alter) = statement.kind, alter.actions.count == 1,
                  case .renameTable(let to) = alter.actions[0].action else { continue }
            let old = alter.name.key.lowercased(), renamed = to.key.lowercased()
            guard old != renamed,
                  let created = statements.indices.first(where: { $0 > r && Self.creates(statements[$0], old) }),
                  statements.indices.contains(where: { $0 > created && Self.drops(statements[$0], renamed) }),
                  !SQLiteHazards.isOn(SQLiteHazards.pragma("legacy_alter_table", in: context, before: r)) else { continue }
            let referrers = Self.referrers(of: old, renamedTo: renamed, before: r, context: context)
            guard !referrers.isEmpty else { continue }
            violations.append(Violation(
                range: alter.actions[0].range,
                message: "\(alter.name) is renamed to \(to) before its replacement is created: SQLite rewrites \(referrers.joined(separator: ", ")) to point at \(to), which this file then drops",
                help: "create the new table under a new name and rename it into place last; " + SQLiteHazards.rebuildHelp(alter.name, context)))
        }
        return violations
    }

    static func creates(_ statement: Statement, _ table: String) -> Bool {
        if case .createTable(let create) = statement.kind { return create.name.key.lowercased() == table }
        return false
    }

    static func drops(_ statement: Statement, _ table: String) -> Bool {
        if case .drop(let drop) = statement.kind, drop.objectKind == .table {
            return drop.names.contains { $0.key.lowercased() == table }
        }
        return false
    }

    /// What refers to `table` when it is renamed at statement `r`: foreign keys of other tables
    /// (from the schema model), views and other tables' triggers made earlier in this file.
    static func referrers(of table: String, renamedTo renamed: String, before r: Int, context: RuleContext) -> [String] {
        var out: [String] = []
        for other in context.schema.tables.values.sorted(by: { $0.name < $1.name }) {
            let name = other.name.lowercased()
            guard name != table, name != renamed,
                  other.foreignKeys.contains(where: { $0.references.table.key.lowercased() == table }) else { continue }
            // The table must exist when the rename runs: made by an earlier migration, or
            // earlier in this file.
            let existed = other.createdBy != context.file.id
                || SQLiteHazards.createStatement(of: other.name, in: context, before: r) != nil
            if existed { out.append("the foreign key of \(other.name)") }
        }
        let objects = SQLiteFileObjects(context, before: r)
        for view in objects.views
        where SQLiteTokenRun(context.source, context.upStatements[view.statement].tokens).mentionsTable(table) {
            out.append("view \(view.name)")
        }
        for trigger in objects.triggers where trigger.table != table
            && SQLiteTokenRun(context.source, context.upStatements[trigger.statement].tokens).mentionsTable(table) {
            out.append("trigger \(trigger.name)")
        }
        return out
    }
}

import StrataCore
import StrataSyntax

public struct DownDoesNotReverseUpRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "down-does-not-reverse-up",
        summary: "Replaying DOWN after UP in the schema model does not give back the schema before UP",
        rationale: """
            A DOWN section is trusted in the worst moment: a bad deploy being rolled back. One that \
            forgets an index, leaves a table behind or restores a column with another type is \
            found out then, or when UP runs again and fails. Strata replays UP, then DOWN, on its \
            model of the tables they touch (columns with type, NOT NULL and default; keys; \
            indexes; constraint names) and compares with the tables before UP, so the pre-commit \
            hook catches most of these without a database; `strata verify` checks the same on a \
            scratch database. The rule stays quiet where the model cannot know: a statement it \
            does not read (a DO block, ALTER INDEX, DROP ... CASCADE of a type), a table it has \
            lost track of, or an object only DOWN creates. Data changes are not compared; a \
            missing or empty DOWN, or one of SELECTs alone (`SELECT 1;`, a placeholder), is \
            `missing-down`'s business.
            """,
        help: "make DOWN undo each change of UP, in reverse order; `strata verify` checks it on a scratch database",
        defaultSeverity: .warning,
        requires: .downSections,
        triggeringExamples: [
            Example(ExampleFile.migration("""
                ALTER TABLE users ADD COLUMN bio TEXT;
                ↓CREATE INDEX idx_users_age ON users (age);
                """, down: "ALTER TABLE users DROP COLUMN bio;"), earlier: usersTable),
            Example(ExampleFile.migration("ALTER TABLE users ↓DROP COLUMN nickname;",
                                          down: "ALTER TABLE users ADD COLUMN nick TEXT;"), earlier: usersTable),
            Example(ExampleFile.migration("""
                ↓CREATE TABLE audit_log (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
                CREATE INDEX idx_audit_log_user ON audit_log (user_id);
                """, down: "DROP INDEX idx_audit_log_user;")),
            Example(ExampleFile.migration("ALTER TABLE users ↓ALTER COLUMN age TYPE bigint;",
                                          down: "ALTER TABLE users ALTER COLUMN age TYPE smallint;"),
                    earlier: usersTable, dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN bio TEXT;", down: """
                ALTER TABLE users DROP COLUMN bio;
                ↓DROP INDEX idx_users_name;
                """), earlier: usersTable),
            Example(ExampleFile.migration("ALTER TABLE users ↓ADD CONSTRAINT users_age_check CHECK (age >= 0);",
                                          down: "ALTER TABLE users ALTER COLUMN age DROP DEFAULT;"),
                    earlier: usersTable, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE audit_log (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
                CREATE INDEX idx_audit_log_user ON audit_log (user_id);
                """, down: "DROP INDEX idx_audit_log_user;\nDROP TABLE audit_log;")),
            Example(ExampleFile.migration("""
                ALTER TABLE users ADD COLUMN bio TEXT;
                CREATE INDEX idx_users_bio ON users (bio);
                """, down: "DROP INDEX IF EXISTS idx_users_bio;\nALTER TABLE users DROP COLUMN bio;"),
                    earlier: usersTable),
            // SQLite's rebuild brings a dropped column back.
            Example(ExampleFile.migration("ALTER TABLE users DROP COLUMN nickname;", down: """
                CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, nickname TEXT, age INTEGER NOT NULL);
                INSERT INTO users_new (id, name, age) SELECT id, name, age FROM users;
                DROP TABLE users;
                ALTER TABLE users_new RENAME TO users;
                CREATE INDEX idx_users_name ON users (name);
                """), earlier: usersTable, dialects: [.sqlite]),
            // What the model cannot follow stays unjudged.
            Example(ExampleFile.migration("CREATE INDEX idx_users_age ON users (age);", down: """
                DO $$ BEGIN EXECUTE 'DROP INDEX idx_users_age'; END $$;
                """), earlier: usersTable, dialects: [.postgresql]),
            // The names PostgreSQL gives unnamed constraints and indexes.
            Example(ExampleFile.migration("ALTER TABLE users ADD UNIQUE (name);\nCREATE INDEX ON users (age);",
                                          down: "DROP INDEX users_age_idx;\nALTER TABLE users DROP CONSTRAINT users_name_key;"),
                    earlier: usersTable, dialects: [.postgresql]),
            Example(ExampleFile.migration("INSERT INTO users (id, name, age) VALUES (1, 'admin', 40);",
                                          down: "DELETE FROM users WHERE id = 1;"), earlier: usersTable),
            Example(ExampleFile.migration("DROP INDEX idx_users_name;", down: "-- cannot be undone\n")),
            Example(ExampleFile.migration("CREATE TABLE audit_log (id INTEGER PRIMARY KEY);", down: "SELECT 1;")),
            // goose blocks are replayed statement by statement.
            Example("""
                -- +goose Up
                -- +goose StatementBegin
                CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
                CREATE INDEX idx_tags_name ON tags (name);
                -- +goose StatementEnd
                -- +goose Down
                -- +goose StatementBegin
                DROP INDEX idx_tags_name;
                DROP TABLE tags;
                -- +goose StatementEnd
                """, layout: .goose),
        ])

    /// The table most examples start from.
    private static var usersTable: [(fileName: String, sql: String)] {
        [("0001_users.sql", ExampleFile.migration("""
            CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, nickname TEXT, age INTEGER NOT NULL);
            CREATE INDEX idx_users_name ON users (name);
            """, down: "DROP TABLE users;"))]
    }

    public func check(_ context: RuleContext) -> [Violation] {
        // Only files with DOWN statements pay for the replay. A DOWN of SELECTs alone (`SELECT
        // 1;`) is a placeholder saying there is nothing to undo, as an empty one would.
        guard let down = context.file.down, down.statements.contains(where: { !Self.isPlaceholder($0) }) else { return [] }
        let up = context.upStatements
        guard let replay = DownReplay(context, up: up, down: down.statements) else { return [] }
        return replay.differences().map { difference in
            Violation(range: Self.anchor(of: difference, up: up, down: down.statements) ?? down.marker?.range ?? SourceRange(at: .start),
                      message: difference.message)
        }
    }

    private static func isPlaceholder(_ statement: Statement) -> Bool {
        if case .other(let label) = statement.kind { return label == "select" || label.isEmpty }
        return false
    }

    // MARK: - Where a difference points

    /// The UP statement (or ALTER TABLE action) that changed the object, or, when the DOWN
    /// alone changed it (it drops what existed before), the DOWN statement that did.
    static func anchor(of difference: ReplayDifference, up: [Statement], down: [Statement]) -> SourceRange? {
        let downFirst = difference.message.hasPrefix("DOWN drops ")
        let sections = downFirst ? [down, up] : [up, down]
        for statements in sections {
            for exact in [true, false] {
                for statement in statements.reversed() {
                    if let range = match(statement, difference, exact: exact) { return range }
                }
            }
        }
        return nil
    }

    /// Where `statement` changes the object of `difference`: with `exact`, only a statement or
    /// action about that very object; otherwise any statement about its table.
    private static func match(_ statement: Statement, _ difference: ReplayDifference, exact: Bool) -> SourceRange? {
        let table = difference.table
        switch statement.kind {
        case .createTable(let create) where create.name.key == table:
            if case .index = difference.object { return exact ? nil : statement.range }
            return statement.range
        case .createIndex(let create) where create.table.key == table:
            guard case .index(let name, let columns) = difference.object else { return exact ? nil : statement.range }
            let same = name.map { create.name?.key == $0 } ?? (create.name == nil && create.elements.map { $0.column?.name } == columns)
            return same || !exact ? statement.range : nil
        case .drop(let drop) where drop.objectKind == .table && drop.names.contains(where: { $0.key == table }):
            return difference.object == .table || !exact ? statement.range : nil
        case .drop(let drop) where drop.objectKind == .index:
            guard case .index(let name?, _) = difference.object, drop.names.contains(where: { $0.key == name }) else { return nil }
            return statement.range
        case .alterTable(let alter):
            let renamedHere = alter.actions.contains { if case .renameTable(let to) = $0.action { to.key == table } else { false } }
            guard alter.name.key == table || renamedHere else { return nil }
            if renamedHere { return difference.object == .table || !exact ? statement.range : nil }
            for (action, range) in alter.actions where concerns(action, difference.object) { return range }
            return exact ? nil : statement.range
        default:
            return nil
        }
    }

    /// Whether an ALTER TABLE action is about `object`.
    private static func concerns(_ action: AlterTableAction, _ object: ReplayDifference.Object) -> Bool {
        switch (action, object) {
        case (.addColumn(let column, _), .column(let name)): return column.name.name == name
        case (.addColumn(let column, _), .primaryKey): return column.primaryKey
        case (.addColumn(let column, _), .uniqueKey(let columns)): return column.unique && columns == [column.name.name]
        case (.addColumn(let column, _), .foreignKey(_, let columns)): return column.references != nil && columns == [column.name.name]
        case (.dropColumn(let column, _, _), .column(let name)),
             (.alterColumnType(let column, _, _), .column(let name)), (.setNotNull(let column), .column(let name)),
             (.dropNotNull(let column), .column(let name)), (.setDefault(let column, _), .column(let name)),
             (.dropDefault(let column), .column(let name)):
            return column.name == name
        case (.renameColumn(let from, let to), .column(let name)): return from.name == name || to.name == name
        case (.addConstraint(let constraint), _): return constraintMatches(constraint, object)
        case (.dropConstraint(let name, _, _), .constraint(let dropped)): return name == dropped
        case (.dropConstraint(let name, _, _), .foreignKey(let key?, _)): return name == key
        case (.dropConstraint, .primaryKey), (.dropConstraint, .uniqueKey), (.dropConstraint, .foreignKey(nil, _)),
             (.dropConstraint, .notNullCheck):
            return true
        default: return false
        }
    }

    private static func constraintMatches(_ constraint: TableConstraint, _ object: ReplayDifference.Object) -> Bool {
        switch (constraint.kind, object) {
        case (_, .constraint(let name)): return constraint.name == name
        case (.primaryKey, .primaryKey): return true
        case (.unique(let columns), .uniqueKey(let key)): return columns.map(\.name) == key
        case (.foreignKey(let columns, _), .foreignKey(let name, let key)):
            return name.map { constraint.name == $0 } ?? (columns.map(\.name) == key)
        case (.check(let expression), .notNullCheck(let column)): return SchemaModel.notNullColumn(expression) == column
        default: return false
        }
    }
}

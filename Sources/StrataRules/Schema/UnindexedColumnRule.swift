import StrataCore
import StrataSyntax

public struct UnindexedColumnRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "unindexed-column",
        summary: "A foreign-key column this migration adds is not the leading column of any index",
        rationale: """
            Joins and ON DELETE checks look rows up by the foreign-key column. Without an index \
            that starts with it, every delete of a parent row scans the whole child table, and \
            joins degrade as the table grows. PostgreSQL does not index foreign keys by itself, \
            nor does SQLite. An index, primary key or unique constraint that leads with the \
            column counts, whether created in this migration or an earlier one.
            """,
        defaultSeverity: .warning,
        triggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE posts (
                  id INTEGER PRIMARY KEY,
                  ↓author_id INTEGER NOT NULL REFERENCES users (id)
                );
                """, down: "DROP TABLE posts;"),
                    earlier: [("0001_users.sql", ExampleFile.migration("CREATE TABLE users (id INTEGER PRIMARY KEY);", down: "DROP TABLE users;"))]),
            Example(ExampleFile.migration("ALTER TABLE posts ADD COLUMN ↓editor_id INTEGER REFERENCES users (id);",
                                          down: "ALTER TABLE posts DROP COLUMN editor_id;"),
                    earlier: [("0001_base.sql", ExampleFile.migration("CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE posts (id INTEGER PRIMARY KEY);", down: "DROP TABLE posts;\nDROP TABLE users;"))]),
            Example("""
                CREATE TABLE comments (
                  id BIGINT PRIMARY KEY,
                  ↓post_id BIGINT NOT NULL,
                  body TEXT,
                  FOREIGN KEY (post_id) REFERENCES posts (id)
                );
                CREATE INDEX idx_comments_body_post ON comments (body, post_id);
                """, layout: .plain),
            Example("CREATE TABLE likes (↓user_id INT REFERENCES users (id), FOREIGN KEY (user_id) REFERENCES users (id));\n",
                    layout: .plain),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES users (id));
                CREATE INDEX idx_posts_author ON posts (author_id, id);
                """, down: "DROP INDEX idx_posts_author;\nDROP TABLE posts;")),
            Example("""
                CREATE TABLE memberships (
                  user_id BIGINT REFERENCES users (id),
                  group_id BIGINT REFERENCES groups (id),
                  PRIMARY KEY (user_id, group_id)
                );
                CREATE INDEX idx_memberships_group ON memberships (group_id);
                """, layout: .plain),
            Example("CREATE TABLE profiles (user_id BIGINT UNIQUE REFERENCES users (id));\n", layout: .plain),
            Example("CREATE TABLE posts (id INT PRIMARY KEY, author_id INT);\n-- plain column, no foreign key\n", layout: .plain),
            Example("ALTER TABLE posts ADD COLUMN editor_id INT REFERENCES users (id);\n",
                    earlier: [("0001_base.sql", "CREATE TABLE posts (id INT PRIMARY KEY);\nCREATE INDEX idx_posts_editor ON posts (editor_id);\n")],
                    layout: .plain),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.isDisjoint(with: [.createTable, .alterTable]) == false else { return [] }
        var violations: [Violation] = []
        for statement in context.upStatements {
            switch statement.kind {
            case .createTable(let create):
                var foreignKeys: [[ColumnName]] = create.columns.filter { $0.references != nil }.map { [$0.name] }
                for constraint in create.constraints {
                    if case .foreignKey(let columns, _) = constraint.kind { foreignKeys.append(columns) }
                }
                let added = Set(create.columns.map(\.name.name))
                var seen = Set<[String]>()   // inline REFERENCES and a FOREIGN KEY on one column: one finding
                for columns in foreignKeys where !columns.isEmpty && seen.insert(columns.map(\.name)).inserted {
                    // Report the written column definition, so the finding points where it was added.
                    let names = columns.map(\.name)
                    guard names.allSatisfy(added.contains) else { continue }
                    let position = create.columns.first { $0.name.name == names[0] }?.name.range ?? columns[0].range
                    violations += check(table: create.name, columns: names, at: position, context: context)
                }
            case .alterTable(let alter):
                var added: [String: ColumnName] = [:]
                for (action, _) in alter.actions {
                    switch action {
                    case .addColumn(let column, _):
                        added[column.name.name] = column.name
                        if column.references != nil {
                            violations += check(table: alter.name, columns: [column.name.name], at: column.name.range, context: context)
                        }
                    case .addConstraint(let constraint):
                        if case .foreignKey(let columns, _) = constraint.kind,
                           let first = columns.first, let written = added[first.name],
                           columns.allSatisfy({ added[$0.name] != nil }) {
                            violations += check(table: alter.name, columns: columns.map(\.name), at: written.range, context: context)
                        }
                    default:
                        break
                    }
                }
            default:
                break
            }
        }
        return violations
    }

    private func check(table: ObjectName, columns: [String], at range: SourceRange, context: RuleContext) -> [Violation] {
        // A table dropped or renamed later in the same migration is not checked.
        guard context.schema.tables[table.key] != nil,
              !context.schema.isCovered(table: table.key, columns: columns) else { return [] }
        let list = columns.joined(separator: ", ")
        let indexName = "idx_\(table.name)_\(columns.joined(separator: "_"))"
        return [Violation(range: range,
                          message: "foreign key column\(columns.count > 1 ? "s" : "") \(list) of \(table) \(columns.count > 1 ? "are" : "is") not the leading column\(columns.count > 1 ? "s" : "") of any index",
                          help: "add `CREATE INDEX \(indexName) ON \(table) (\(list));`")]
    }
}

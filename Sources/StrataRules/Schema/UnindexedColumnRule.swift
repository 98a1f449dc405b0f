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
            column counts, whether created in this migration or an earlier one. A partial index \
            counts only when its WHERE is `col IS NOT NULL` on a key column: a lookup by the key \
            implies it, and both PostgreSQL and SQLite then use the index.
            """,
        help: "add an index that leads with the column (`CREATE INDEX ... ON child (parent_id);`), in this migration or the next",
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
                """, earlier: [("0001_posts.sql", "CREATE TABLE posts (id BIGINT PRIMARY KEY);\n")], layout: .plain),
            Example("CREATE TABLE likes (↓user_id INT REFERENCES users (id), FOREIGN KEY (user_id) REFERENCES users (id));\n",
                    earlier: [("0001_users.sql", "CREATE TABLE users (id INT PRIMARY KEY);\n")], layout: .plain),
            // The foreign key added by a later statement (as `add-fk-validated` advises: NOT VALID, then VALIDATE).
            Example("""
                ALTER TABLE posts ADD COLUMN ↓reviewer_id BIGINT;
                ALTER TABLE posts ADD CONSTRAINT posts_reviewer_fk FOREIGN KEY (reviewer_id) REFERENCES users (id) NOT VALID;
                ALTER TABLE posts VALIDATE CONSTRAINT posts_reviewer_fk;
                """, earlier: [("0001_base.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY);\nCREATE TABLE posts (id BIGINT PRIMARY KEY);\n")],
                    layout: .plain),
            Example("""
                CREATE TABLE tags (id BIGINT PRIMARY KEY, ↓owner_id BIGINT);
                ALTER TABLE tags ADD FOREIGN KEY (owner_id) REFERENCES users (id);
                """, layout: .plain),
            Example("""
                CREATE TABLE replies (id BIGINT PRIMARY KEY, ↓parent_id BIGINT REFERENCES replies (id), hidden BOOLEAN);
                CREATE INDEX idx_replies_parent_visible ON replies (parent_id) WHERE NOT hidden;
                """, layout: .plain),
            // Prisma's migrations: quoted, mixed-case names the index must keep (the foreign key
            // separate on PostgreSQL, inline on SQLite).
            Example("""
                CREATE TABLE "Post" (
                    "id" INTEGER NOT NULL,
                    ↓"authorId" INTEGER NOT NULL,
                    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
                );
                ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
                """, fileName: "20240102000000_post/migration.sql",
                    earlier: [("20240101000000_user/migration.sql", "CREATE TABLE \"User\" (\"id\" INTEGER NOT NULL, CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\"));\n")],
                    layout: .plain, dialects: [.postgresql]),
            Example("""
                CREATE TABLE "Post" (
                    "id" INTEGER NOT NULL PRIMARY KEY,
                    ↓"authorId" INTEGER NOT NULL,
                    CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
                );
                """, fileName: "20240102000000_post/migration.sql",
                    earlier: [("20240101000000_user/migration.sql", "CREATE TABLE \"User\" (\"id\" INTEGER NOT NULL PRIMARY KEY);\n")],
                    layout: .plain, dialects: [.sqlite]),
            // A column added to a table an earlier migration made, in a schema of its own.
            Example("ALTER TABLE \"billing\".\"Invoice\" ADD COLUMN ↓\"customerId\" BIGINT REFERENCES \"billing\".\"Customer\" (\"id\");\n",
                    earlier: [("0001_billing.sql", """
                        CREATE SCHEMA billing;
                        CREATE TABLE billing."Customer" ("id" BIGINT PRIMARY KEY);
                        CREATE TABLE billing."Invoice" ("id" BIGINT PRIMARY KEY);

                        """)],
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example("""
                CREATE TABLE notifications (id BIGINT PRIMARY KEY, message_id BIGINT REFERENCES messages (id));
                CREATE INDEX idx_notifications_message ON notifications (message_id) WHERE message_id IS NOT NULL;
                """, layout: .plain),
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
            // A foreign key on a column an earlier migration added is that migration's business.
            Example("ALTER TABLE posts ADD CONSTRAINT posts_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id);\n",
                    earlier: [("0001_base.sql", "CREATE TABLE posts (id INT PRIMARY KEY, owner_id INT);\n")],
                    layout: .plain),
            Example("""
                ALTER TABLE posts ADD COLUMN reviewer_id BIGINT;
                ALTER TABLE posts ADD FOREIGN KEY (reviewer_id) REFERENCES users (id);
                CREATE INDEX idx_posts_reviewer ON posts (reviewer_id);
                """, earlier: [("0001_base.sql", "CREATE TABLE posts (id BIGINT PRIMARY KEY);\n")],
                    layout: .plain),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.isDisjoint(with: [.createTable, .alterTable]) == false else { return [] }
        var violations: [Violation] = []
        // The columns this migration adds, by table, as written: a foreign key on them may come
        // in the same statement or a later one. (Kept as the statements' own arrays, searched
        // only when a foreign key comes: most tables never need it.)
        var created: [String: [ColumnDefinition]] = [:]
        var addedLater: [String: [ColumnName]] = [:]
        func added(_ table: String, _ column: String) -> ColumnName? {
            addedLater[table]?.last { $0.name == column } ?? created[table]?.last { $0.name.name == column }?.name
        }
        var reported = Set<[String]>()   // table key + columns: one finding per foreign key column set
        func report(_ table: ObjectName, _ columns: [ColumnName], at position: SourceRange) {
            let names = columns.map(\.name)
            guard !names.isEmpty, reported.insert([table.key] + names).inserted else { return }
            violations += check(table: table, columns: names, at: position, context: context)
        }
        /// A foreign key on columns this migration added (all of them), reported at the first
        /// one's definition.
        func foreignKey(_ table: ObjectName, _ columns: [ColumnName]) {
            guard let first = columns.first, let written = added(table.key, first.name),
                  columns.allSatisfy({ added(table.key, $0.name) != nil }) else { return }
            report(table, columns, at: written.range)
        }
        for statement in context.upStatements {
            switch statement.kind {
            case .createTable(let create):
                created[create.name.key] = create.columns
                addedLater[create.name.key] = nil
                for column in create.columns where column.references != nil { report(create.name, [column.name], at: column.name.range) }
                for constraint in create.constraints {
                    if case .foreignKey(let columns, _) = constraint.kind { foreignKey(create.name, columns) }
                }
            case .alterTable(let alter):
                for (action, _) in alter.actions {
                    switch action {
                    case .addColumn(let column, _):
                        addedLater[alter.name.key, default: []].append(column.name)
                        if column.references != nil { report(alter.name, [column.name], at: column.name.range) }
                    case .addConstraint(let constraint):
                        if case .foreignKey(let columns, _) = constraint.kind { foreignKey(alter.name, columns) }
                    case .renameTable(let to):
                        created[to.key] = created.removeValue(forKey: alter.name.key)
                        addedLater[to.key] = addedLater.removeValue(forKey: alter.name.key)
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
        let dialect = context.dialect
        // Named as PostgreSQL and Prisma name it (`Post_authorId_idx`), quoted where needed.
        let name = SQLIdentifier.quoted(SQLIdentifier.derivedName([table.name] + columns, suffix: "idx", for: dialect), for: dialect)
        let elements = columns.map { SQLIdentifier.quoted($0, for: dialect) }.joined(separator: ", ")
        // On a PostgreSQL table that may hold rows already, the build must not block its writes.
        let busy = dialect == .postgresql && context.newTableReason(table, beforeStatement: context.upStatements.count) == nil
        let fix = SuggestedSQL(["CREATE INDEX \(busy ? "CONCURRENTLY " : "")\(name) ON \(table.sql(dialect)) (\(elements))"],
                               placement: .after, transactional: !busy)
        return [Violation(range: range,
                          message: "foreign key column\(columns.count > 1 ? "s" : "") \(list) of \(table) \(columns.count > 1 ? "are" : "is") not the leading column\(columns.count > 1 ? "s" : "") of any index",
                          help: "add `\(fix.text)`\(busy ? " \(Hints.inMigrationOutsideTransaction(context))" : "")",
                          suggestion: fix)]
    }
}

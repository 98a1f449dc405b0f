import StrataCore
import StrataSyntax

public struct RelaxConstraintRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "relax-constraint",
        summary: "DROP NOT NULL, or dropping a foreign key, on a table running code already uses",
        rationale: """
            Code deployed before the migration was written against the constraint: it reads the \
            column without a null check, or relies on the foreign key to keep child rows \
            consistent. Once the constraint is gone, rows written in the meantime (by new code or \
            by hand) break the invariant, and putting the constraint back later fails or needs a \
            cleanup first (SET NOT NULL and a validated foreign key both scan the table under \
            lock). A dropped constraint counts as a foreign key only when Strata knows it is one: \
            the unnamed foreign key PostgreSQL named `<table>_<columns>_fkey`, one added earlier \
            in this file, or one the DOWN section adds back; any other DROP CONSTRAINT is not \
            reported (a CHECK or UNIQUE dropped is out of scope, and an unknown name may be \
            either). Tables created earlier in the same file or new on the branch, columns added \
            earlier in the file, and constraints restored later in the file are skipped.
            """,
        help: "ship code that copes with the looser schema first and drop the constraint in a later migration; to change a foreign key, add the new one NOT VALID, validate it, then drop the old one in the same migration",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE orders ↓DROP CONSTRAINT orders_customer_fk;"),
                    earlier: [("0001_base.sql", ExampleFile.migration("""
                        CREATE TABLE customers (id BIGINT PRIMARY KEY);
                        CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT,
                          CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id));
                        """))],
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ↓ALTER COLUMN email DROP NOT NULL;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE posts ↓DROP CONSTRAINT posts_author_id_fkey;"),
                    earlier: [("0001_posts.sql", ExampleFile.migration("""
                        CREATE TABLE users (id bigint PRIMARY KEY);
                        CREATE TABLE posts (id bigint PRIMARY KEY, author_id bigint NOT NULL REFERENCES users (id));
                        """))],
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE comments ↓DROP CONSTRAINT IF EXISTS fk_comments_post;",
                                          down: "ALTER TABLE comments ADD CONSTRAINT fk_comments_post FOREIGN KEY (post_id) REFERENCES posts (id);"),
                    dialects: [.postgresql]),
            Example("ALTER TABLE orders ↓ALTER shipped_at DROP NOT NULL, ↓DROP CONSTRAINT orders_customer_id_account_id_fkey;\n",
                    earlier: [("0001_orders.sql", """
                        CREATE TABLE orders (id bigint, customer_id bigint, account_id bigint, shipped_at timestamptz NOT NULL,
                          FOREIGN KEY (customer_id, account_id) REFERENCES customers (id, account_id));
                        """)],
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE drafts (id bigint PRIMARY KEY, title text NOT NULL, author_id bigint REFERENCES users (id));
                ALTER TABLE drafts ALTER COLUMN title DROP NOT NULL;
                ALTER TABLE drafts DROP CONSTRAINT drafts_author_id_fkey;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users DROP CONSTRAINT users_age_check;\nALTER TABLE users DROP CONSTRAINT some_constraint;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                ALTER TABLE posts DROP CONSTRAINT posts_author_id_fkey;
                ALTER TABLE posts ADD CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                ALTER TABLE sso_users
                  DROP CONSTRAINT sso_users_user_uuid_fkey,
                  ADD CONSTRAINT sso_users_user_uuid_fkey FOREIGN KEY (user_uuid) REFERENCES users (uuid) ON DELETE CASCADE;
                ALTER TABLE posts DROP CONSTRAINT fk_posts_author;
                ALTER TABLE posts ADD CONSTRAINT fk_posts_author_tenant FOREIGN KEY (author_id, tenant_id) REFERENCES users (id, tenant_id);
                """, down: "ALTER TABLE posts ADD CONSTRAINT fk_posts_author FOREIGN KEY (author_id) REFERENCES users (id);"),
                    earlier: [("0001_sso.sql", ExampleFile.migration("CREATE TABLE sso_users (user_uuid uuid REFERENCES users (uuid));"))],
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users ALTER COLUMN bio DROP DEFAULT;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                ALTER TABLE users ADD COLUMN referrer_id bigint NOT NULL DEFAULT 0;
                ALTER TABLE users ALTER COLUMN referrer_id DROP NOT NULL;
                """), dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.isDisjoint(with: [.dropNotNull, .dropConstraint]) == false else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind else { continue }
            for (action, range) in alter.actions {
                switch action {
                case .dropNotNull(let column):
                    if let reason = PostgresChangeSupport.newReason(context, table: alter.name, column: column.name, before: index) {
                        violations.append(context.skipped(Self.description.id, at: range, reason: reason))
                    } else if !notNullRestored(context, table: alter.name, column: column.name, after: index) {
                        violations.append(Violation(range: range,
                                                    message: "dropping NOT NULL on \(alter.name).\(column) lets nulls reach code that assumes there are none"))
                    }
                case .dropConstraint(let name, _, _):
                    guard let key = foreignKey(context, table: alter.name, name: name, before: index),
                          !constraintRestored(context, table: alter.name, name: name, references: key.references, from: index) else { continue }
                    if let reason = PostgresChangeSupport.newTableReason(context, alter.name, before: index) {
                        violations.append(context.skipped(Self.description.id, at: range, reason: reason))
                    } else {
                        violations.append(Violation(range: range,
                                                    message: "dropping foreign key \(name) of \(alter.name) lets rows that break it be written"))
                    }
                default:
                    break
                }
            }
        }
        return violations
    }

    /// The foreign key `name` of `table` as far as Strata can tell (with the table it
    /// references, when known); nil when it is not known to be a foreign key.
    private func foreignKey(_ context: RuleContext, table: ObjectName, name: String, before index: Int) -> (name: String, references: String?)? {
        // An unnamed foreign key stays in the model when its generated name is dropped.
        if let model = context.schema.table(table) {
            for key in model.foreignKeys where key.name == nil {
                if Self.generatedNames(table: table.name, columns: key.columns).contains(name) { return (name, key.references.table.key) }
            }
        }
        // A named one an earlier migration added (this file's DROP took it out of the model).
        if let before = context.tableBeforeFile(table), let key = before.foreignKeys.first(where: { $0.name == name }) {
            return (name, key.references.table.key)
        }
        func addedForeignKey(_ statements: some Sequence<Statement>) -> String? {
            for statement in statements {
                switch statement.kind {
                case .alterTable(let alter) where alter.name.key == table.key:
                    for (action, _) in alter.actions {
                        if case .addConstraint(let constraint) = action, constraint.name == name,
                           case .foreignKey(_, let references) = constraint.kind { return references.table.key }
                    }
                case .createTable(let create) where create.name.key == table.key:
                    for constraint in create.constraints where constraint.name == name {
                        if case .foreignKey(_, let references) = constraint.kind { return references.table.key }
                    }
                default:
                    break
                }
            }
            return nil
        }
        if let references = addedForeignKey(context.upStatements.prefix(index)) ?? addedForeignKey(context.file.down?.statements ?? []) {
            return (name, references)
        }
        return nil
    }

    /// Whether the statement at `index` or a later one adds back a constraint named `name` to
    /// `table`, or another foreign key to the same referenced table (a replacement).
    private func constraintRestored(_ context: RuleContext, table: ObjectName, name: String, references: String?, from index: Int) -> Bool {
        context.upStatements.dropFirst(index).contains { statement in
            guard case .alterTable(let alter) = statement.kind, alter.name.key == table.key else { return false }
            return alter.actions.contains {
                guard case .addConstraint(let constraint) = $0.action else { return false }
                if constraint.name == name { return true }
                if case .foreignKey(_, let target) = constraint.kind, let references { return target.table.key == references }
                return false
            }
        }
    }

    /// Whether SET NOT NULL runs on the column again later in the UP section.
    private func notNullRestored(_ context: RuleContext, table: ObjectName, column: String, after index: Int) -> Bool {
        context.upStatements.dropFirst(index + 1).contains { statement in
            guard case .alterTable(let alter) = statement.kind, alter.name.key == table.key else { return false }
            return alter.actions.contains {
                if case .setNotNull(let c) = $0.action { return c.name == column }
                return false
            }
        }
    }

    /// The names PostgreSQL gives an unnamed foreign key (`ChooseConstraintName` with
    /// `makeObjectName`): `<table>_<col>_<col>_fkey`, shortened to 63 bytes, with a number
    /// added when the name was taken.
    static func generatedNames(table: String, columns: [String]) -> Set<String> {
        guard !columns.isEmpty else { return [] }
        let limit = 63
        var addition: [UInt8] = []
        for column in columns {
            if !addition.isEmpty { addition.append(UInt8(ascii: "_")) }
            addition += Array(column.utf8.prefix(limit - addition.count))
            if addition.count >= limit { break }
        }
        var names = Set<String>()
        for label in ["fkey"] + (1...3).map({ "fkey\($0)" }) {
            let available = limit - 1 - (label.utf8.count + 1)
            var first = Array(table.utf8)
            var second = addition
            var firstCount = first.count
            var secondCount = second.count
            while firstCount + secondCount > available {
                if firstCount > secondCount { firstCount -= 1 } else { secondCount -= 1 }
            }
            first = clip(first, firstCount)
            second = clip(second, secondCount)
            names.insert(String(decoding: first + [UInt8(ascii: "_")] + second + [UInt8(ascii: "_")] + Array(label.utf8), as: UTF8.self))
        }
        return names
    }

    /// The first `count` bytes of `bytes`, shortened to a whole UTF-8 character.
    static func clip(_ bytes: [UInt8], _ count: Int) -> [UInt8] {
        var end = min(count, bytes.count)
        while end > 0, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(bytes.prefix(end))
    }
}

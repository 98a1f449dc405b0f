import StrataCore
import StrataSyntax

public struct SQLiteRebuildLostObjectsRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "sqlite-rebuild-lost-objects",
        summary: "A table rebuild that does not create the old table's indexes and triggers again",
        rationale: """
            A SQLite table rebuild (create the new table, copy, drop the old one, rename) loses \
            everything attached to the old table: DROP TABLE drops its indexes and triggers with \
            it, and a RENAME TO carries them over to the renamed old table, which is then dropped. \
            Unless the file creates them again, queries lose their indexes (full scans where \
            lookups were) and uniqueness that a UNIQUE index enforced is gone without a sound, as \
            are the triggers' side effects. The rule knows the old table's indexes and triggers \
            when they are created earlier in the same file; Strata's schema model holds the state \
            after the whole file, so indexes made by earlier migrations are not seen. An index \
            counts as created again when one with the same name, or on the same columns, exists \
            on the rebuilt table at the end of the file; a trigger when one with the same name does.
            """,
        help: """
            after the rename, run each of the old table's `CREATE INDEX` / `CREATE TRIGGER` statements \
            again (read them beforehand with `SELECT sql FROM sqlite_schema WHERE tbl_name = 't' AND \
            type IN ('index', 'trigger')`), as step 8 of https://www.sqlite.org/lang_altertable.html#otheralter says
            """,
        defaultSeverity: .warning,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, user_id INTEGER, plan TEXT);
                CREATE INDEX idx_subscriptions_user ON subscriptions (user_id);
                CREATE UNIQUE INDEX idx_subscriptions_plan ON subscriptions (user_id, plan);
                INSERT INTO subscriptions (user_id, plan) VALUES (1, 'free');
                CREATE TABLE subscriptions_new (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, plan TEXT NOT NULL);
                INSERT INTO subscriptions_new SELECT id, user_id, plan FROM subscriptions;
                ↓DROP TABLE subscriptions;
                ALTER TABLE subscriptions_new RENAME TO subscriptions;
                CREATE INDEX idx_subscriptions_user ON subscriptions (user_id);
                """, down: "DROP TABLE subscriptions;"), dialects: [.sqlite]),
            Example(ExampleFile.migration("""
                CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER, updated_at TEXT);
                CREATE TRIGGER orders_touch AFTER UPDATE OF total ON orders
                BEGIN
                  UPDATE orders SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
                END;
                ALTER TABLE orders RENAME TO orders_old;
                CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL DEFAULT 0, updated_at TEXT);
                INSERT INTO orders SELECT id, coalesce(total, 0), updated_at FROM orders_old;
                ↓DROP TABLE orders_old;
                """, down: "DROP TABLE orders;"), dialects: [.sqlite]),
            // Prisma's way of redefining a table, quoted names and all.
            Example(ExampleFile.migration("""
                CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY, "title" TEXT);
                CREATE UNIQUE INDEX "Post_title_key" ON "Post"("title");
                CREATE TABLE "new_Post" ("id" INTEGER NOT NULL PRIMARY KEY, "title" TEXT NOT NULL);
                INSERT INTO "new_Post" ("id", "title") SELECT "id", coalesce("title", '') FROM "Post";
                ↓DROP TABLE "Post";
                ALTER TABLE "new_Post" RENAME TO "Post";
                """, down: "DROP TABLE \"Post\";"), dialects: [.sqlite]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, user_id INTEGER, plan TEXT);
                CREATE INDEX idx_subscriptions_user ON subscriptions (user_id);
                CREATE TABLE subscriptions_new (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, plan TEXT NOT NULL);
                INSERT INTO subscriptions_new SELECT id, user_id, plan FROM subscriptions;
                DROP TABLE subscriptions;
                ALTER TABLE subscriptions_new RENAME TO subscriptions;
                CREATE INDEX idx_subscriptions_user_id ON subscriptions (user_id);
                """, down: "DROP TABLE subscriptions;"), dialects: [.sqlite]),
            Example(ExampleFile.migration("""
                CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);
                CREATE INDEX idx_orders_total ON orders (total);
                DROP TABLE orders;
                CREATE TABLE receipts (id INTEGER PRIMARY KEY);
                """, down: "DROP TABLE receipts;"), dialects: [.sqlite]),
            Example(ExampleFile.migration("""
                CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);
                CREATE INDEX idx_orders_total ON orders (total);
                CREATE TABLE orders_new (id INTEGER PRIMARY KEY, total INTEGER NOT NULL);
                CREATE INDEX idx_orders_new_total ON orders_new (total);
                INSERT INTO orders_new SELECT id, coalesce(total, 0) FROM orders;
                DROP TABLE orders;
                ALTER TABLE orders_new RENAME TO orders;
                """, down: "DROP TABLE orders;"), dialects: [.sqlite]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let statements = context.upStatements
        var violations: [Violation] = []
        for (d, statement) in statements.enumerated() {
            guard case .drop(let drop) = statement.kind, drop.objectKind == .table else { continue }
            for dropped in drop.names {
                let name = dropped.key.lowercased()
                // Which table is rebuilt, and from which statement on its old objects are gone.
                guard let (table, start) = Self.rebuild(dropping: name, at: d, context: context) else { continue }
                let before = SQLiteFileObjects(context, before: start)
                let oldIndexes = before.indexes.filter { $0.table == table }
                let oldTriggers = before.triggers.filter { $0.table == table }
                guard !oldIndexes.isEmpty || !oldTriggers.isEmpty else { continue }
                let after = SQLiteFileObjects(context, before: statements.count)
                // The old ones went with the old table: whatever is on it at the end is new.
                let newIndexes = after.indexes.filter { $0.table == table }
                let newTriggers = after.triggers.filter { $0.table == table }
                let lostIndexes = oldIndexes.filter { old in
                    !newIndexes.contains { $0.name == old.name || Self.sameKey($0.create, old.create) }
                }
                let lostTriggers = oldTriggers.filter { old in !newTriggers.contains { $0.name == old.name } }
                // Names as written (the lists key them lower-cased, as SQLite compares them).
                let lost = lostIndexes.map { "index \($0.create.name?.name ?? $0.name)" } + lostTriggers.map { "trigger \($0.name)" }
                let rebuilt = before.tables[table]?.create.name.name ?? table
                guard !lost.isEmpty else { continue }
                // This file created them: their statements as written, names and quotes kept.
                let again = (lostIndexes.map(\.statement) + lostTriggers.map(\.statement)).sorted().map {
                    SQLFragment(context.source, statements[$0]).text
                }
                let fix = SuggestedSQL(again, placement: .atEnd)
                violations.append(Violation(
                    range: statement.range,
                    message: "rebuilding \(rebuilt) drops its \(lost.joined(separator: ", ")), which this file does not create again",
                    help: "after the rebuilt table is in place, create \(lost.count == 1 ? "it" : "them") again: `\(fix.text)`",
                    suggestion: fix))
            }
        }
        return violations
    }

    /// When dropping `name` at statement `d` is part of a rebuild: the rebuilt table's name and
    /// the statement where its old objects leave it (the DROP, or the RENAME TO that moved the
    /// old table aside). Nil when it is not a rebuild.
    static func rebuild(dropping name: String, at d: Int, context: RuleContext) -> (String, Int)? {
        let statements = context.upStatements
        // Old table renamed aside: ALTER TABLE t RENAME TO name; CREATE TABLE t; ...; DROP TABLE name.
        if let r = statements.prefix(d).lastIndex(where: { renamed($0)?.to == name }), let t = renamed(statements[r])?.from,
           statements[(r + 1)..<d].contains(where: { SQLiteRebuildOrderRule.creates($0, t) }) {
            return (t, r)
        }
        // Dropped, then created again or a new table renamed into place.
        let rest = statements[(d + 1)...]
        if rest.contains(where: { SQLiteRebuildOrderRule.creates($0, name) || renamed($0)?.to == name }) {
            return (name, d)
        }
        return nil
    }

    static func renamed(_ statement: Statement) -> (from: String, to: String)? {
        guard case .alterTable(let alter) = statement.kind, alter.actions.count == 1,
              case .renameTable(let to) = alter.actions[0].action else { return nil }
        return (alter.name.key.lowercased(), to.key.lowercased())
    }

    /// Same elements, same uniqueness, same predicate.
    static func sameKey(_ a: CreateIndex, _ b: CreateIndex) -> Bool {
        a.unique == b.unique && a.whereClause?.lowercased() == b.whereClause?.lowercased()
            && a.elements.map { $0.text.lowercased() } == b.elements.map { $0.text.lowercased() }
    }
}

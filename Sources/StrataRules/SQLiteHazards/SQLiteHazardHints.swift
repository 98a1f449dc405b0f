import StrataCore
import StrataSyntax

/// The hints the SQLite hazard rules share, with the table's own name in them.
extension SQLiteHazards {
    /// SQLite's 12-step table rebuild for `table` (https://www.sqlite.org/lang_altertable.html#otheralter),
    /// in a file that runs outside a transaction (said the file's tool's way), with the names
    /// quoted as SQLite needs them: `CREATE TABLE "new_Post" (...); INSERT INTO "new_Post"
    /// SELECT ... FROM "Post"; ...`.
    static func rebuildHelp(_ table: ObjectName, _ context: RuleContext) -> String {
        let old = table.sql(.sqlite)
        let new = SQLIdentifier.quoted("new_" + table.name, for: .sqlite)
        let bare = SQLIdentifier.quoted(table.name, for: .sqlite)
        return "rebuild the table in a file that runs outside a transaction (\(Hints.outsideTransaction(context))): "
            + "PRAGMA foreign_keys = OFF; BEGIN; CREATE TABLE \(new) (the new definition); INSERT INTO \(new) SELECT ... FROM \(old); "
            + "DROP TABLE \(old); ALTER TABLE \(new) RENAME TO \(bare); create the indexes, triggers and views of \(bare) again; "
            + "PRAGMA foreign_key_check; COMMIT; PRAGMA foreign_keys = ON (https://www.sqlite.org/lang_altertable.html#otheralter)"
    }
}

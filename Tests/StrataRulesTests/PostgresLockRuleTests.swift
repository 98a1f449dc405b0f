import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// Behaviour of the PostgreSQL lock rules beyond their examples: skip notes, version gates,
/// branch-new tables under `strata check`, layouts.
@Suite("PostgreSQL lock rules")
struct PostgresLockRuleTests {
    /// A strata-layout file with the given UP section.
    func strataFile(_ up: String) -> String {
        """
        -- @name: Example
        -- @description: An example migration
        -- @timestamp: 2024-01-01T00:00:00Z
        -- @rollbackSafe: true
        -- @performanceImpact: low
        -- @dependencies: []

        -- UP MIGRATION
        \(up)

        -- DOWN MIGRATION
        SELECT 1;

        """
    }

    /// Lints `files` (plain layout unless told) and returns the diagnostics of `rule` in the last one.
    func lint(_ files: [(String, String)], rule: String, layout: LayoutKind = .plain, postgres: Int = 15,
              verbose: Bool = false, history: ExampleHistory? = nil) -> [Diagnostic] {
        let kind = layout.layout
        let inputs = files.map { MigrationInput(id: kind.id(forRelativePath: $0.0), path: $0.0, bytes: Array($0.1.utf8)) }
        var linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: layout)
        linter.versions = DialectVersions(postgres: postgres)
        linter.verbose = verbose
        linter.history = history.map { historyFacts($0, current: inputs, layout: kind, dialect: .postgresql) }
        return linter.lint(inputs).diagnostics.filter { $0.rule == rule && $0.file == files.last!.0 }
    }

    @Test func newTableLeavesANoteOnlyWithVerbose() {
        let sql = "CREATE TABLE t (id INT PRIMARY KEY, a INT);\nCREATE INDEX t_a ON t (a);\n"
        #expect(lint([("1.sql", sql)], rule: "create-index-non-concurrent").isEmpty)
        let notes = lint([("1.sql", sql)], rule: "create-index-non-concurrent", verbose: true)
        #expect(notes.count == 1)
        #expect(notes.first?.severity == .note)
        #expect(notes.first?.message.contains("t is created earlier in this file") == true)
        #expect(notes.first?.line == 2)
    }

    @Test func everyLockRuleNotesANewTable() {
        // `other` is new too: a foreign key to a table that may be busy waits for its lock.
        let sql = """
            CREATE TABLE other (id INT PRIMARY KEY);
            CREATE TABLE t (id INT, a INT, b TEXT, c INT);
            SET lock_timeout = '1s';
            ALTER TABLE t ADD COLUMN u UUID DEFAULT gen_random_uuid();
            ALTER TABLE t ADD COLUMN s BIGSERIAL;
            ALTER TABLE t ADD COLUMN r INT NOT NULL;
            ALTER TABLE t ALTER COLUMN a TYPE BIGINT;
            ALTER TABLE t ALTER COLUMN b SET NOT NULL;
            ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (c) REFERENCES other (id);
            ALTER TABLE t ADD CONSTRAINT t_ck CHECK (a > 0);
            ALTER TABLE t ADD CONSTRAINT t_uq UNIQUE (b);
            ALTER TABLE t ADD PRIMARY KEY (id);
            ALTER TABLE t ADD CONSTRAINT t_ck2 CHECK (c > 0) NOT VALID;
            ALTER TABLE t VALIDATE CONSTRAINT t_ck2;
            CREATE INDEX t_b ON t (b);
            DROP INDEX t_b;
            REINDEX TABLE t;
            CLUSTER t USING t_pkey;
            """
        let rules = ["add-column-volatile-default", "add-column-serial", "add-required-column", "change-column-type",
                     "set-not-null-scan", "add-fk-validated", "add-check-validated", "add-unique-constraint",
                     "add-primary-key", "validate-same-tx", "create-index-non-concurrent", "drop-index-non-concurrent",
                     "reindex-non-concurrent", "table-rewrite-maintenance"]
        for rule in rules {
            #expect(lint([("1.sql", sql)], rule: rule).isEmpty, "\(rule)")
            let notes = lint([("1.sql", sql)], rule: rule, verbose: true)
            #expect(!notes.isEmpty && notes.allSatisfy { $0.severity == .note }, "\(rule): \(notes.map(\.message))")
        }
        // Without the lock_timeout every statement on t is skipped too (VALIDATE takes no strong lock).
        let bare = sql.replacingOccurrences(of: "SET lock_timeout = '1s';\n", with: "")
        #expect(lint([("1.sql", bare)], rule: "missing-lock-timeout").isEmpty)
        #expect(lint([("1.sql", bare)], rule: "missing-lock-timeout", verbose: true).count == 12)
    }

    @Test func tableNewOnTheBranchIsSkippedUnderCheck() {
        let base = strataFile("CREATE TABLE accounts (id BIGINT PRIMARY KEY);")
        let create = strataFile("CREATE TABLE invoices (id BIGINT PRIMARY KEY, account_id BIGINT);")
        let index = strataFile("CREATE INDEX idx_invoices_account ON invoices (account_id);")
        let files = [("0001_base.sql", base), ("0002_invoices.sql", create), ("0003_index.sql", index)]
        // Under `strata lint` the table of an earlier file may be busy.
        #expect(lint(files, rule: "create-index-non-concurrent", layout: .strata).count == 1)
        // Under `strata check`, 0002 is new on the branch: nothing to lock yet.
        let history = ExampleHistory(applied: [("0001_base.sql", base)])
        #expect(lint(files, rule: "create-index-non-concurrent", layout: .strata, history: history).isEmpty)
        // Once 0002 is applied, invoices may hold data.
        let applied = ExampleHistory(applied: [("0001_base.sql", base), ("0002_invoices.sql", create)])
        #expect(lint(files, rule: "create-index-non-concurrent", layout: .strata, history: applied).count == 1)
    }

    @Test func volatileDefaultFollowsThePostgresVersion() {
        let sql = "ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT true;\nALTER TABLE users ADD COLUMN seen TIMESTAMPTZ DEFAULT now();\nALTER TABLE users ADD COLUMN k UUID DEFAULT public.gen_random_uuid();\n"
        #expect(lint([("1.sql", sql)], rule: "add-column-volatile-default", postgres: 11).map(\.line) == [3])
        #expect(lint([("1.sql", sql)], rule: "add-column-volatile-default", postgres: 10).map(\.line) == [1, 2, 3])
    }

    @Test func reindexNeedsPostgres12() {
        let sql = "REINDEX TABLE orders;\n"
        #expect(lint([("1.sql", sql)], rule: "reindex-non-concurrent", postgres: 11).isEmpty)
        #expect(lint([("1.sql", sql)], rule: "reindex-non-concurrent", postgres: 12).count == 1)
        #expect(lint([("1.sql", "REINDEX (CONCURRENTLY false) TABLE orders;\n")], rule: "reindex-non-concurrent").count == 1)
        #expect(lint([("1.sql", "REINDEX SYSTEM app;\n")], rule: "reindex-non-concurrent").isEmpty)
    }

    @Test func setNotNullHelperCheckOnlyCountsFromPostgres12() {
        let sql = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_email_not_null;\n"
        #expect(lint([("1.sql", sql)], rule: "set-not-null-scan", postgres: 12).isEmpty)
        #expect(lint([("1.sql", sql)], rule: "set-not-null-scan", postgres: 11).count == 1)
        // A CHECK validated in this file only counts when it is the same column.
        let other = """
            ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL) NOT VALID;
            ALTER TABLE users VALIDATE CONSTRAINT users_name_nn;
            ALTER TABLE users ALTER COLUMN email SET NOT NULL;
            """
        #expect(lint([("1.sql", other)], rule: "set-not-null-scan").count == 1)
    }

    @Test func timestampToTimestamptzNeedsAUTCZoneAndPostgres12() {
        let utc = "SET TIME ZONE 'UTC';\nALTER TABLE posts ALTER COLUMN published TYPE timestamptz;\n"
        #expect(lint([("1.sql", utc)], rule: "change-column-type").isEmpty)
        #expect(lint([("1.sql", utc)], rule: "change-column-type", postgres: 11).count == 1)
        let paris = "SET timezone = 'Europe/Paris';\nALTER TABLE posts ALTER COLUMN published TYPE timestamptz;\n"
        #expect(lint([("1.sql", paris)], rule: "change-column-type").count == 1)
        let back = "SET timezone = 'UTC';\nSET timezone = 'Europe/Paris';\nALTER TABLE posts ALTER COLUMN published TYPE timestamptz;\n"
        #expect(lint([("1.sql", back)], rule: "change-column-type").count == 1)
    }

    @Test func columnTypeKnownFromThisFile() {
        let sql = """
            ALTER TABLE users ADD COLUMN amount NUMERIC(10,2), ADD COLUMN code CHAR(8), ADD COLUMN tags VARCHAR(20)[];
            ALTER TABLE users ALTER COLUMN amount TYPE NUMERIC(12,2);
            ALTER TABLE users ALTER COLUMN amount TYPE NUMERIC(14,4);
            ALTER TABLE users ALTER COLUMN code TYPE VARCHAR(8);
            ALTER TABLE users ALTER COLUMN tags TYPE VARCHAR(40)[];
            ALTER TABLE users RENAME COLUMN tags TO labels;
            ALTER TABLE users ALTER COLUMN labels TYPE TEXT;
            """
        #expect(lint([("1.sql", sql)], rule: "change-column-type").map(\.line) == [3, 4, 7])
    }

    /// The applier runs a file with a concurrent statement outside a transaction unless its
    /// header asks for one, so only `@transaction: true` or an explicit BEGIN block is reported.
    @Test func concurrentlyInTransactionFollowsWhatTheApplierDoes() {
        let sql = "CREATE INDEX CONCURRENTLY idx_a ON t (a);\nDROP INDEX CONCURRENTLY idx_b;\n"
        let rule = "concurrently-in-transaction"
        #expect(lint([("1.sql", sql)], rule: rule).isEmpty)
        #expect(lint([("0001_a.sql", strataFile(sql))], rule: rule, layout: .strata).isEmpty)
        let declared = strataFile(sql).replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: true\n-- UP MIGRATION")
        #expect(lint([("0001_a.sql", declared)], rule: rule, layout: .strata).count == 2)
        let block = lint([("1.sql", "BEGIN;\n" + sql + "COMMIT;\nCREATE INDEX CONCURRENTLY idx_c ON t (c);\n")], rule: rule)
        #expect(block.map(\.line) == [2, 3])
        #expect(block.first?.message.contains("between BEGIN and COMMIT") == true)
    }

    @Test func dropIndexFindsItsTableInTheSchema() {
        let base = "CREATE TABLE t (id INT, a INT);\nCREATE INDEX t_a ON t (a);\n"
        let drop = "DROP INDEX t_a;\nCREATE INDEX t_a ON t (a);\n"
        let found = lint([("1.sql", base), ("2.sql", drop)], rule: "drop-index-non-concurrent")
        #expect(found.count == 1)
        #expect(found.first?.message.contains("lock on t,") == true)
    }
}

import StrataCore
@testable import StrataRules
import StrataSyntax
import Testing

/// Behaviour of the PostgreSQL change rules beyond their examples.
@Suite("PostgreSQL change rules")
struct PostgresChangeRuleTests {
    /// Lints plain-layout files in order and returns the findings in the last one.
    func lint(_ files: [String], verbose: Bool = false, history: HistoryFacts? = nil,
              versions: DialectVersions = DialectVersions()) -> [Diagnostic] {
        let inputs = files.enumerated().map { index, sql in
            MigrationInput(id: "000\(index + 1)_m", path: "000\(index + 1)_m.sql", bytes: Array(sql.utf8))
        }
        var linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .plain)
        linter.verbose = verbose
        linter.history = history
        linter.versions = versions
        let last = inputs.last!.path
        return linter.lint(inputs).diagnostics.filter { $0.file == last }
    }

    @Test func generatedForeignKeyNamesFollowPostgres() {
        #expect(RelaxConstraintRule.generatedNames(table: "posts", columns: ["author_id"]).contains("posts_author_id_fkey"))
        #expect(RelaxConstraintRule.generatedNames(table: "posts", columns: ["author_id"]).contains("posts_author_id_fkey1"))
        // makeObjectName shortens the longer part first until the name fits in 63 bytes.
        let long = RelaxConstraintRule.generatedNames(table: "organisation_membership_invitations_pending",
                                                      columns: ["invited_by_administrator_account_id"])
        #expect(long.contains("organisation_membership_invit_invited_by_administrator_acc_fkey"))
    }

    @Test func droppingTheGeneratedNameOfALongForeignKeyIsReported() {
        let found = lint([
            "CREATE TABLE organisation_membership_invitations_pending (id bigint, invited_by_administrator_account_id bigint REFERENCES accounts (id));\n",
            "ALTER TABLE organisation_membership_invitations_pending DROP CONSTRAINT organisation_membership_invit_invited_by_administrator_acc_fkey;\n",
        ]).filter { $0.rule == "relax-constraint" }
        #expect(found.count == 1)
    }

    @Test func skippedRulesLeaveNotesUnderVerbose() {
        let sql = "CREATE TABLE t (id bigint, note text NOT NULL);\nALTER TABLE t RENAME COLUMN note TO body;\nALTER TABLE t ALTER COLUMN body DROP NOT NULL;\nALTER TABLE t DROP COLUMN body;\nDROP TABLE t;\n"
        let quiet = lint([sql]).filter { ["rename-column", "relax-constraint", "drop-column", "drop-table"].contains($0.rule) }
        #expect(quiet.isEmpty)
        let changeRules = Set(PostgresChangeRules.types.map { $0.description.id })
        let notes = lint([sql], verbose: true).filter { $0.severity == .note && changeRules.contains($0.rule) }
        #expect(Set(notes.map(\.rule)) == ["rename-column", "relax-constraint", "drop-column", "drop-table"])
        #expect(notes.allSatisfy { $0.message.contains("created earlier in this file") })
    }

    @Test func changesToATableNewOnTheBranchAreQuiet() {
        var history = HistoryFacts(baseName: "origin/main", mergeBase: "abc1234")
        history.baseTip = []
        let found = lint(["CREATE TABLE drafts (id bigint, title text NOT NULL);\n",
                          "ALTER TABLE drafts RENAME COLUMN title TO heading;\nALTER TABLE drafts RENAME TO notes;\n"],
                         history: history)
        #expect(found.filter { ["rename-column", "rename-table"].contains($0.rule) }.isEmpty)
        // Without history the same file is reported.
        let plain = lint(["CREATE TABLE drafts (id bigint, title text NOT NULL);\n",
                          "ALTER TABLE drafts RENAME COLUMN title TO heading;\nALTER TABLE drafts RENAME TO notes;\n"])
        #expect(plain.filter { ["rename-column", "rename-table"].contains($0.rule) }.count == 2)
    }

    @Test func enumValueUsedAfterACommitIsNotReported() {
        let found = lint(["ALTER TYPE mood ADD VALUE 'calm';\nCOMMIT;\nUPDATE people SET mood = 'calm';\n"])
        #expect(found.filter { $0.rule == "enum-value-hazards" }.isEmpty)
        #expect(found.filter { $0.rule == "transaction-balance" }.count == 1)
    }

    @Test func enumAddValueOnOldPostgresOutsideATransactionIsFine() {
        let found = lint(["CREATE INDEX CONCURRENTLY idx_people_mood ON people (mood);\nALTER TYPE mood ADD VALUE 'calm';\n"],
                         versions: DialectVersions(postgres: 11))
        #expect(found.filter { $0.rule == "enum-value-hazards" }.isEmpty)
    }

    @Test func columnSwapIsNotADropOrRename() {
        let found = lint([
            "CREATE TABLE clients (id bigint, audience text);\n",
            """
            ALTER TABLE clients ADD COLUMN audience_json jsonb;
            UPDATE clients SET audience_json = to_jsonb(audience);
            ALTER TABLE clients DROP COLUMN audience;
            ALTER TABLE clients RENAME COLUMN audience_json TO audience;

            """,
        ])
        #expect(found.filter { ["drop-column", "rename-column"].contains($0.rule) }.isEmpty)
    }

    @Test func transactionControlMessages() {
        let wrapped = lint(["BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;\nEND;\n"]).filter { $0.rule == "transaction-balance" }
        #expect(wrapped.map(\.line) == [1, 4])
        #expect(wrapped.allSatisfy { $0.severity == .error })
        let savepoints = lint(["SAVEPOINT s;\nROLLBACK TRANSACTION TO s;\nROLLBACK WORK TO SAVEPOINT s;\nRELEASE s;\n"])
        #expect(savepoints.filter { $0.rule == "transaction-balance" }.isEmpty)
    }
}

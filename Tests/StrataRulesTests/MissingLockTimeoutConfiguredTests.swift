import Foundation
import StrataCore
import StrataRules
import Testing

/// `missing-lock-timeout` when strata.yml sets `postgres.statement_lock_timeout`: `strata up`
/// then runs every migration's statements with that lock_timeout, so the rule warns of nothing
/// and leaves a note for `--verbose`.
@Suite("missing-lock-timeout with the applier's lock_timeout")
struct MissingLockTimeoutConfiguredTests {
    let earlier = ("0001_users.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY);\n")
    let change = ("0002_nickname.sql", "ALTER TABLE users ADD COLUMN nickname TEXT;\nCREATE INDEX users_nick ON users (nickname);\n")

    func lint(timeout: Duration?, verbose: Bool) -> [Diagnostic] {
        let inputs = [earlier, change].map { MigrationInput(id: String($0.0.dropLast(4)), path: $0.0, bytes: Array($0.1.utf8)) }
        var linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .plain)
        linter.applierLockTimeout = timeout
        linter.verbose = verbose
        return linter.lint(inputs).diagnostics.filter { $0.rule == "missing-lock-timeout" }
    }

    @Test func warnsWithoutTheSetting() {
        let found = lint(timeout: nil, verbose: false)
        #expect(found.count == 1)
        #expect(found.first?.severity == .warning)
    }

    @Test func onlyANoteWithVerboseWhenTheApplierSetsTheTimeout() {
        #expect(lint(timeout: .seconds(5), verbose: false).isEmpty)
        let notes = lint(timeout: .milliseconds(1500), verbose: true)
        #expect(notes.count == 1)
        #expect(notes.first?.severity == .note)
        #expect(notes.first?.file == "0002_nickname.sql" && notes.first?.line == 1)
        #expect(notes.first?.message.contains("lock_timeout to 1.5 s") == true)
        #expect(notes.first?.message.contains("postgres.statement_lock_timeout") == true)
    }
}

import Foundation
import StrataSyntax

/// Lint's lock and rewrite findings held against what a trace saw PostgreSQL do, and the
/// hazards the trace saw that no rule reported.
///
/// A finding of a rule with a `TraceExpectation` on a traced statement is `confirmed` when the
/// statement did what the rule said (a rewrite, or a lock at least that strong on an object
/// that existed before its migration), else `not observed`; on a statement that ran outside a
/// transaction its locks could not be read, and on one the trace never reached (a migration
/// before it failed) nothing was seen: `not traced`. Then, for each statement no such finding
/// covers, the trace's own findings: `trace-rewrite` for a table or index rewritten,
/// `trace-exclusive-lock` for an ACCESS EXCLUSIVE lock taken with no lock_timeout, and
/// `trace-failed` where a migration failed on the scratch database.
public enum TraceCrossCheck {
    public enum Status: String, Sendable, Equatable {
        case confirmed
        case notObserved = "not observed"
        case notTraced = "not traced"
    }

    /// A finding in the trace's report: a lint finding with its status, or one of the trace's.
    public struct Finding: Sendable, Equatable {
        public var diagnostic: Diagnostic
        /// Nil for the trace's own findings.
        public var status: Status?

        public init(diagnostic: Diagnostic, status: Status? = nil) {
            self.diagnostic = diagnostic
            self.status = status
        }
    }

    /// Rules whose one finding stands for every statement after it in the file (one `SET
    /// lock_timeout` at the top fixes them all): the trace adds no `trace-exclusive-lock` there.
    static let fileWideRules: Set<String> = ["missing-lock-timeout"]

    public static let rewriteRule = "trace-rewrite"
    public static let exclusiveLockRule = "trace-exclusive-lock"
    public static let failedRule = "trace-failed"

    /// The trace's own checks, described as rules are (for SARIF's rule list and the docs).
    public static let descriptions: [RuleDescription] = [
        RuleDescription(
            id: rewriteRule,
            summary: "The trace saw a statement rewrite a table or index that existed before its migration, and no rule reported it",
            rationale: """
                PostgreSQL rewrote the relation (its relfilenode changed): every row is copied \
                while the statement holds its lock, so on a large table the statement takes as \
                long as the copy and blocks what the lock blocks for all of it.
                """,
            help: "find a form of the change that does not rewrite (a nullable column then a backfill, a new column and a switch-over), or run it in a maintenance window",
            defaultSeverity: .warning, dialects: [.postgresql], suppressible: false,
            triggeringExamples: [], nonTriggeringExamples: []),
        RuleDescription(
            id: exclusiveLockRule,
            summary: "The trace saw a statement take an ACCESS EXCLUSIVE lock on an existing object with no lock_timeout, and no rule reported it",
            rationale: """
                An ACCESS EXCLUSIVE lock conflicts with every query, reads included. Before it is \
                granted the statement waits for every transaction using the object, and every \
                later query queues behind it; with lock_timeout set the statement gives up \
                instead and can be retried.
                """,
            help: "set lock_timeout before the statement (`SET lock_timeout = '5s'`), or let the applier set it (postgres.statement_lock_timeout in strata.yml)",
            defaultSeverity: .warning, dialects: [.postgresql], suppressible: false,
            triggeringExamples: [], nonTriggeringExamples: []),
        RuleDescription(
            id: failedRule,
            summary: "A migration failed when the trace ran it on an empty PostgreSQL database",
            rationale: """
                The trace runs the migrations in order from an empty database, as a new \
                environment would: a migration that fails there fails on every fresh database.
                """,
            help: "fix the statement; the trace stops at the first failure because later migrations build on it",
            defaultSeverity: .error, dialects: [.postgresql], suppressible: false,
            triggeringExamples: [], nonTriggeringExamples: []),
    ]

    /// The findings for `report`'s reported migrations. `lint`: the lint findings of their
    /// files, under the same paths as `TracedMigration.file`; `expectations`: rule id → what
    /// the rule predicts (`RuleDescription.traceExpectation`); `applierSetsLockTimeout`: the
    /// applier sets lock_timeout (postgres.statement_lock_timeout), so no lock waits unbounded.
    public static func findings(_ report: TraceReport, lint: [Diagnostic], expectations: [String: TraceExpectation],
                                applierSetsLockTimeout: Bool = false) -> [Finding] {
        var findings: [Finding] = []
        let byFile = Dictionary(grouping: lint.filter { expectations[$0.rule] != nil }, by: \.file)
        for migration in report.migrations where migration.reported {
            let fileFindings = byFile[migration.file] ?? []
            var covered = Set<Int>()  // statements a lint finding covers
            // From the first finding of a file-wide rule on, no statement waits without a lint
            // finding saying so.
            let fileWideFrom = fileFindings.filter { fileWideRules.contains($0.rule) }.map(\.range.start.offset).min()
            for diagnostic in fileFindings {
                guard let expectation = expectations[diagnostic.rule] else { continue }
                let index = migration.statements.firstIndex { contains($0, diagnostic.range.start.offset) }
                var annotated = diagnostic
                let status: Status
                if let index {
                    covered.insert(index)
                    let statement = migration.statements[index]
                    var note = seen(statement)
                    var observed = expectation.isMet(rewrote: !statement.rewrites.isEmpty, strongest: strongest(statement))
                    if !observed, migration.transactional, let held = heldBefore(index, in: migration, naming: statement.sql),
                       expectation.isMet(rewrote: !statement.rewrites.isEmpty, strongest: held.mode) {
                        // Locks last to the end of the transaction: an earlier statement's lock
                        // on the same object is held while this one runs (PostgreSQL lists a
                        // lock once, when it is first taken).
                        observed = true
                        note += "; \(held.mode.name) on \(held.object) held since line \(held.line)"
                    }
                    if observed {
                        status = .confirmed
                    } else if !statement.locksSeen, expectation != .rewrite {
                        status = .notTraced
                    } else {
                        status = .notObserved
                    }
                    annotated.notes.append("trace: \(status.rawValue): expected \(expectation.described); \(note)")
                } else {
                    // Not on a statement the trace ran: after a failure, in a DOWN section.
                    status = .notTraced
                    annotated.notes.append("trace: \(status.rawValue): the trace did not run this statement")
                }
                findings.append(Finding(diagnostic: annotated, status: status))
            }
            for (index, statement) in migration.statements.enumerated() where !covered.contains(index) {
                let timeoutReported = fileWideFrom.map { statement.start.offset >= $0 } ?? false
                findings += ownFindings(statement, in: migration, applierSetsLockTimeout: applierSetsLockTimeout || timeoutReported)
            }
            if let error = migration.error {
                let position = migration.errorPosition ?? SourcePosition(offset: 0, line: 1, column: 1)
                findings.append(Finding(diagnostic: Diagnostic(
                    rule: failedRule, severity: .error, file: migration.file, range: SourceRange(at: position),
                    message: "\(migration.id) failed on the trace's database: \(firstLine(of: error))",
                    help: descriptions[2].help), status: nil))
            }
        }
        return findings.sorted { Diagnostic.reportOrder($0.diagnostic, $1.diagnostic) }
    }

    /// The trace's own findings on a statement no lint finding covers.
    static func ownFindings(_ statement: TracedStatement, in migration: TracedMigration, applierSetsLockTimeout: Bool) -> [Finding] {
        var found: [Finding] = []
        let range = SourceRange(at: statement.start)
        let what = leadingWords(statement.sql)
        if !statement.rewrites.isEmpty {
            found.append(Finding(diagnostic: Diagnostic(
                rule: rewriteRule, severity: .warning, file: migration.file, range: range,
                message: "\(what) rewrote \(statement.rewrites.joined(separator: ", ")) (PostgreSQL copied it to new storage) under its lock",
                help: descriptions[0].help), status: nil))
        }
        let exclusive = statement.locks.filter { $0.mode == PostgresLockMode.accessExclusive.name }
        if !exclusive.isEmpty, statement.lockTimeoutMilliseconds == 0, !applierSetsLockTimeout {
            let names = exclusive.map { "\($0.kind) \($0.qualifiedName)" }.joined(separator: ", ")
            found.append(Finding(diagnostic: Diagnostic(
                rule: exclusiveLockRule, severity: .warning, file: migration.file, range: range,
                message: "\(what) took an AccessExclusiveLock on \(names) with no lock_timeout, so every query on it queues while the statement waits",
                help: descriptions[1].help), status: nil))
        }
        return found
    }

    /// Whether a finding at `offset` is on the statement (from its first byte to just past its
    /// `;`).
    static func contains(_ statement: TracedStatement, _ offset: Int) -> Bool {
        offset >= statement.start.offset && offset <= statement.start.offset + statement.sql.utf8.count
    }

    /// The strongest lock an earlier statement of the migration took on an object `sql` names
    /// (by its name as a word, quoted or not), with where it was taken.
    static func heldBefore(_ index: Int, in migration: TracedMigration, naming sql: String) -> (mode: PostgresLockMode, object: String, line: Int)? {
        let words = Set(sql.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") }.map(String.init))
        var best: (mode: PostgresLockMode, object: String, line: Int)?
        for earlier in migration.statements[..<index] {
            for lock in earlier.locks where words.contains(lock.object.lowercased()) {
                guard let mode = lock.lockMode, best.map({ mode > $0.mode }) ?? true else { continue }
                best = (mode, lock.qualifiedName, earlier.start.line)
            }
        }
        return best
    }

    static func strongest(_ statement: TracedStatement) -> PostgresLockMode? {
        statement.locks.compactMap(\.lockMode).max()
    }

    /// What the trace saw, for a finding's note.
    static func seen(_ statement: TracedStatement) -> String {
        var parts: [String] = []
        if !statement.rewrites.isEmpty { parts.append("rewrote \(statement.rewrites.joined(separator: ", "))") }
        if !statement.locksSeen {
            parts.append("its locks could not be read (it ran outside a transaction)")
        } else if let strongest = strongest(statement) {
            let on = statement.locks.filter { $0.mode == strongest.name }.map(\.qualifiedName).joined(separator: ", ")
            parts.append("saw \(strongest.name) on \(on)")
        } else {
            parts.append("saw no lock on an object that existed before the migration")
        }
        return parts.joined(separator: "; ")
    }

    /// `ALTER TABLE users`: the statement's first words, for messages.
    static func leadingWords(_ sql: String) -> String {
        let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).prefix(3)
        return words.joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: ";("))
    }

    static func firstLine(of text: String) -> String {
        text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
    }
}

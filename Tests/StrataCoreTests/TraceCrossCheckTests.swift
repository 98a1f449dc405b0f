import StrataCore
import StrataSyntax
import Testing

/// Lint's lock and rewrite findings against what a trace saw, and the trace's own findings.
@Suite struct TraceCrossCheckTests {
    static let file = "db/0002_change.sql"
    // Two statements: one at byte 0 (line 1), one at byte 60 (line 2).
    static let alter = "ALTER TABLE accounts ALTER COLUMN id TYPE bigint"
    static let index = "CREATE INDEX idx_accounts_email ON accounts (email)"

    static func statement(_ sql: String, at offset: Int, line: Int, locks: [(String, String)] = [], rewrites: [String] = [],
                          lockTimeout: Int = 0, locksSeen: Bool = true) -> TracedStatement {
        var s = TracedStatement(start: SourcePosition(offset: offset, line: line, column: 1), sql: sql, durationMilliseconds: 1,
                                locks: locks.map { TracedLock(schema: "public", object: $0.0, kind: "table", mode: $0.1) },
                                rewrites: rewrites, locksSeen: locksSeen)
        s.lockTimeoutMilliseconds = lockTimeout
        return s
    }

    static func finding(_ rule: String, at offset: Int, line: Int) -> Diagnostic {
        Diagnostic(rule: rule, severity: .warning, file: file, range: SourceRange(at: SourcePosition(offset: offset, line: line, column: 1)),
                   message: "\(rule) says so")
    }

    static let expectations: [String: TraceExpectation] = [
        "change-column-type": .rewriteOrLock(.accessExclusive),
        "create-index-non-concurrent": .lock(.share),
        "add-column-volatile-default": .rewrite,
    ]

    static func report(_ statements: [TracedStatement], transactional: Bool = true, reported: Bool = true) -> TraceReport {
        TraceReport(migrations: [TracedMigration(id: "0002_change", file: file, transactional: transactional, reported: reported,
                                                 statements: statements)])
    }

    @Test func aFindingIsConfirmedWhenTheTraceSawWhatTheRuleSaid() {
        let trace = Self.report([
            Self.statement(Self.alter, at: 0, line: 1, locks: [("accounts", "AccessExclusiveLock")], rewrites: ["public.accounts"]),
            Self.statement(Self.index, at: 60, line: 2, locks: [("accounts", "ShareLock")]),
        ])
        let found = TraceCrossCheck.findings(trace, lint: [Self.finding("change-column-type", at: 12, line: 1),
                                                           Self.finding("create-index-non-concurrent", at: 60, line: 2)],
                                             expectations: Self.expectations)
        #expect(found.map(\.status) == [.confirmed, .confirmed])
        #expect(found[0].diagnostic.notes.last?.contains("rewrote public.accounts") == true)
        #expect(found[1].diagnostic.notes.last?.contains("saw ShareLock on public.accounts") == true)
        // Covered by a rule, so the trace adds nothing of its own.
        #expect(!found.contains { $0.status == nil })
    }

    @Test func aFindingIsNotObservedWhenTheTraceSawLess() {
        let trace = Self.report([Self.statement(Self.index, at: 0, line: 1, locks: [("accounts", "RowExclusiveLock")])])
        let found = TraceCrossCheck.findings(trace, lint: [Self.finding("create-index-non-concurrent", at: 0, line: 1),
                                                           Self.finding("add-column-volatile-default", at: 5, line: 1)],
                                             expectations: Self.expectations)
        #expect(found.map(\.status) == [.notObserved, .notObserved])
        #expect(found[0].diagnostic.notes.last?.hasPrefix("trace: not observed: expected a ShareLock or stronger") == true)
    }

    @Test func findingsOfOtherRulesAreLeftOut() {
        let trace = Self.report([Self.statement(Self.alter, at: 0, line: 1, locks: [("accounts", "AccessExclusiveLock")], lockTimeout: 5000)])
        let found = TraceCrossCheck.findings(trace, lint: [Self.finding("missing-down", at: 0, line: 1)], expectations: Self.expectations)
        #expect(found.isEmpty)
    }

    @Test func whatNoRuleReportedBecomesTheTracesOwnFinding() {
        let trace = Self.report([
            Self.statement(Self.alter, at: 0, line: 1, locks: [("accounts", "AccessExclusiveLock")], rewrites: ["public.accounts"]),
            Self.statement(Self.index, at: 60, line: 2, locks: [("accounts", "ShareLock")]),
        ])
        let found = TraceCrossCheck.findings(trace, lint: [], expectations: Self.expectations)
        #expect(found.map(\.diagnostic.rule) == ["trace-exclusive-lock", "trace-rewrite"])
        #expect(found.allSatisfy { $0.status == nil && $0.diagnostic.line == 1 && $0.diagnostic.file == Self.file })
        #expect(found[1].diagnostic.message.contains("rewrote public.accounts"))
    }

    @Test func aLockTimeoutInTheSessionOrFromTheApplierQuietsTheExclusiveLockFinding() {
        let withTimeout = Self.report([Self.statement(Self.alter, at: 0, line: 1, locks: [("accounts", "AccessExclusiveLock")], lockTimeout: 2000)])
        #expect(TraceCrossCheck.findings(withTimeout, lint: [], expectations: [:]).isEmpty)
        let without = Self.report([Self.statement(Self.alter, at: 0, line: 1, locks: [("accounts", "AccessExclusiveLock")])])
        #expect(TraceCrossCheck.findings(without, lint: [], expectations: [:]).count == 1)
        #expect(TraceCrossCheck.findings(without, lint: [], expectations: [:], applierSetsLockTimeout: true).isEmpty)
    }

    @Test func locksOfAStatementRunOutsideATransactionAreNotTraced() {
        let trace = Self.report([Self.statement("CREATE INDEX CONCURRENTLY idx ON accounts (email)", at: 0, line: 1, locksSeen: false)],
                                transactional: false)
        let found = TraceCrossCheck.findings(trace, lint: [Self.finding("create-index-non-concurrent", at: 0, line: 1)],
                                             expectations: Self.expectations)
        #expect(found.map(\.status) == [.notTraced])
    }

    @Test func aFailedMigrationIsAnErrorWhereItFailed() {
        var migration = TracedMigration(id: "0002_change", file: Self.file, transactional: true,
                                        statements: [Self.statement(Self.alter, at: 0, line: 1)])
        migration.error = "db/0002_change.sql:2:14: 0002_change failed: relation \"acounts\" does not exist\n  statement: CREATE INDEX"
        migration.errorPosition = SourcePosition(offset: 73, line: 2, column: 14)
        let found = TraceCrossCheck.findings(TraceReport(migrations: [migration]),
                                             lint: [Self.finding("create-index-non-concurrent", at: 60, line: 2)],
                                             expectations: Self.expectations)
        // The finding on the statement the trace never ran is not traced; the failure is an error.
        #expect(found.map(\.diagnostic.rule) == ["create-index-non-concurrent", "trace-failed"])
        #expect(found[0].status == .notTraced)
        #expect(found[1].diagnostic.severity == .error && found[1].diagnostic.line == 2 && found[1].diagnostic.column == 14)
        #expect(!found[1].diagnostic.message.contains("\n"))
    }

    @Test func migrationsThatOnlyBuiltTheSchemaAreNotReported() {
        let trace = Self.report([Self.statement(Self.alter, at: 0, line: 1, locks: [("accounts", "AccessExclusiveLock")], rewrites: ["public.accounts"])],
                                reported: false)
        #expect(TraceCrossCheck.findings(trace, lint: [Self.finding("change-column-type", at: 0, line: 1)], expectations: Self.expectations).isEmpty)
    }

    @Test func lockModesCompareByStrength() {
        #expect(PostgresLockMode(name: "ShareRowExclusiveLock")! > .share)
        #expect(PostgresLockMode(name: "RowExclusiveLock")! < .share)
        #expect(PostgresLockMode(name: "NoSuchLock") == nil)
        #expect(PostgresLockMode.allCases.map(\.name).allSatisfy { PostgresLockMode(name: $0) != nil })
        #expect(TraceExpectation.lock(.share).isMet(rewrote: false, strongest: .accessExclusive))
        #expect(!TraceExpectation.rewrite.isMet(rewrote: false, strongest: .accessExclusive))
    }
}

extension TraceCrossCheckTests {
    /// PostgreSQL lists a lock once, when the transaction first takes it: a later statement on
    /// the same table runs under it.
    @Test func aLockHeldSinceAnEarlierStatementOnTheSameTableConfirms() {
        let trace = Self.report([
            Self.statement(Self.alter, at: 0, line: 1, locks: [("accounts", "AccessExclusiveLock")], rewrites: ["public.accounts"]),
            Self.statement(Self.index, at: 60, line: 2),
            Self.statement("CREATE INDEX idx_orders_ref ON orders (ref)", at: 120, line: 3),
        ])
        let found = TraceCrossCheck.findings(trace, lint: [Self.finding("create-index-non-concurrent", at: 60, line: 2),
                                                           Self.finding("create-index-non-concurrent", at: 120, line: 3)],
                                             expectations: Self.expectations).filter { $0.status != nil }
        #expect(found.map(\.status) == [.confirmed, .notObserved])
        #expect(found[0].diagnostic.notes.last?.contains("AccessExclusiveLock on public.accounts held since line 1") == true)
        // Outside a transaction each statement's locks end with it.
        var outside = trace
        outside.migrations[0].transactional = false
        #expect(TraceCrossCheck.findings(outside, lint: [Self.finding("create-index-non-concurrent", at: 60, line: 2)],
                                         expectations: Self.expectations).compactMap(\.status) == [.notObserved])
    }
}

extension TraceCrossCheckTests {
    /// missing-lock-timeout reports a file once, at its first lock-taking statement, for all of
    /// them: the trace does not add an exclusive-lock finding for each statement after it.
    @Test func aMissingLockTimeoutFindingCoversTheStatementsAfterIt() {
        let trace = Self.report([
            Self.statement(Self.alter, at: 0, line: 1, locks: [("accounts", "AccessExclusiveLock")]),
            Self.statement("ALTER TABLE orders ADD COLUMN note text", at: 60, line: 2, locks: [("orders", "AccessExclusiveLock")]),
        ])
        let expectations: [String: TraceExpectation] = ["missing-lock-timeout": .lock(.share)]
        let covered = TraceCrossCheck.findings(trace, lint: [Self.finding("missing-lock-timeout", at: 0, line: 1)], expectations: expectations)
        #expect(covered.map(\.diagnostic.rule) == ["missing-lock-timeout"])
        #expect(covered[0].status == .confirmed)
        // Without it, each statement is the trace's own finding.
        let uncovered = TraceCrossCheck.findings(trace, lint: [], expectations: expectations)
        #expect(uncovered.map(\.diagnostic.rule) == ["trace-exclusive-lock", "trace-exclusive-lock"])
    }
}

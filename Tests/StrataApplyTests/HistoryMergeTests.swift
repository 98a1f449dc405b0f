import Testing
@testable import StrataApply

@Suite("History: applies held by tracking rows merged with recorded events")
struct HistoryMergeTests {
    private func event(_ id: String, _ at: String, _ kind: HistoryEvent.Kind) -> HistoryEvent {
        HistoryEvent(kind: kind, migrationID: id, occurredAt: at, actor: "t")
    }

    /// Time order across both lists; at one moment an apply held by a row precedes what
    /// followed it in the same millisecond.
    @Test func keepsTimeOrderAndPutsAppliesFirstOnTies() {
        let rows = [event("a", "2025-01-01", .applied), event("c", "2025-01-03", .applied)]
        let recorded = [event("x", "2024-12-31", .repaired), event("b", "2025-01-03", .rolledBack), event("d", "2025-01-04", .rolledBack)]
        #expect(Ledger.ordered(rows, recorded).map(\.migrationID) == ["x", "a", "c", "b", "d"])
        #expect(Ledger.ordered([], recorded) == recorded && Ledger.ordered(rows, []) == rows)
    }

    /// One run applied 0001, 0002 and 0003 in the same millisecond; 0003 was rolled back
    /// first, so its apply was copied to the events before 0002's. History still shows the
    /// run's order, whichever list holds each apply, and a rollback after them.
    @Test func appliesOfOneMomentComeInTheirRunsOrder() {
        let t = "2025-01-01T00:00:00.000Z"
        let rows = [event("0001_a", t, .applied)]
        let recorded = [event("0003_c", t, .applied), event("0003_c", "2025-01-01T00:00:01.000Z", .rolledBack),
                        event("0002_b", t, .applied), event("0002_b", t, .failed)]
        #expect(Ledger.ordered(rows, recorded).map { "\($0.kind.rawValue) \($0.migrationID)" }
                == ["applied 0001_a", "applied 0002_b", "applied 0003_c", "failed 0002_b", "rolled_back 0003_c"])
    }
}

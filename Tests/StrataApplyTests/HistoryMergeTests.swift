import Testing
@testable import StrataApply

@Suite("History: applies held by tracking rows merged with recorded events")
struct HistoryMergeTests {
    /// The merge: two time-ordered lists, the rows' applies first at equal times.
    @Test func mergeKeepsTimeOrderAndPutsRowsFirstOnTies() {
        func event(_ id: String, _ at: String, _ kind: HistoryEvent.Kind) -> HistoryEvent {
            HistoryEvent(kind: kind, migrationID: id, occurredAt: at, actor: "t")
        }
        let rows = [event("a", "2025-01-01", .applied), event("c", "2025-01-03", .applied)]
        let recorded = [event("x", "2024-12-31", .repaired), event("b", "2025-01-03", .rolledBack), event("d", "2025-01-04", .rolledBack)]
        #expect(Ledger.merged(rows, recorded).map(\.migrationID) == ["x", "a", "c", "b", "d"])
        #expect(Ledger.merged([], recorded) == recorded && Ledger.merged(rows, []) == rows)
    }
}

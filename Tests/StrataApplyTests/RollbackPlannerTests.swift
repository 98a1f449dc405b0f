import Foundation
@testable import StrataApply
import StrataCore
import Testing

/// Which migrations a rollback undoes and what blocks it, from tracking rows and files.
@Suite("Rollback plan")
struct RollbackPlannerTests {
    /// Files 0001...0004 (0004 depends on 0002) and their rows, applied in order.
    let inputs = [
        migration("0001_a", up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"),
        migration("0002_b", up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"),
        migration("0003_c", header: "-- @rollbackSafe: false", up: "CREATE TABLE c (x INT);", down: "DROP TABLE c;"),
        migration("0004_d", header: "-- @dependencies: [\"0002_b\"]", up: "CREATE TABLE d (x INT);", down: "DROP TABLE d;"),
    ]

    var files: [String: MigrationFile] {
        Dictionary(uniqueKeysWithValues: inputs.map { ($0.id, LayoutKind.strata.layout.parse($0, dialect: .sqlite, depth: .full)) })
    }

    func rows(_ ids: [String], at time: String = "2026-01-01T00:00:00.000Z") -> [LedgerEntry] {
        let byID = Dictionary(uniqueKeysWithValues: inputs.map { ($0.id, $0) })
        return ids.map { id in
            let file = LayoutKind.strata.layout.parse(byID[id]!, dialect: .sqlite, depth: .full)
            return LedgerEntry(id: id, name: id, checksum: Checksum.of(byID[id]!.bytes), downChecksum: MigrationCatalog.downChecksum(file),
                               appliedAt: time, executionMilliseconds: 1, appliedBy: "t", status: .applied)
        }
    }

    func plan(_ selection: RollbackSelection, _ applied: [LedgerEntry]) -> RollbackPlan {
        RollbackPlanner.plan(selection, applied: applied, files: files, catalogOrder: inputs.map(\.id))
    }

    @Test func stepsTakeTheLastAppliedInReverseOrder() {
        // All four share one millisecond: the catalog order breaks the tie (not the ids' text).
        let result = plan(.steps(2), rows(["0004_d", "0001_a", "0003_c", "0002_b"]))
        #expect(result.refusal == nil)
        #expect(result.steps.map(\.id) == ["0004_d", "0003_c"])
        #expect(result.steps[1].risk.level == .blocked, "0003 says @rollbackSafe: false")
        #expect(result.steps[0].down.map(\.sql) == ["DROP TABLE d"])
        #expect(result.steps[0].risk.level == .low)
    }

    @Test func targetKeepsItAndUndoesEverythingAfter() {
        let result = plan(.target("0002_b"), rows(["0001_a", "0002_b", "0003_c", "0004_d"]))
        #expect(result.steps.map(\.id) == ["0004_d", "0003_c"])
        #expect(plan(.target("0004_d"), rows(["0001_a", "0004_d"])).refusal == "nothing is applied after 0004_d: nothing to roll back")
        #expect(plan(.target("0003_c"), rows(["0001_a"])).refusal?.contains("is not applied") == true)
        #expect(plan(.target("0009_x"), rows(["0001_a"])).refusal?.contains("is not a migration") == true)
        #expect(plan(.steps(1), []).refusal == "nothing is applied: nothing to roll back")
    }

    @Test func aStillAppliedDependentBlocksAndSaysHowToIncludeIt() {
        let applied = rows(["0001_a", "0002_b", "0004_d"])
        let result = plan(.target("0001_a"), applied)
        #expect(result.steps.map(\.id) == ["0004_d", "0002_b"])
        #expect(result.level == .low, "0004 is rolled back first, so nothing depends on 0002 any more")
        // Applied out of order (0004 before the 0002 it depends on): undoing the last one leaves 0004.
        let alone = RollbackPlanner.plan(.steps(1), applied: rows(["0001_a", "0004_d", "0002_b"], at: "x"), files: files,
                                         catalogOrder: ["0001_a", "0004_d", "0002_b"])
        #expect(alone.steps.map(\.id) == ["0002_b"])
        let blocked = alone.steps[0].risk.items.first { $0.kind == .dependents }
        #expect(blocked?.level == .blocked)
        #expect(blocked?.detail == "still applied and depending on it: 0004_d (roll them back too: --steps 2)")
    }

    @Test func missingDownFailedRowsAndEditedFilesAreSaid() {
        var applied = rows(["0001_a", "0002_b"])
        applied[1].checksum = "edited"
        let edited = plan(.steps(1), applied)
        #expect(edited.steps[0].risk.items.map(\.kind) == [.changedSinceApplied])
        #expect(edited.steps[0].risk.level == .medium)
        var failed = rows(["0001_a"])
        failed[0].status = .failed
        #expect(plan(.steps(1), failed).refusal?.contains("strata repair 0001_a") == true)
        let orphan = RollbackPlanner.plan(.steps(1), applied: rows(["0001_a"]), files: [:], catalogOrder: [])
        #expect(orphan.steps[0].risk.items.map(\.kind) == [.missingDown])
        #expect(orphan.steps[0].down.isEmpty)
    }
}

import Foundation
import StrataApply
import Testing

/// `up --single-transaction` writes its tracking rows together at the end, many to an INSERT
/// (`Ledger.rowsPerInsert`): every row arrives whole, whatever the count.
@Suite("Tracking rows written together")
struct LedgerBatchTests {
    @Test(arguments: Backend.all)
    func aSingleTransactionRunRecordsEveryRowWhole(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        // Two full INSERTs and a partial one.
        let count = 2 * 90 + 7
        let inputs = (1...count).map { n in migration(String(format: "%04d_t%d", n, n), up: "CREATE TABLE t\(n) (x INT);") }
        let applier = try scratch.applier(inputs)
        let report = try applier.up(UpRequest(singleTransaction: true)).get()
        #expect(report.applied.count == count)
        let rows = try applier.appliedRows()
        #expect(rows.map(\.id) == inputs.map(\.id))
        #expect(rows.map(\.checksum) == applier.catalog.entries.map(\.checksum))
        #expect(rows.allSatisfy { $0.status == .applied && $0.name == $0.id && !$0.appliedAt.isEmpty && $0.pid != nil })
    }
}

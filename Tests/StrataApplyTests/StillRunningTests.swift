import Foundation
import StrataApply
import StrataCore
import Testing

/// Lines said from another thread, in order.
private final class SaidLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

@Suite("A slow migration says it is still running")
struct StillRunningTests {
    /// About a second and a half of work on each database, in one statement.
    static func slowStatement(_ backend: Backend) -> String {
        switch backend {
        case .postgres: "SELECT pg_sleep(1.5);"
        case .sqlite: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 6000000) SELECT count(*) FROM c;"
        }
    }

    /// While UP and then DOWN run, lines come from another thread after the first delay, each
    /// naming the migration; none after its own progress line; a fast one says none.
    @Test(arguments: Backend.all)
    func upAndRollbackSayItWhileTheyRun(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let slow = Self.slowStatement(backend)
        let applier = try scratch.applier([migration("0001_fast", up: "CREATE TABLE fast (x INT);"),
                                           migration("0002_slow", up: slow, down: slow)])
        let said = SaidLines()
        applier.progress = { said.add($0) }
        applier.stillRunning = { said.add($0) }
        applier.stillRunningAfter = .milliseconds(200)
        applier.stillRunningEvery = .milliseconds(300)
        _ = try applier.up(try #require(try applier.plan().success))
        Thread.sleep(forTimeInterval: 0.5)
        let lines = said.all
        #expect(lines.first?.hasPrefix("[1/2] 0001_fast ... ok") == true, "\(lines)")
        let running = lines.dropFirst().prefix { $0.hasPrefix("[2/2] 0002_slow ... still running after ") }
        #expect(running.count >= 1, "\(lines)")
        #expect(lines.count == running.count + 2 && lines.last?.hasPrefix("[2/2] 0002_slow ... ok") == true, "\(lines)")

        let before = said.all.count
        let inputs = [migration("0001_fast", up: "CREATE TABLE fast (x INT);"), migration("0002_slow", up: slow, down: slow)]
        let files = Dictionary(uniqueKeysWithValues: inputs.map { ($0.id, LayoutKind.strata.layout.parse($0, dialect: backend == .sqlite ? .sqlite : .postgresql, depth: .full)) })
        let plan = RollbackPlanner.plan(.steps(1), applied: try applier.appliedRows(), files: files,
                                        catalogOrder: applier.catalog.entries.map(\.id))
        _ = try applier.rollback(plan, reason: nil, forced: true)
        Thread.sleep(forTimeInterval: 0.5)
        let undo = Array(said.all.dropFirst(before))
        #expect(undo.dropLast().allSatisfy { $0.hasPrefix("[1/1] 0002_slow ... still running after ") } && undo.count >= 3, "\(undo)")
        #expect(undo.last?.contains("0002_slow ... rolled back") == true, "\(undo)")
    }
}

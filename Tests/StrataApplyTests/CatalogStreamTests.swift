import Foundation
import StrataApply
import StrataCore
import Testing

/// The stream `up --single-transaction` reads its files from while it runs: every file made
/// once, in the order of ids, on a thread of its own, and handed to each thread that waits.
@Suite("Catalog stream")
struct CatalogStreamTests {
    /// `count` numbered migrations in a folder of their own, each creating table `t_N`.
    private static func folder(_ count: Int) throws -> (TemporaryFolder, [DiscoveredFile]) {
        let folder = try TemporaryFolder()
        let migrations = folder.path("migrations")
        try FileManager.default.createDirectory(atPath: migrations, withIntermediateDirectories: true)
        for n in 1...count {
            let id = String(format: "%04d_create_t_%d", n, n)
            let text = """
                -- @name: Create t_\(n)
                -- @description: table \(n)
                -- @timestamp: 2024-01-01T00:00:00Z
                -- @rollbackSafe: true
                -- @performanceImpact: low
                -- @dependencies: []

                -- UP MIGRATION
                CREATE TABLE t_\(n) (id INTEGER PRIMARY KEY);

                -- DOWN MIGRATION
                DROP TABLE t_\(n);

                """
            try text.write(toFile: migrations + "/\(id).sql", atomically: true, encoding: .utf8)
        }
        let files = try FileDiscovery.discover([migrations], layout: LayoutKind.strata.layout)
        // Written in reverse: the stream orders by id, not by the order it was given.
        return (folder, files.reversed())
    }

    @Test func entriesComeInIDOrderEachFromItsFileAndAnUnreadableFileAsItsFailure() throws {
        let (folder, files) = try Self.folder(40)
        try FileManager.default.removeItem(atPath: folder.path("migrations/0017_create_t_17.sql"))
        let stream = CatalogStream(files, layout: .strata, dialect: .sqlite)
        #expect(stream.files.map(\.id) == (1...40).map { String(format: "%04d_create_t_%d", $0, $0) })
        for (i, file) in stream.files.enumerated() {
            switch stream.entry(i) {
            case .success(let entry):
                #expect(i != 16)
                #expect(entry.id == file.id)
                #expect(entry.path == file.path)
                #expect(entry.up.map(\.sql) == ["CREATE TABLE t_\(i + 1) (id INTEGER PRIMARY KEY)"])
                #expect(entry.checksum == Checksum.of(Array(try Data(contentsOf: URL(fileURLWithPath: file.path)))))
            case .failure(let error):
                #expect(i == 16)
                #expect(error.path.hasSuffix("0017_create_t_17.sql"))
            }
        }
        // The whole items agree with the entries handed out one by one.
        let items = stream.all()
        #expect(items.count == 40)
        #expect(items.compactMap { try? $0.get().entry.id } == stream.files.map(\.id).filter { !$0.hasPrefix("0017") })
    }

    /// Two threads wait at once, one for each file in turn (the applier), one for all of them
    /// (the lint): the producer wakes a waiter only when what it needs is made, and neither
    /// may be left waiting.
    @Test(.timeLimit(.minutes(1)))
    func aReaderOfEachEntryAndAWaiterForAllBothFinish() async throws {
        let (folder, files) = try Self.folder(400)
        _ = folder
        for _ in 0..<5 {
            let stream = CatalogStream(files, layout: .strata, dialect: .sqlite)
            async let everything = Task.detached { stream.all().count }.value
            var ids: [String] = []
            for i in stream.files.indices { ids.append(try stream.entry(i).get().id) }
            #expect(ids == stream.files.map(\.id))
            #expect(await everything == 400)
        }
    }
}

import Foundation
import StrataGit
import Testing

@Suite("libgit2 repository")
struct RepositoryTests {
    @Test func outsideARepositoryIsAClearError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-norepo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: GitError.self) { try Repository(discoveringFrom: folder.path) }
    }
}

import Foundation
import StrataGit
import Testing

/// The libgit2 layer against repositories built with the git CLI.
@Suite("libgit2 layer")
struct RepositoryLayerTests {
    static func sql(_ path: String) -> Bool { path.hasSuffix(".sql") }

    func text(_ file: GitFile) -> String { String(decoding: file.bytes, as: UTF8.self) }

    @Test func openingAndBasicFacts() throws {
        let temp = try TempRepository()
        try temp.write("db/x.txt", "x\n")
        // Found from a sub-folder, as git does.
        let repository = try Repository(discoveringFrom: temp.root.appendingPathComponent("db").path)
        let real = URL(fileURLWithPath: temp.path).resolvingSymlinksInPath().path
        #expect(repository.workdir.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } == real)
        #expect(repository.workdir?.hasSuffix("/") == true)
        #expect(repository.gitDirectory.hasSuffix("/.git/"))
        #expect(!repository.isShallow)
        #expect(try repository.headCommit() == nil, "no commit yet")
        #expect(try repository.resolveCommit("HEAD") == nil)
        #expect(try repository.configValue("core.hooksPath") == nil)
        try temp.git("config", "core.hooksPath", "githooks")
        #expect(try Repository(discoveringFrom: temp.path).configValue("core.hooksPath") == "githooks")
    }

    @Test func resolveCommit() throws {
        let temp = try TempRepository()
        try temp.write("migrations/0001_a.sql", "SELECT 1;\n")
        try temp.commitAll("one")
        try temp.write("migrations/0002_b.sql", "SELECT 2;\n")
        try temp.commitAll("two")
        try temp.git("tag", "-a", "-m", "annotated", "v1", "HEAD~1")
        let repository = try Repository(discoveringFrom: temp.path)
        let head = try temp.revParse("HEAD"), first = try temp.revParse("HEAD~1")
        #expect(try repository.headCommit()?.description == head)
        #expect(try repository.resolveCommit("main")?.description == head)
        #expect(try repository.resolveCommit("refs/heads/main")?.description == head)
        #expect(try repository.resolveCommit("HEAD~1")?.description == first)
        #expect(try repository.resolveCommit(String(first.prefix(12)))?.description == first)
        #expect(try repository.resolveCommit("v1")?.description == first, "an annotated tag peels to its commit")
        #expect(try repository.resolveCommit(head)?.short == String(head.prefix(10)))
        // Names that name no commit are nil, not errors.
        for missing in ["origin/main", "origin/HEAD", "master", "no-such-branch", "HEAD~5", "HEAD^3",
                        "refs/heads/nope", "0000000000000000000000000000000000000000", "bad..spec", "main:migrations"] {
            #expect(try repository.resolveCommit(missing) == nil, "\(missing)")
        }
    }

    @Test func mergeBase() throws {
        let temp = try TempRepository()
        try temp.write("migrations/0001_a.sql", "SELECT 1;\n")
        try temp.commitAll("base")
        try temp.git("checkout", "-q", "-b", "feature")
        try temp.write("migrations/0002_b.sql", "SELECT 2;\n")
        try temp.commitAll("feature")
        try temp.git("checkout", "-q", "main")
        try temp.write("migrations/0003_c.sql", "SELECT 3;\n")
        try temp.commitAll("main moves on")
        try temp.git("checkout", "-q", "--orphan", "unrelated")
        try temp.commitAll("unrelated root")
        let repository = try Repository(discoveringFrom: temp.path)
        let main = try #require(try repository.resolveCommit("main"))
        let feature = try #require(try repository.resolveCommit("feature"))
        let unrelated = try #require(try repository.resolveCommit("unrelated"))
        let expected = try temp.git("merge-base", "main", "feature")
        #expect(try repository.mergeBase(feature, main)?.description == expected)
        #expect(try repository.mergeBase(main, feature)?.description == expected)
        #expect(try repository.mergeBase(main, main) == main)
        #expect(try repository.mergeBase(feature, unrelated) == nil)
    }

    @Test func filesAtACommit() throws {
        let temp = try TempRepository()
        try temp.write("db/migrations/0002_b.sql", "SELECT 2;\n")
        try temp.write("db/migrations/0001_a.sql", "SELECT 1;\n")
        try temp.write("db/migrations/0010_c.sql", "SELECT 10;\n")
        try temp.write("db/migrations/notes.txt", "not sql\n")
        try temp.write("db/migrations/sub/0003_nested.sql", "SELECT 3;\n")
        try temp.write("db/other/0004_elsewhere.sql", "SELECT 4;\n")
        try temp.write("db/file.sql", "SELECT 0;\n")
        try temp.write(rawPath: Array("db/migrations/0005_caf".utf8) + [0xE9] + Array(".sql".utf8), "SELECT 5;\n")
        try temp.commitAll("files")
        try temp.write("db/migrations/0006_later.sql", "SELECT 6;\n")
        let repository = try Repository(discoveringFrom: temp.path)
        let head = try #require(try repository.headCommit())

        let flat = try repository.files(in: "db/migrations", at: head, recursive: false, include: Self.sql)
        #expect(flat.map(\.path) == ["0001_a.sql", "0002_b.sql", "0005_caf\u{FFFD}.sql", "0010_c.sql"], "sorted by bytes; only what is committed")
        #expect(flat.map(text) == ["SELECT 1;\n", "SELECT 2;\n", "SELECT 5;\n", "SELECT 10;\n"])
        #expect(flat[0].blob.description == (try temp.git("rev-parse", "HEAD:db/migrations/0001_a.sql")))

        let deep = try repository.files(in: "db/migrations", at: head, recursive: true, include: Self.sql, content: false)
        #expect(deep.map(\.path) == ["0001_a.sql", "0002_b.sql", "0005_caf\u{FFFD}.sql", "0010_c.sql", "sub/0003_nested.sql"])
        #expect(deep.allSatisfy { $0.bytes.isEmpty }, "content: false reads no blob")

        #expect(try repository.files(in: "db/migrations", at: head, recursive: false, include: { $0.hasSuffix(".txt") }).map(\.path) == ["notes.txt"])
        #expect(try repository.files(in: "db", at: head, recursive: false, include: Self.sql).map(\.path) == ["file.sql"])
        #expect(try repository.files(in: "", at: head, recursive: true, include: Self.sql).count == 7)
        #expect(try repository.files(in: "missing", at: head, recursive: true, include: Self.sql).isEmpty)
        #expect(try repository.files(in: "db/file.sql", at: head, recursive: true, include: Self.sql).isEmpty, "a file, not a folder")
    }

    @Test func stagedFiles() throws {
        let temp = try TempRepository()
        try temp.write("migrations/0001_a.sql", "SELECT 1;\n")
        try temp.write("migrations/0002_b.sql", "SELECT 2;\n")
        try temp.write("other/0001_x.sql", "SELECT 0;\n")
        try temp.commitAll("base")
        try temp.write("migrations/0001_a.sql", "SELECT 11;\n")
        try temp.git("add", "migrations/0001_a.sql")
        try temp.write("migrations/0001_a.sql", "SELECT 111;\n")     // not staged
        try temp.write("migrations/0003_c.sql", "SELECT 3;\n")
        try temp.git("add", "migrations/0003_c.sql")
        try temp.write("migrations/0004_untracked.sql", "SELECT 4;\n")
        try temp.git("rm", "-q", "--cached", "migrations/0002_b.sql")  // still on disk
        try temp.write("migrations/sub/0005_nested.sql", "SELECT 5;\n")
        try temp.git("add", "migrations/sub")
        let repository = try Repository(discoveringFrom: temp.path)

        let staged = try repository.stagedFiles(in: "migrations", recursive: false, include: Self.sql)
        #expect(staged.map(\.path) == ["0001_a.sql", "0003_c.sql"])
        #expect(staged.map(text) == ["SELECT 11;\n", "SELECT 3;\n"])
        #expect(try repository.stagedFiles(in: "migrations", recursive: true, include: Self.sql).map(\.path)
                == ["0001_a.sql", "0003_c.sql", "sub/0005_nested.sql"])
        #expect(try repository.stagedFiles(in: "", recursive: true, include: Self.sql).count == 4)
        // A folder whose name starts like another is not that folder.
        try temp.write("migrations2/0009_z.sql", "SELECT 9;\n")
        try temp.git("add", "migrations2")
        #expect(try Repository(discoveringFrom: temp.path).stagedFiles(in: "migrations", recursive: true, include: Self.sql).count == 3)
    }

    /// `indexFile` (GIT_INDEX_FILE) replaces the repository's index for staged files.
    @Test func anotherIndexFile() throws {
        let temp = try TempRepository()
        try temp.write("migrations/0001_a.sql", "SELECT 1;\n" + String(repeating: "SELECT 0;\n", count: 10))
        try temp.commitAll("base")
        let saved = temp.root.appendingPathComponent("saved-index").path
        try FileManager.default.copyItem(atPath: temp.path + "/.git/index", toPath: saved)
        try temp.git("mv", "migrations/0001_a.sql", "migrations/0001_b.sql")
        let repository = try Repository(discoveringFrom: temp.path)
        #expect(try repository.stagedFiles(in: "migrations", recursive: false, include: Self.sql).map(\.path) == ["0001_b.sql"])
        repository.indexFile = saved
        #expect(try repository.stagedFiles(in: "migrations", recursive: false, include: Self.sql).map(\.path) == ["0001_a.sql"])
        repository.indexFile = temp.path + "/no-such-index"
        #expect(try repository.stagedFiles(in: "migrations", recursive: false, include: Self.sql).isEmpty, "a missing index file is empty, as in git")
    }
}

import Foundation
import StrataCore
import StrataGit
import Testing

/// The history facts `HistoryLoader` builds for the rules.
@Suite("history loader")
struct HistoryLoaderTests {
    /// Paths are absolute so the working tree is read without depending on the process's
    /// working directory.
    func request(_ temp: TempRepository, folder: String = "migrations", base: String? = nil,
                 source: HistoryRequest.Source = .workingTree, layout: LayoutKind = .strata) -> HistoryRequest {
        let absolute = temp.root.appendingPathComponent(folder).path
        return HistoryRequest(workingDirectory: temp.path, migrationsDirectory: absolute, displayDirectory: absolute,
                              layout: layout, base: base, source: source)
    }

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// main: 0001_users, 0002_posts, 0003_tags; then main gains 0005_late after `feature`
    /// branched; `feature` is checked out.
    func repository() throws -> TempRepository {
        let temp = try TempRepository()
        let body = (1...10).map { "INSERT INTO t VALUES (\($0));" }.joined(separator: "\n") + "\n"
        try temp.write("migrations/0001_users.sql", "CREATE TABLE users (id INT);\n" + body)
        try temp.write("migrations/0002_posts.sql", "CREATE TABLE posts (id INT);\n" + body)
        try temp.write("migrations/0003_tags.sql", "CREATE TABLE tags (id INT);\n" + body)
        try temp.write("README.md", "# app\n")
        try temp.commitAll("applied")
        try temp.git("checkout", "-q", "-b", "feature")
        try temp.git("checkout", "-q", "main")
        try temp.write("migrations/0005_late.sql", "SELECT 5;\n")
        try temp.commitAll("main moves on")
        try temp.git("checkout", "-q", "feature")
        return temp
    }

    @Test func factsOfAnUntouchedBranch() throws {
        let temp = try repository()
        let context = try HistoryLoader.load(request(temp))
        let facts = try #require(context.facts)
        #expect(context.reason == nil && context.note == nil)
        #expect(facts.baseName == "main")
        #expect(facts.mergeBase == String(try temp.git("merge-base", "main", "feature").prefix(10)))
        #expect(Set(facts.applied.keys) == ["0001_users", "0002_posts", "0003_tags"])
        #expect(facts.applied["0001_users"] == bytes(try String(contentsOf: temp.root.appendingPathComponent("migrations/0001_users.sql"), encoding: .utf8)))
        #expect(facts.baseTip == ["0001_users", "0002_posts", "0003_tags", "0005_late"], "the base's tip, newer than the merge base")
        #expect(facts.renamedFrom.isEmpty && facts.deleted.isEmpty)
        #expect(context.inputs.map(\.id) == ["0001_users", "0002_posts", "0003_tags"])
        #expect(context.inputs[0].path == temp.root.appendingPathComponent("migrations/0001_users.sql").path)
    }

    @Test func renamedDeletedAndEdited() throws {
        let temp = try repository()
        try temp.move("migrations/0001_users.sql", "migrations/0001_accounts.sql")
        try temp.remove("migrations/0002_posts.sql")
        try temp.write("migrations/0003_tags.sql", "CHANGED\n")
        try temp.write("migrations/0004_new.sql", "SELECT 4;\n")
        let facts = try #require(try HistoryLoader.load(request(temp)).facts)
        #expect(facts.renamedFrom == ["0001_accounts": "0001_users"])
        #expect(facts.deleted == ["0002_posts": temp.root.appendingPathComponent("migrations/0002_posts.sql").path])
        #expect(facts.applied["0003_tags"] != bytes("CHANGED\n"), "applied keeps the merge base's content")
        #expect(facts.isNew("0004_new") && !facts.isNew("0001_accounts") && !facts.isNew("0003_tags"))
        #expect(facts.isNewOrChanged("0003_tags", bytes: bytes("CHANGED\n")))
        #expect(!facts.isNewOrChanged("0003_tags", bytes: facts.applied["0003_tags"]!))

        // The same, staged and then committed: the index and the commit tell the same.
        try temp.git("add", "-A")
        let staged = try #require(try HistoryLoader.load(request(temp, source: .index)).facts)
        #expect(staged.renamedFrom == facts.renamedFrom && staged.deleted == facts.deleted)
        try temp.git("commit", "-q", "-m", "changes")
        try temp.git("checkout", "-q", "main")
        let revision = try HistoryLoader.load(request(temp, source: .revision("feature")))
        let committed = try #require(revision.facts)
        #expect(committed.renamedFrom == facts.renamedFrom && committed.deleted == facts.deleted)
        #expect(revision.inputs.map(\.id) == ["0001_accounts", "0003_tags", "0004_new"])
        #expect(revision.inputs.first { $0.id == "0003_tags" }?.bytes == bytes("CHANGED\n"))
    }

    /// A filled-in `strata new` file: migrations of one project differ in little else than
    /// their statements, so git's similarity would pair any two of them.
    func templated(_ table: String) -> String {
        """
        -- @name: create \(table)
        -- @description: create \(table)
        -- @timestamp: 2025-03-01T09:00:00Z
        -- @rollbackSafe: true
        -- @performanceImpact: low
        -- @dependencies: []

        -- UP MIGRATION
        CREATE TABLE \(table) (id INTEGER PRIMARY KEY);

        -- DOWN MIGRATION
        DROP TABLE \(table);

        """
    }

    /// A deleted applied migration and a new one from the same template are a deletion and a
    /// new migration; a copy of the same SQL under a new name is a rename. The working tree,
    /// the index and a commit tell the same.
    @Test func renamesAreSameSQLNotSimilarFiles() throws {
        let temp = try TempRepository()
        for (n, table) in ["users", "posts", "items", "tags", "notes"].enumerated() {
            try temp.write("migrations/000\(n + 1)_create_\(table).sql", templated(table))
        }
        try temp.commitAll("applied")
        try temp.git("checkout", "-q", "-b", "feature")
        try temp.remove("migrations/0003_create_items.sql")
        try temp.write("migrations/0006_feature.sql", templated("features"))
        try temp.move("migrations/0004_create_tags.sql", "migrations/0004_tags.sql")
        try temp.write("migrations/0004_tags.sql", "-- renamed\n" + templated("tags").replacingOccurrences(of: "-- @name: create tags", with: "-- @name: Tags"))
        let expectedDeleted = ["0003_create_items": temp.root.appendingPathComponent("migrations/0003_create_items.sql").path]
        for source in [HistoryRequest.Source.workingTree, .index, .revision("feature")] {
            if source == .index { try temp.git("add", "-A") }
            if source == .revision("feature") { try temp.git("commit", "-q", "-m", "feature"); try temp.git("checkout", "-q", "main") }
            let facts = try #require(try HistoryLoader.load(request(temp, source: source)).facts)
            #expect(facts.renamedFrom == ["0004_tags": "0004_create_tags"], "\(source)")
            #expect(facts.deleted == expectedDeleted, "\(source)")
            #expect(facts.isNew("0006_feature") && !facts.isNew("0004_tags"), "\(source)")
        }
    }

    /// golang-migrate: the migration is its UP and DOWN files; a rename moves both, and a DOWN
    /// file edited on the way makes the pair a deletion and a new migration.
    @Test func aRenameMovesUpAndDown() throws {
        let temp = try TempRepository()
        try temp.write("db/1_users.up.sql", "CREATE TABLE users (id INT);\n")
        try temp.write("db/1_users.down.sql", "DROP TABLE users;\n")
        try temp.write("db/2_posts.up.sql", "CREATE TABLE posts (id INT);\n")
        try temp.write("db/2_posts.down.sql", "DROP TABLE posts;\n")
        try temp.commitAll("applied")
        try temp.git("checkout", "-q", "-b", "feature")
        try temp.git("mv", "db/1_users.up.sql", "db/1_accounts.up.sql")
        try temp.git("mv", "db/1_users.down.sql", "db/1_accounts.down.sql")
        try temp.git("mv", "db/2_posts.up.sql", "db/2_articles.up.sql")
        try temp.git("mv", "db/2_posts.down.sql", "db/2_articles.down.sql")
        try temp.write("db/2_articles.down.sql", "DROP TABLE IF EXISTS posts;\n")
        try temp.git("add", "-A")
        let facts = try #require(try HistoryLoader.load(request(temp, folder: "db", source: .index, layout: .golangMigrate)).facts)
        #expect(facts.renamedFrom == ["1_accounts": "1_users"])
        #expect(facts.deleted == ["2_posts": temp.root.appendingPathComponent("db/2_posts.up.sql").path])
    }

    @Test func renamesOutOfTheFolderAreDeletions() throws {
        let temp = try repository()
        try temp.git("mv", "migrations/0001_users.sql", "0001_users.sql")
        try temp.git("mv", "migrations/0002_posts.sql", "migrations/0002_posts.txt")
        let facts = try #require(try HistoryLoader.load(request(temp, source: .index)).facts)
        #expect(facts.renamedFrom.isEmpty)
        #expect(Set(facts.deleted.keys) == ["0001_users", "0002_posts"])
    }

    @Test func nestedFolderAndPlainLayout() throws {
        let temp = try TempRepository()
        try temp.write("db/sql/2019_users/up.sql", "CREATE TABLE users (id INT);\n")
        try temp.write("db/sql/2019_users/down.sql", "DROP TABLE users;\n")
        try temp.write("db/sql/2020_posts/up.sql", "CREATE TABLE posts (id INT);\n")
        try temp.commitAll("applied")
        try temp.git("checkout", "-q", "-b", "feature")
        try temp.git("rm", "-q", "db/sql/2020_posts/up.sql")
        let context = try HistoryLoader.load(request(temp, folder: "db/sql", source: .index, layout: .plain))
        let facts = try #require(context.facts)
        #expect(Set(facts.applied.keys) == ["2019_users/up", "2019_users/down", "2020_posts/up"])
        #expect(facts.deleted.keys.sorted() == ["2020_posts/up"])
        #expect(context.inputs.map(\.id) == ["2019_users/down", "2019_users/up"])
        // The strata layout does not descend into sub-folders.
        let flat = try HistoryLoader.load(request(temp, folder: "db/sql", source: .index))
        #expect(flat.facts?.applied.isEmpty == true && flat.inputs.isEmpty)
    }

    @Test func baseResolution() throws {
        let temp = try repository()
        #expect(try HistoryLoader.load(request(temp, base: "main")).facts?.baseName == "main")
        #expect(try HistoryLoader.load(request(temp, base: "feature")).facts?.baseTip.contains("0005_late") == false)
        try temp.git("branch", "-m", "main", "trunk")
        let none = try HistoryLoader.load(request(temp))
        #expect(none.facts == nil)
        #expect(none.reason == "no base branch found (tried origin/HEAD, origin/main, origin/master, main, master)")
        #expect(none.hint == "name one with --base or history.base in strata.yml")
        #expect(none.inputs.count == 3, "the content is still read")
        try temp.git("branch", "master", "trunk")
        #expect(try HistoryLoader.load(request(temp)).facts?.baseName == "master")
        try temp.git("update-ref", "refs/remotes/origin/main", "trunk~1")
        let remote = try #require(try HistoryLoader.load(request(temp)).facts)
        #expect(remote.baseName == "origin/main")
        #expect(!remote.baseTip.contains("0005_late"))
        let missing = try HistoryLoader.load(request(temp, base: "release"))
        #expect(missing.reason == "no base branch found (tried 'release')")
    }

    @Test func withoutHistory() throws {
        let empty = try TempRepository()
        try empty.write("migrations/0001_a.sql", "SELECT 1;\n")
        let unborn = try HistoryLoader.load(request(empty))
        #expect(unborn.facts == nil)
        #expect(unborn.note == "the repository has no commit yet: checked without history")
        #expect(unborn.inputs.map(\.id) == ["0001_a"])
        #expect(try HistoryLoader.load(request(empty, source: .index)).inputs.isEmpty)
        #expect(throws: GitError(message: "unknown revision 'HEAD'")) { try HistoryLoader.load(request(empty, source: .revision("HEAD"))) }

        let plain = try TempRepository(branch: nil)
        try plain.write("migrations/0001_a.sql", "SELECT 1;\n")
        let outside = try HistoryLoader.load(request(plain))
        #expect(outside.note == "not inside a git repository: checked without history")
        #expect(outside.inputs.count == 1)
        #expect(throws: GitError.self) { try HistoryLoader.load(request(plain, source: .index)) }
    }

    @Test func migrationsFolderOutsideTheRepository() throws {
        let temp = try repository()
        let elsewhere = try TempRepository(branch: nil)
        let request = HistoryRequest(workingDirectory: temp.path, migrationsDirectory: elsewhere.path, displayDirectory: elsewhere.path,
                                     layout: .strata, base: nil, source: .index)
        #expect(throws: GitError.self) { try HistoryLoader.load(request) }
    }
}

import Foundation
import Testing

/// Run from a sub-folder of a repository (a monorepo's `services/api`), the formats CI reads
/// (SARIF, GitHub annotations) name files from the repository's root, where GitHub looks for
/// them; text and JSON keep the paths as typed.
@Suite("CI formats: paths from the repository's root")
struct CIPathsCommandTests {
    /// A repository whose `services/api` has its own strata.yml and migrations: two applied on
    /// `main`, a third new on the checked-out branch `feature`, with an unindexed foreign key.
    static func monorepo() throws -> GitFixture {
        let repo = try GitFixture()
        try repo.write("services/api/strata.yml", "dialect: sqlite\n")
        try NamedFilesCommandTests.writeReadmeShape(repo.write, folder: "services/api/migrations")
        try repo.commitAll("applied")
        try repo.checkout("feature", create: true)
        try repo.write("services/api/migrations/0003_tags.sql", Fixtures.migration(
            up: "CREATE TABLE tags (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts (id));",
            down: "DROP TABLE tags;", dependencies: "[\"0002_create_posts\"]"))
        return repo
    }

    static func api(_ repo: GitFixture) -> URL { repo.root.appendingPathComponent("services/api") }

    /// The SARIF results' locations and the run's `originalUriBaseIds`.
    static func sarif(_ outcome: CLI.Outcome) throws -> (locations: [[String: String]], bases: [String: [String: String]]?) {
        let log = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        let locations = results.compactMap { result in
            ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: String]
        }
        return (locations, run["originalUriBaseIds"] as? [String: [String: String]])
    }

    /// The root as SARIF's base id gives it: its real path (symlinks resolved), as a URI.
    static func rootURI(_ repo: GitFixture) -> String {
        "file://" + repo.root.resolvingSymlinksInPath().path + "/"
    }

    @Test func checkFromASubFolder() throws {
        let repo = try Self.monorepo()
        let sarif = try GitFixture.runStrata(["check", "--format", "sarif"], in: Self.api(repo))
        #expect(sarif.status == 0, "\(sarif.stdout)\(sarif.stderr)")
        let (locations, bases) = try Self.sarif(sarif)
        #expect(locations == [["uri": "services/api/migrations/0003_tags.sql", "uriBaseId": "%SRCROOT%"]])
        #expect(bases == ["%SRCROOT%": ["uri": Self.rootURI(repo)]])

        let github = try GitFixture.runStrata(["check", "--format", "github"], in: Self.api(repo))
        #expect(github.stdout.hasPrefix("::warning file=services/api/migrations/0003_tags.sql,line=9,col="), "\(github.stdout)")

        let gitlab = try GitFixture.runStrata(["check", "--format", "gitlab"], in: Self.api(repo))
        let issues = try #require(try JSONSerialization.jsonObject(with: Data(gitlab.stdout.utf8)) as? [[String: Any]], "\(gitlab.stdout)")
        #expect(issues.map { ($0["location"] as? [String: Any])?["path"] as? String } == ["services/api/migrations/0003_tags.sql"])
        #expect(issues.map { ($0["location"] as? [String: Any]).flatMap { ($0["lines"] as? [String: Any])?["begin"] as? Int } } == [9])
        #expect(issues.map { $0["severity"] as? String } == ["minor"])

        // Text and JSON: as typed (here, from the configured folder as seen from the sub-folder).
        let text = try GitFixture.runStrata(["check"], in: Self.api(repo))
        #expect(text.stdout.hasPrefix("migrations/0003_tags.sql:9:"), "\(text.stdout)")
        let json = try GitFixture.runStrata(["check", "--format", "json"], in: Self.api(repo))
        #expect(try Finding.decode(json.stdout).map(\.file) == ["migrations/0003_tags.sql"])
    }

    @Test func lintFromASubFolderAndFromTheRoot() throws {
        let repo = try Self.monorepo()
        let fromAPI = try GitFixture.runStrata(["lint", "--format", "github", "migrations/0003_tags.sql"], in: Self.api(repo))
        #expect(fromAPI.stdout.hasPrefix("::warning file=services/api/migrations/0003_tags.sql,"), "\(fromAPI.stdout)")
        let fromRoot = try repo.strata("lint", "--format", "github", "services/api/migrations/")
        #expect(fromRoot.stdout.hasPrefix("::warning file=services/api/migrations/0003_tags.sql,"), "\(fromRoot.stdout)")
        let absolute = try GitFixture.runStrata(["lint", "--format", "sarif", Self.api(repo).path + "/migrations"], in: Self.api(repo))
        #expect(try Self.sarif(absolute).locations == [["uri": "services/api/migrations/0003_tags.sql", "uriBaseId": "%SRCROOT%"]])
    }

    /// A working directory reached through a symlink: the root and the paths are spelled alike
    /// (the root's real path), whether the file is named relatively or through the link.
    @Test func workingDirectoryThroughASymlink() throws {
        let repo = try Self.monorepo()
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("strata-link-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: Self.api(repo))
        defer { try? FileManager.default.removeItem(at: link) }
        for path in ["migrations/0003_tags.sql", link.path + "/migrations/0003_tags.sql"] {
            let outcome = try GitFixture.runStrata(["lint", "--format", "sarif", path], in: link, environment: ["PWD": link.path])
            #expect(try Self.sarif(outcome).locations == [["uri": "services/api/migrations/0003_tags.sql", "uriBaseId": "%SRCROOT%"]],
                    "\(path)")
            #expect(try Self.sarif(outcome).bases == ["%SRCROOT%": ["uri": Self.rootURI(repo)]])
        }
    }

    /// A linked worktree has a `.git` file: its own folder is the root.
    @Test func linkedWorktree() throws {
        let repo = try Self.monorepo()
        try repo.commitAll("tags")
        let worktree = try Project()
        try repo.git("worktree", "add", "-q", worktree.root.path + "/wt", "main")
        let api = worktree.root.appendingPathComponent("wt/services/api")
        try worktree.write("wt/services/api/migrations/0003_x.sql", Fixtures.destructive("users"))
        let outcome = try GitFixture.runStrata(["lint", "--format", "github"], in: api)
        #expect(outcome.stdout.hasPrefix("::error file=services/api/migrations/0003_x.sql,line=9,col=1,"), "\(outcome.stdout)")
    }

    @Test func outsideAnyRepositoryPathsAreAsTyped() throws {
        let project = try Project()
        try NamedFilesCommandTests.writeReadmeShape(project.write)
        try project.write("migrations/0003_tags.sql", Fixtures.migration(
            up: "CREATE TABLE tags (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts (id));",
            down: "DROP TABLE tags;", dependencies: "[\"0002_create_posts\"]"))
        let github = try project.run("lint", "--format", "github")
        #expect(github.stdout.hasPrefix("::warning file=migrations/0003_tags.sql,"), "\(github.stdout)")
        let sarif = try project.run("lint", "--format", "sarif", "./migrations")
        let (locations, bases) = try Self.sarif(sarif)
        #expect(locations == [["uri": "./migrations/0003_tags.sql"]])
        #expect(bases == nil)
    }
}

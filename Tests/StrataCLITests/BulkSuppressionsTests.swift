import Foundation
import Testing

/// `strata-suppressions.json`: `lint --suppress-all` records the findings a project has, and
/// `lint`, `check`, `up` and `deploy` then report only new ones.
@Suite("strata lint --suppress-all and strata-suppressions.json")
struct BulkSuppressionsTests {
    static let users = "migrations/0001_users.sql"
    static let posts = "migrations/0002_posts.sql"
    static let cleanup = "migrations/0003_cleanup.sql"

    /// Legacy findings: an unindexed foreign key (a warning) in 0002, a DROP TABLE in a
    /// rollback-safe migration (an error) in 0003.
    static func writeLegacy(to write: (String, String) throws -> Void, cleanupUp: String = "DROP TABLE users;") throws {
        try write(users, Fixtures.migration(up: "CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE tags (id INTEGER PRIMARY KEY);",
                                            down: "DROP TABLE tags;\nDROP TABLE users;"))
        try write(posts, Fixtures.migration(
            up: "CREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  author_id INTEGER REFERENCES users (id)\n);",
            down: "DROP TABLE posts;", dependencies: "[\"0001_users\"]"))
        try write(cleanup, Fixtures.migration(up: cleanupUp, down: "SELECT 1;", dependencies: "[\"0002_posts\"]"))
    }

    static func legacyProject(cleanupUp: String = "DROP TABLE users;") throws -> Project {
        let p = try Project()
        try p.write("strata.yml", "migrations: migrations\n")
        try writeLegacy(to: p.write, cleanupUp: cleanupUp)
        return p
    }

    static let recorded = """
        {
          "version": 1,
          "files": {
            "migrations/0002_posts.sql": {
              "unindexed-column": {
                "count": 1
              }
            },
            "migrations/0003_cleanup.sql": {
              "destructive-in-rollback-safe": {
                "count": 1
              }
            }
          }
        }

        """

    /// The `diagnostics` and `summary` of `--format json`.
    static func report(_ outcome: CLI.Outcome) throws -> (diagnostics: [[String: Any]], summary: [String: Int]) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.stdout)")
        return (try #require(object["diagnostics"] as? [[String: Any]]), try #require(object["summary"] as? [String: Int]))
    }

    @Test func suppressAllRecordsEveryFindingAndLintThenReportsNothing() throws {
        let p = try Self.legacyProject()
        #expect(try p.run("lint").status == 1)
        let record = try p.run("lint", "--suppress-all")
        #expect(record.status == 0, "\(record.stdout)\(record.stderr)")
        #expect(record.stderr == "strata: strata-suppressions.json: recorded 2 findings of 2 rules in 2 files\n")
        #expect(try p.read("strata-suppressions.json") == Self.recorded)

        let lint = try p.run("lint")
        #expect(lint.status == 0, "\(lint.stdout)")
        #expect(lint.stdout == "3 files linted: no problems; 2 suppressed by strata-suppressions.json\n")
        #expect(lint.stderr.isEmpty)
        let json = try Self.report(try p.run("lint", "--format", "json", "--fail-on", "warning"))
        #expect(json.diagnostics.isEmpty)
        #expect(json.summary == ["files": 3, "errors": 0, "warnings": 0, "suppressed": 2])

        // Recording again changes nothing: the file's text is stable.
        #expect(try p.run("lint", "--suppress-all").status == 0)
        #expect(try p.read("strata-suppressions.json") == Self.recorded)
    }

    @Test func moreFindingsThanRecordedReportsThemAllWithTheCounts() throws {
        let p = try Self.legacyProject()
        #expect(try p.run("lint", "--suppress-all").status == 0)
        // A second DROP TABLE in the same file: which one is new cannot be told, so both are shown.
        try Self.writeLegacy(to: p.write, cleanupUp: "DROP TABLE users;\nDROP TABLE tags;")
        let outcome = try p.run("lint", "--format", "json")
        #expect(outcome.status == 1)
        let json = try Self.report(outcome)
        #expect(json.diagnostics.map { "\($0["file"] ?? ""):\($0["line"] ?? 0) \($0["rule"] ?? "")" } == [
            "\(Self.cleanup):9 destructive-in-rollback-safe", "\(Self.cleanup):10 destructive-in-rollback-safe",
        ])
        for diagnostic in json.diagnostics {
            let help = diagnostic["help"] as? String ?? ""
            #expect(help.contains("strata-suppressions.json records 1 destructive-in-rollback-safe finding in this file and 2 are found"), "\(help)")
            #expect(help.contains("fix the new one, or run `strata lint --suppress-all`"), "\(help)")
        }
        #expect(json.summary == ["files": 3, "errors": 2, "warnings": 0, "suppressed": 1])
        let text = try p.run("lint")
        #expect(text.stdout.hasSuffix("3 files linted: 2 errors; 1 suppressed by strata-suppressions.json\n"), "\(text.stdout)")
    }

    @Test func findingsThatMoveStaySuppressed() throws {
        let p = try Self.legacyProject()
        #expect(try p.run("lint", "--suppress-all").status == 0)
        // Lines and comments above the findings: no line number is recorded, nothing changes.
        try p.write(Self.cleanup, "-- cleanup of the old users table\n\n\n" + (try p.read(Self.cleanup))
            .replacingOccurrences(of: "-- UP MIGRATION\n", with: "-- UP MIGRATION\n-- the users moved to accounts\n\n"))
        try p.write(Self.posts, "\n\n" + (try p.read(Self.posts)))
        let lint = try p.run("lint")
        #expect(lint.status == 0, "\(lint.stdout)")
        #expect(lint.stdout == "3 files linted: no problems; 2 suppressed by strata-suppressions.json\n")
    }

    @Test func namedFilesAndSubFoldersMatchTheProjectRelativePaths() throws {
        let p = try Self.legacyProject()
        #expect(try p.run("lint", "--suppress-all").status == 0)
        let named = try p.run("lint", Self.cleanup, "./migrations/../\(Self.posts)")
        #expect(named.status == 0, "\(named.stdout)\(named.stderr)")
        #expect(named.stdout == "2 files linted: no problems; 2 suppressed by strata-suppressions.json\n")
        let fromFolder = try CLI.run(["lint", "0003_cleanup.sql"], in: p.root.appendingPathComponent("migrations"))
        #expect(fromFolder.status == 0, "\(fromFolder.stdout)\(fromFolder.stderr)")
        #expect(fromFolder.stdout == "1 file linted: no problems; 1 suppressed by ../strata-suppressions.json\n")

        // Recording for one named file replaces its entries only; the other file's stay.
        try Self.writeLegacy(to: p.write, cleanupUp: "DROP TABLE users;\nDROP TABLE tags;")
        let record = try CLI.run(["lint", "--suppress-all", "0003_cleanup.sql"], in: p.root.appendingPathComponent("migrations"))
        #expect(record.status == 0, "\(record.stdout)\(record.stderr)")
        #expect(try p.read("strata-suppressions.json") == Self.recorded.replacingOccurrences(of: "\"destructive-in-rollback-safe\": {\n        \"count\": 1",
                                                                                                with: "\"destructive-in-rollback-safe\": {\n        \"count\": 2"))
        #expect(try p.run("lint").stdout == "3 files linted: no problems; 3 suppressed by strata-suppressions.json\n")
    }

    @Test func pruneDropsWhatIsFixedAndNeverAdds() throws {
        let p = try Self.legacyProject(cleanupUp: "DROP TABLE users;\nDROP TABLE tags;")
        #expect(try p.run("lint", "--suppress-all").stderr == "strata: strata-suppressions.json: recorded 3 findings of 2 rules in 2 files\n")
        // One of the two drops fixed, the unindexed foreign key fixed; and a new finding in 0001
        // (its DOWN no longer drops tags).
        try Self.writeLegacy(to: p.write)
        try p.write(Self.posts, Fixtures.migration(
            up: "CREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  author_id INTEGER REFERENCES users (id)\n);\nCREATE INDEX posts_author_id_idx ON posts (author_id);",
            down: "DROP TABLE posts;", dependencies: "[\"0001_users\"]"))
        try p.write(Self.users, Fixtures.migration(up: "CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE tags (id INTEGER PRIMARY KEY);",
                                                   down: "DROP TABLE users;"))
        let prune = try p.run("lint", "--prune-suppressions", "--format", "json")
        #expect(prune.stderr == "strata: strata-suppressions.json: pruned 2 findings; it holds 1 finding of 1 rule in 1 file\n")
        // The new finding is reported, not recorded.
        #expect(prune.status == 0, "warnings only: \(prune.stdout)")
        #expect(try Self.report(prune).diagnostics.map { "\($0["file"] ?? "") \($0["rule"] ?? "")" } == ["\(Self.users) down-does-not-reverse-up"])
        #expect(try p.read("strata-suppressions.json") == """
            {
              "version": 1,
              "files": {
                "migrations/0003_cleanup.sql": {
                  "destructive-in-rollback-safe": {
                    "count": 1
                  }
                }
              }
            }

            """)
        let again = try p.run("lint", "--prune-suppressions")
        #expect(again.stderr == "strata: strata-suppressions.json: nothing to prune; it holds 1 finding of 1 rule in 1 file\n")

        // The entries of a file deleted go too, though no lint reads it.
        #expect(try p.run("lint", "--suppress-all").stderr == "strata: strata-suppressions.json: recorded 2 findings of 2 rules in 2 files\n")
        try FileManager.default.removeItem(at: p.root.appendingPathComponent(Self.cleanup))
        #expect(try p.run("lint", "--prune-suppressions").status == 0)
        let files = try #require(try JSONSerialization.jsonObject(with: Data(p.read("strata-suppressions.json").utf8)) as? [String: Any])["files"]
        #expect((files as? [String: Any]).map { Array($0.keys) } == [Self.users])
    }

    @Test func filesAndRulesAreWrittenSorted() throws {
        let p = try Self.legacyProject()
        // Two rules in one file, a file whose name sorts first written last.
        try p.write("migrations/0004_more.sql", Fixtures.migration(up: "ALTER TABLE posts ADD COLUMN c INT NOT NULL;\nDELETE FROM posts;",
                                                                    down: "SELECT 1;", dependencies: "[\"0003_cleanup\"]"))
        try p.write("migrations/0000_first.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);\nCREATE TABLE b (x INT);", down: "DROP TABLE a;"))
        #expect(try p.run("lint", "--suppress-all").status == 0)
        #expect(try p.read("strata-suppressions.json") == """
            {
              "version": 1,
              "files": {
                "migrations/0000_first.sql": {
                  "down-does-not-reverse-up": {
                    "count": 1
                  }
                },
                "migrations/0002_posts.sql": {
                  "unindexed-column": {
                    "count": 1
                  }
                },
                "migrations/0003_cleanup.sql": {
                  "destructive-in-rollback-safe": {
                    "count": 1
                  }
                },
                "migrations/0004_more.sql": {
                  "destructive-in-rollback-safe": {
                    "count": 1
                  },
                  "sqlite-add-column-not-null-default": {
                    "count": 1
                  }
                }
              }
            }

            """)
    }

    @Test func malformedFileIsAConfigurationError() throws {
        let p = try Self.legacyProject()
        try p.write("strata-suppressions.json", "{\"version\": 1,\n  \"files\": {\"migrations/0003_cleanup.sql\": {\"x\": {\"count\": 1},}}}\n")
        for args in [["lint"], ["lint", Self.cleanup], ["check"]] {
            let outcome = try CLI.run(args, in: p.root)
            #expect(outcome.status == 2, "\(args)")
            #expect(outcome.stderr.hasSuffix("strata: error: strata-suppressions.json:2:63: malformed JSON: expected a key in double quotes\n"), "\(args): \(outcome.stderr)")
            #expect(outcome.stdout.isEmpty)
        }
        try p.write("strata-suppressions.json", "{\"version\": 1, \"files\": {\"migrations/0003_cleanup.sql\": {\"destructive-in-rollback-safe\": {\"count\": \"1\"}}}}")
        let count = try p.run("lint", "--suppress-all")
        #expect(count.status == 2)
        #expect(count.stderr == "strata: error: strata-suppressions.json:1:100: `count` must be a whole number of 1 or more\n", "\(count.stderr)")
        // strata.yml may put it elsewhere; an unreadable one (a folder) is named too.
        try p.write("strata.yml", "migrations: migrations\nsuppressions: config/suppressions.json\n")
        try FileManager.default.createDirectory(at: p.root.appendingPathComponent("config/suppressions.json"), withIntermediateDirectories: true)
        let folder = try p.run("lint")
        #expect(folder.status == 2)
        #expect(folder.stderr == "strata: error: config/suppressions.json: is a folder, not a suppressions file\n", "\(folder.stderr)")
    }

    @Test func unknownRuleIsAWarningNamingIt() throws {
        let p = try Self.legacyProject()
        #expect(try p.run("lint", "--suppress-all").status == 0)
        try p.write("strata-suppressions.json", try p.read("strata-suppressions.json").replacingOccurrences(of: "\"unindexed-column\"", with: "\"unindexed-colum\""))
        let outcome = try p.run("lint")
        #expect(outcome.stderr == "strata: warning: strata-suppressions.json: unknown rule 'unindexed-colum'; did you mean 'unindexed-column'?; its entries are ignored (`strata lint --prune-suppressions` removes them)\n",
                "\(outcome.stderr)")
        #expect(outcome.status == 0, "the warning is reported again")
        #expect(outcome.stdout.contains("[unindexed-column]"))
        #expect(try p.run("lint", "--prune-suppressions").status == 0)
        #expect(try !p.read("strata-suppressions.json").contains("unindexed-colum"))
    }

    @Test func configuredPathIsUsedAndKeysStayRelativeToTheProjectRoot() throws {
        let p = try Self.legacyProject()
        try p.write("strata.yml", "migrations: migrations\nsuppressions: config/strata-suppressions.json\n")
        let record = try CLI.run(["lint", "--suppress-all"], in: p.root.appendingPathComponent("migrations"))
        #expect(record.status == 0, "\(record.stderr)")
        #expect(record.stderr == "strata: ../config/strata-suppressions.json: recorded 2 findings of 2 rules in 2 files\n")
        #expect(try p.read("config/strata-suppressions.json") == Self.recorded)
        #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("strata-suppressions.json").path))
        #expect(try p.run("lint").stdout == "3 files linted: no problems; 2 suppressed by config/strata-suppressions.json\n")
    }

    @Test func editedAppliedMigrationIsReportedEvenWhenListed() throws {
        let repo = try GitFixture()
        try Self.writeLegacy(to: repo.write)
        try repo.commitAll("applied migrations, with legacy findings")
        try repo.checkout("feature", create: true)
        #expect(try repo.strata("lint", "--suppress-all").status == 0)
        // The applied 0002 edited on the branch, and the edit listed in the file by hand.
        try repo.edit(Self.posts, replacing: "id INTEGER PRIMARY KEY,", with: "id BIGINT PRIMARY KEY,")
        try repo.write("strata-suppressions.json", Self.recorded.replacingOccurrences(of: """
                "unindexed-column": {
                    "count": 1
                  }
            """, with: """
                "edited-applied-migration": {
                    "count": 1
                  },
                  "unindexed-column": {
                    "count": 1
                  }
            """))
        let check = try repo.checkJSON()
        #expect(check.status == 1)
        #expect(check.diagnostics.map(\.rule) == ["edited-applied-migration"], "\(check.diagnostics)")
        #expect(check.diagnostics.first?.file == Self.posts)
        #expect(check.stderr.contains("strata: warning: strata-suppressions.json: 'edited-applied-migration' cannot be suppressed by this file"), "\(check.stderr)")
        let text = try repo.strata("check")
        #expect(text.stdout.hasSuffix("3 files linted: 1 error; 1 suppressed by strata-suppressions.json\n"), "\(text.stdout)")

        // --suppress-all does not record it either: it is reported still.
        #expect(try repo.strata("lint", "--suppress-all").status == 0)
        #expect(try !repo.read("strata-suppressions.json").contains("edited-applied-migration"))
        #expect(try repo.checkJSON().diagnostics.map(\.rule) == ["edited-applied-migration"])
        // A new migration with a legacy-style finding is suppressed in check once recorded.
        try repo.git("checkout", "--", Self.posts)
        try repo.write("migrations/0004_more.sql", Fixtures.migration(up: "DROP TABLE posts;", down: "SELECT 1;", dependencies: "[\"0003_cleanup\"]"))
        #expect(try repo.checkJSON().diagnostics.map(\.rule) == ["destructive-in-rollback-safe"])
        #expect(try repo.strata("lint", "--suppress-all").status == 0)
        let clean = try repo.strata("check")
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(clean.stdout == "4 files linted: no problems; 1 suppressed by strata-suppressions.json\n")
    }

    @Test func upAndDeployApplyALegacyMigrationWhoseErrorIsSuppressed() throws {
        let p = try ApplyProject(.sqlite)
        try Self.writeLegacy(to: p.write)
        // Without the file: refused, nothing applied.
        let refused = try p.run("up")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("up refused, nothing applied") && refused.stderr.contains("destructive-in-rollback-safe"), "\(refused.stderr)")
        #expect(try p.rows() == [])
        let deployRefused = try p.run("deploy", "--dry-run")
        #expect(deployRefused.status == 1, "\(deployRefused.stdout)\(deployRefused.stderr)")

        #expect(try CLI.run(["lint", "--suppress-all"], in: p.project.root).status == 0)
        let deploy = try p.run("deploy", "--dry-run")
        #expect(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
        #expect(deploy.stdout.contains("would apply 3 migrations"), "\(deploy.stdout)")
        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(try p.rows() == ["0001_users applied", "0002_posts applied", "0003_cleanup applied"])
        #expect(try !p.tableExists("users"))
    }

    @Test func bothFlagsAreAUsageError() throws {
        let p = try Self.legacyProject()
        let outcome = try p.run("lint", "--suppress-all", "--prune-suppressions")
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("--suppress-all and --prune-suppressions exclude each other"), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("strata-suppressions.json").path))
    }
}

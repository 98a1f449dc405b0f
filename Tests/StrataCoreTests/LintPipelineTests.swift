import Foundation
import StrataCore
import StrataRules
import Testing

/// The check pass runs on several lanes with a bounded number of files in flight, and hands
/// findings on file by file: none of that may change what is found or the order it comes in.
@Suite("Lint pipeline")
struct LintPipelineTests {
    func migration(_ up: String, deps: String = "[]") -> String {
        "-- @name: n\n-- @description: d\n-- @timestamp: 2024-01-01T00:00:00Z\n-- @rollbackSafe: true\n-- @performanceImpact: low\n-- @dependencies: \(deps)\n-- UP MIGRATION\n\(up)\n-- DOWN MIGRATION\nSELECT 1;\n"
    }

    /// 60 files whose dependency order is not their path order (every fifth depends on the
    /// next one), with findings that depend on the schema earlier files built.
    func files() -> [MigrationInput] {
        var files = [MigrationInput(id: "0000_users", path: "db/0000_users.sql",
                                    bytes: Array(migration("CREATE TABLE users (id INT PRIMARY KEY);").utf8))]
        for i in 1...60 {
            let id = String(format: "%04d_t%d", i, i)
            let index = i % 3 == 0 ? "\nCREATE INDEX idx_t\(i) ON t\(i) (user_id);" : ""
            let deps = i % 5 == 0 && i < 60 ? "[\"\(String(format: "%04d_t%d", i + 1, i + 1))\"]" : "[]"
            let sql = "CREATE TABLE t\(i) (id INT PRIMARY KEY, user_id INT REFERENCES users (id), payload json);\(index)\nALTER TABLE users ADD COLUMN c\(i) INT;"
            files.append(MigrationInput(id: id, path: "db/\(id).sql", bytes: Array(migration(sql, deps: deps).utf8)))
        }
        return files.reversed()
    }

    @Test(arguments: [(1, 1), (1, 64), (2, 1), (2, 3), (3, 7), (4, 64)])
    func lanesAndSpanDoNotChangeTheFindings(lanes: Int, span: Int) {
        var reference = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .strata)
        reference.lanes = 1
        reference.windowSize = 1000
        var linter = reference
        linter.lanes = lanes
        linter.windowSize = span
        let expected = reference.lint(files()), actual = linter.lint(files())
        #expect(actual.diagnostics == expected.diagnostics)
        #expect(actual.fileCount == 61)
        #expect(expected.diagnostics.filter { $0.rule == "unindexed-column" }.count == 40)
    }

    @Test func findingsComeInPathOrderWhateverTheDependencyOrder() {
        var linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .strata)
        linter.lanes = 2
        linter.windowSize = 4
        let result = linter.lint(files())
        #expect(!result.diagnostics.isEmpty)
        #expect(result.diagnostics == result.diagnostics.sorted(by: Diagnostic.reportOrder))
    }

    @Test func findingsLeaveFileByFileAsTheyAreFinal() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for i in 0..<30 {
            let sql = i % 2 == 0 ? "CREATE INDEX idx_\(i) ON t (c);\nDROP TABLE t\(i);\n" : "SELECT \(i);\n"
            try sql.write(to: folder.appendingPathComponent(String(format: "%03d.sql", i)), atomically: true, encoding: .utf8)
        }
        var linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .plain)
        linter.lanes = 2
        linter.windowSize = 5
        var batches: [[Diagnostic]] = []
        let summary = try linter.lint(paths: [folder.path]) { batches.append($0) }
        #expect(summary.fileCount == 30)
        #expect(batches.count == 15)   // the files with findings, one batch each
        for batch in batches { #expect(Set(batch.map(\.file)).count == 1) }
        let all = batches.flatMap { $0 }
        #expect(all == all.sorted(by: Diagnostic.reportOrder))
        #expect(summary.warningCount == all.filter { $0.severity == .warning }.count)
        #expect(summary.errorCount == all.filter { $0.severity == .error }.count)
    }

    /// Files are read on several lanes at once; the error is still the first unreadable file
    /// in check order, as a sequential run would report.
    @Test func theFirstUnreadableFileIsNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-unreadable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for i in 0..<40 {
            let url = folder.appendingPathComponent(String(format: "%03d.sql", i))
            // Two names that are folders: reading them fails.
            if i == 17 || i == 31 {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } else {
                try "SELECT \(i);\n".write(to: url, atomically: true, encoding: .utf8)
            }
            paths.append(url.path)
        }
        for lanes in [1, 2, 3] {
            var linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .plain)
            linter.lanes = lanes
            linter.windowSize = 4
            #expect(throws: InputError.self) { try linter.lint(paths: paths) }
            do {
                _ = try linter.lint(paths: paths)
            } catch {
                #expect(error.path.hasSuffix("017.sql"), "lanes \(lanes): \(error)")
            }
        }
    }

    /// `strata check` of a long history: every file but a few is only replayed, so one lane
    /// replays while parser threads read ahead of it. The findings are those of one thread.
    @Test(arguments: [(0, 1), (1, 4), (2, 3), (3, 64)])
    func parserThreadsDoNotChangeTheFindings(parsers: Int, span: Int) {
        var reference = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .strata)
        reference.replayOnly = Set(files().map(\.id).filter { !["0007_t7", "0033_t33", "0060_t60"].contains($0) })
        reference.lanes = 1
        reference.parserThreads = 0
        var linter = reference
        linter.parserThreads = parsers
        linter.windowSize = span
        let expected = reference.lint(files()), actual = linter.lint(files())
        #expect(actual.diagnostics == expected.diagnostics)
        #expect(Set(expected.diagnostics.map(\.file)) == ["db/0007_t7.sql", "db/0033_t33.sql", "db/0060_t60.sql"])
    }
}

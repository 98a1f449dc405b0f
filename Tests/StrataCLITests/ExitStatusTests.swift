import Foundation
import StrataApply
import StrataCore
import StrataGit
@testable import strata
import Testing

/// Errors end a run in one place (`Strata.end`): each library's errors carry the exit code the
/// contract gives them, and no command ends the process itself.
@Suite("exit codes of errors")
struct ExitStatusTests {
    @Test func everyLibraryErrorCarriesItsExitCode() {
        #expect(ConfigurationError(file: "strata.yml", line: 3, column: 5, message: "unknown key 'x'").exitStatus == .environment)
        #expect(ConfigurationError(file: "strata.yml", line: 3, column: 5, message: "unknown key 'x'").userMessage == "strata.yml:3:5: unknown key 'x'")
        #expect(InputError(path: "m/0001.sql", message: "not UTF-8", line: 2, column: 7).userMessage == "m/0001.sql:2:7: not UTF-8")
        #expect(InputError(path: "m", message: "no such folder").exitStatus == .environment)
        #expect(GitError(message: "not a repository").exitStatus == .environment)
        #expect(ApplyError(.refused, "nothing is pending").exitStatus == .refused)
        for kind in [ApplyError.Kind.invalidURL, .connection, .statement, .trackingTables, .backup, .monitoringFile] {
            #expect(ApplyError(kind, "m").exitStatus == .environment, "\(kind)")
        }
        #expect(CommandFailure.refused("no").exitStatus.rawValue == 1)
        #expect(CommandFailure("no").exitStatus.rawValue == 2)
        #expect(ExitStatus.usage.rawValue == 64 && ExitStatus.interrupted.rawValue == 130)
    }

    /// A database error exits 2 and a refused operation 1, each with its message once on
    /// standard error: an `up` whose migration fails midway outside a transaction, then a
    /// rollback that will not undo what is half done.
    @Test func aFailureAndARefusalEndWithTheirCodes() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", """
            -- @name: a
            -- @description: Two tables of one name
            -- @timestamp: 2024-01-01T00:00:00Z
            -- @rollbackSafe: true
            -- @performanceImpact: low
            -- @dependencies: []
            -- @transaction: false
            -- UP MIGRATION
            CREATE TABLE a (id INTEGER);
            CREATE TABLE a (id INTEGER);
            -- DOWN MIGRATION
            DROP TABLE a;
            """)
        let up = try CLI.run(["up", "--database", "sqlite:app.db"], in: p.root)
        #expect(up.status == 2, "\(up.stderr)")
        #expect(up.stderr.components(separatedBy: "strata: error:").count == 2, "\(up.stderr)")
        let rollback = try CLI.run(["rollback", "--database", "sqlite:app.db", "--force"], in: p.root)
        #expect(rollback.status == 1, "\(rollback.stdout)\(rollback.stderr)")
        #expect(rollback.stderr.hasPrefix("strata: error: rollback refused: 0001_a failed midway"), "\(rollback.stderr)")
    }

    /// No command calls `exit`: they throw, and `Strata.end` alone ends the process.
    @Test func noCommandEndsTheProcessItself() throws {
        let commands = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/strata/Commands").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: commands.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 20)
        for file in files {
            let text = try String(contentsOf: commands.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains("exit(") && !line.contains("Strata.end(") && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                Issue.record("\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
    }
}

import ArgumentParser
import Foundation
import StrataApply
import StrataProject
import StrataCore
import StrataReporters

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check on a scratch database that each migration's DOWN undoes its UP.",
        discussion: """
            For each migration (default: every pending one; --all: every one), on a scratch \
            database Strata creates and drops (a temporary SQLite file, or a PostgreSQL database, \
            else schema, on the server of --database): apply everything before it, read the \
            schema, run UP, read it, run DOWN and compare with the first reading, run UP again \
            and compare with the second. The real database's data is never touched. Exit 0 when \
            every migration passes, 1 when one fails, 2 on a database error.

            Examples:
              strata verify
              strata verify --all --format json
            """)

    @Argument(help: "Migration ids (or their files) to verify (default: every pending migration).")
    var ids: [String] = []

    @Flag(name: .long, help: "Verify every migration, applied or pending.")
    var all = false

    @OptionGroup var output: FormatOptions

    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if all && !ids.isEmpty { throw ValidationError("give migration ids or --all, not both") }
    }

    func run() throws {
        let apply = try ApplyContext("verify", project, database, readOnly: true)
        guard apply.context.layout.layout.capabilities.contains(.downSections) else {
            throw CommandFailure("strata verify runs DOWN sections, and the \(apply.context.layout.rawValue) layout has none")
        }
        let catalog = apply.applier.catalog
        let targets = try apply.applier.verifyTargets(ids, all: all, folder: apply.context.migrationsDirectoryForDisplay)
        guard !targets.isEmpty else {
            if output.isJSON { return report(([], []), scratch: nil) }
            print("nothing to verify: no pending migrations (--all verifies every one)")
            return
        }
        let scratch = try VerifyScratch.create(for: apply.url)
        let handle = SignalSafe(scratch)
        let cleanup = InterruptCleanup("scratch dropped") { handle.value.drop() }
        let verifier = Verifier(scratch: scratch, catalog: catalog, files: apply.files, postgresMajor: apply.applier.database.postgresMajor)
        if !output.isJSON {
            verifier.progress = { _, findings in
                cleanup.exitIfInterrupted()
                for finding in findings {
                    print("\(finding.path):\(finding.line):\(finding.column): error: \(finding.message) [\(finding.rule)]")
                    print("  help: \(finding.help)")
                }
            }
        }
        let result: (outcomes: [VerifyOutcome], findings: [VerifyFinding])
        do {
            result = try verifier.verify(Set(targets))
        } catch {
            cleanup.exitIfInterrupted()
            cleanup.finish()
            throw CommandFailure(error.message)
        }
        cleanup.exitIfInterrupted()
        cleanup.finish()
        report(result, scratch: scratch.description)
        if result.outcomes.contains(where: { $0.status != .passed }) { throw ExitCode(1) }
    }

    /// The summary line, or the JSON document; `scratch` is nil when there was nothing to verify.
    private func report(_ result: (outcomes: [VerifyOutcome], findings: [VerifyFinding]), scratch: String?) {
        let count = { (status: VerifyOutcome.Status) in result.outcomes.count { $0.status == status } }
        if !output.isJSON {
            var line = "verified \(result.outcomes.count) migration\(result.outcomes.count == 1 ? "" : "s") on \(scratch ?? ""): "
                + "\(count(.passed)) passed, \(count(.failed)) failed"
            if count(.notVerified) > 0 { line += ", \(count(.notVerified)) not verified (a migration before them fails)" }
            print(line)
        } else {
            try? JSONDocument.print(VerifyDocument(
                scratch: scratch,
                summary: .init(migrations: result.outcomes.count, passed: count(.passed), failed: count(.failed), notVerified: count(.notVerified)),
                migrations: result.outcomes.map { .init(id: $0.id, file: $0.path, status: $0.status.rawValue) },
                diagnostics: result.findings.map {
                    .init(file: $0.path, line: $0.line, column: $0.column, severity: "error", rule: $0.rule, message: $0.message, help: $0.help)
                }))
        }
    }
}

/// `strata verify --format json`: the scratch database (`null` when nothing was verified), the
/// counts, each migration's status, and the findings in the shape of the lint report's.
struct VerifyDocument: Encodable {
    struct Summary: Encodable {
        var migrations: Int
        var passed: Int
        var failed: Int
        var notVerified: Int

        enum CodingKeys: String, CodingKey {
            case migrations, passed, failed, notVerified = "not_verified"
        }
    }

    struct Migration: Encodable {
        var id: String
        var file: String
        var status: String
    }

    @ExplicitNull var scratch: String?
    var summary: Summary
    var migrations: [Migration]
    var diagnostics: [JSONReport.Finding]
}

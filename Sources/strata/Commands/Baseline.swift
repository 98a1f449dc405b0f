import ArgumentParser
import Foundation
import StrataCore
import StrataApply
import StrataProject

extension BaselineSource: ExpressibleByArgument {}

struct Baseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Take over a database another tool has been migrating, without running anything.",
        discussion: """
            Reads the other tool's tracking table (dbmate and golang-migrate: schema_migrations, \
            goose: goose_db_version, Flyway: flyway_schema_history, diesel: \
            __diesel_schema_migrations) and records every migration it applied as applied in \
            __migrations__, with the checksum of its file as it is now. Migrations it has not \
            applied stay pending for `strata up`. Refused (exit 1) when that table is missing, \
            shows a failed or dirty migration, or names versions with no file here (unless \
            --allow-missing-files).

            Examples:
              strata baseline --from goose --dry-run
              strata baseline --from flyway
            """)

    @Option(name: .long, help: "The tool whose table to read: dbmate, goose, golang-migrate, flyway or diesel.")
    var from: BaselineSource

    @Flag(name: .long, help: "Show what would be recorded; write nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Go on when the other tool's table names versions that have no migration file here.")
    var allowMissingFiles = false

    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let apply = try ApplyContext("baseline", project, database, readOnly: dryRun)
        let applier = apply.applier
        let plan: BaselinePlan
        do {
            plan = try applier.baselinePlan(from: from)
        } catch where error.kind == .refused {
            throw CommandFailure(error.message, .refused)
        } catch {
            throw CommandFailure(error.message)
        }
        print("database: \(apply.url.redacted)")
        print("baseline from \(from.rawValue) (\(from.table)):")
        let width = max(10, (plan.adopted.map(\.entry.id) + plan.pending + plan.alreadyTracked).map(\.count).max() ?? 0)
        func line(_ label: String, _ id: String, _ note: String) {
            print("  \(label.padding(toLength: 8, withPad: " ", startingAt: 0))\(id.padding(toLength: width, withPad: " ", startingAt: 0))  \(note)")
        }
        for adopted in plan.adopted {
            line("adopt", adopted.entry.id, "version \(adopted.version)" + (adopted.appliedAt.map { ", applied \($0)" } ?? ""))
        }
        for id in plan.alreadyTracked { line("tracked", id, "already in \(Ledger.table); left as it is") }
        for id in plan.pending { line("pending", id, "\(from.rawValue) has not applied it; `strata up` will") }
        if !plan.versionsWithoutFile.isEmpty {
            let versions = plan.versionsWithoutFile.joined(separator: ", ")
            guard allowMissingFiles else {
                throw CommandFailure("\(from.table) names version\(plan.versionsWithoutFile.count == 1 ? "" : "s") with no migration file in \(apply.context.migrationsDirectoryForDisplay) (layout \(apply.context.layout.rawValue)): \(versions); restore the files, check --layout, or pass --allow-missing-files", .refused)
            }
            print("  (no file here for \(from.rawValue) version\(plan.versionsWithoutFile.count == 1 ? "" : "s") \(versions): not recorded)")
        }
        let count = "\(plan.adopted.count) migration\(plan.adopted.count == 1 ? "" : "s")"
        if dryRun {
            print("would record \(count) as applied (dry run: nothing written)")
            return
        }
        try applier.baseline(plan)
        print("recorded \(count) as applied; nothing ran")
    }
}

import ArgumentParser
import Foundation
import StrataCore
import StrataProject
import StrataReporters
import StrataRules

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check migration files for unsafe or malformed changes.",
        discussion: """
            PATHs are files or folders (default: the migrations folder of strata.yml, else ./migrations). \
            A file in a migrations folder is read with the rest of the folder, and only the files named are reported. \
            Exit 0 when clean, 1 on any error-level finding or more warnings than --max-warnings, \
            2 on a configuration or I/O error. Findings recorded in strata-suppressions.json (the \
            project root, or `suppressions:` in strata.yml) are not reported: --suppress-all records \
            the current ones, --prune-suppressions forgets those that are gone.

            Examples:
              strata lint
              strata lint migrations/0002_add_email.sql --format json
              strata lint --format sarif --fail-on warning
              strata lint --suppress-all
            """)

    @Argument(help: "Migration files or folders.")
    var paths: [String] = []

    @OptionGroup var project: ProjectOptions

    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "Record every current finding of the files linted in strata-suppressions.json, so that only new ones are reported.")
    var suppressAll = false

    @Flag(name: .long, help: "Remove suppressions of findings no longer found in the files linted (never adds or raises any).")
    var pruneSuppressions = false

    func validate() throws {
        if suppressAll, pruneSuppressions { throw ValidationError("--suppress-all and --prune-suppressions exclude each other") }
    }

    func run() throws {
        let files = paths.filter(Self.namesFile)
        let context = try Project(project, lintPaths: paths, namedFiles: files)
        if output.verbose { context.reportDetection() }
        // Named files in a migrations folder are linted with the rest of it (only they are
        // reported); folders, and files in no migrations folder, as given.
        let groups = Self.groups(context.named.groups, besideFolders: paths.filter { !Self.namesFile($0) },
                                 recursive: context.layout.layout.recursive, workingDirectory: context.workingDirectory)
        let grouped = Set(groups.flatMap(\.files))
        let asGiven = paths.filter { !grouped.contains($0) }
        let targets = paths.isEmpty ? [context.migrationsDirectoryForDisplay] : asGiven
        if paths.isEmpty, !FileManager.default.fileExists(atPath: context.configuration.migrationsDirectory) {
            if context.configuration.file == nil {
                let looked = ProjectDiscovery.knownFolders.map { $0.path + "/" }.joined(separator: ", ")
                throw CommandFailure("no migrations folder found (looked for \(looked), sqitch.plan, and folders named migrations up to three levels down); pass the folder to lint, or write `migrations:` in strata.yml (`strata init` writes one)")
            }
            throw CommandFailure("\(targets[0]): no such folder; pass the files or folders to lint, or set `migrations:` in strata.yml")
        }
        var linter = try context.linter(dialect: context.dialect, verbose: output.verbose)
        let existing = linter.bulkSuppressions?.file
        if suppressAll || (pruneSuppressions && existing != nil) {
            // Recording or pruning: the counts found are kept (`LintSummary.bulk`) to write the file.
            var bulk = linter.bulkSuppressions ?? context.bulkSuppressions(SuppressionsFile())
            bulk.recordAll = suppressAll
            linter.bulkSuppressions = bulk
        } else if pruneSuppressions {
            FileHandle.standardError.write(Data("strata: note: \(context.suppressionsDisplayName): no such file, nothing to prune\n".utf8))
        }
        try output.report(ruleDocs: context.ruleDocs) { writer in
            var summary = targets.isEmpty ? LintSummary() : try linter.lint(paths: targets) { writer.add($0) }
            for group in groups { summary.add(try linter.lint(group) { writer.add($0) }) }
            if let tally = summary.bulk, suppressAll || pruneSuppressions {
                let said = try context.updateSuppressions(existing ?? SuppressionsFile(), with: tally, prune: pruneSuppressions)
                FileHandle.standardError.write(Data("strata: \(said)\n".utf8))
            }
            return summary
        }
    }

    /// Whether a PATH names a file rather than a folder (a `*.sql` name is taken as a file
    /// without a system call, as discovery does).
    static func namesFile(_ path: String) -> Bool {
        path.utf8.count > 4 && path.hasSuffix(".sql") || !FileDiscovery.directoryExists(path)
    }

    /// The groups whose folder is not linted whole anyway, as a folder given (or below one,
    /// for a layout that searches folders below the one given).
    static func groups(_ groups: [NamedFiles.Group], besideFolders folders: [String], recursive: Bool,
                       workingDirectory: String) -> [NamedFiles.Group] {
        let given = folders.map { PathText.absolute($0, from: workingDirectory) }
        return groups.filter { group in
            !given.contains { $0 == group.absoluteFolder || recursive && group.absoluteFolder.hasPrefix($0 == "/" ? "/" : $0 + "/") }
        }
    }
}

extension LintSummary {
    /// The counts of another run added to these.
    mutating func add(_ other: LintSummary) {
        fileCount += other.fileCount
        errorCount += other.errorCount
        warningCount += other.warningCount
        noteCount += other.noteCount
        if let other = other.bulk {
            if bulk == nil { bulk = other } else { bulk?.add(other) }
        }
    }
}

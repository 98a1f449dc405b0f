import ArgumentParser
import Foundation
import StrataCore
import StrataProject
import StrataGit
import StrataSyntax

/// `strata init`: writes down what Strata found in the project, so that the next person (and
/// CI) reads the same folder, layout and dialect without guessing.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented strata.yml with the migrations folder, layout, dialect and base branch found in this project.",
        discussion: """
            Looks where the migration tools keep their files (see `--verbose` of any command), writes \
            strata.yml in the working directory, and prints what it wrote. Installs nothing (hooks: \
            `strata hooks install`); never replaces an existing strata.yml or strata.yaml.

            Examples:
              strata init --dry-run
              strata init
            """)

    @Flag(name: .long, help: "Print the file instead of writing it.")
    var dryRun = false

    func run() throws {
        let cwd = FileManager.default.currentDirectoryPath
        for name in Configuration.fileNames {
            var info = stat()
            if lstat(cwd + "/" + name, &info) == 0 {
                throw CommandFailure("\(name) exists already: edit it, or remove it to start again (strata init never replaces one)", .refused)
            }
        }
        let found = InitFindings.find(in: cwd, environment: ProcessInfo.processInfo.environment)
        let text = found.configurationText
        if dryRun {
            print(text, terminator: "")
            return
        }
        do {
            try MigrationTemplate.write(text, to: cwd + "/" + Configuration.fileName)
        } catch {
            throw CommandFailure(error.errorDescription ?? "\(error)")
        }
        print("wrote strata.yml:")
        print("  migrations: \(found.folder?.value ?? "not found (migrations when `strata new` creates it)")")
        print("  layout: \(found.layout?.rawValue ?? "auto")")
        print("  dialect: \(found.dialect?.rawValue ?? "not found (sqlite unless set)")")
        print("  history.base: \(found.base ?? "not found")")
        print("next: strata lint; strata check; strata hooks install (a pre-commit hook), when you want one")
    }
}

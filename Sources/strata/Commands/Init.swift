import ArgumentParser
import Foundation
import StrataCore
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
        let text = Self.text(found)
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

    /// The file: each value found with where it came from, what was not found commented out.
    static func text(_ found: InitFindings) -> String {
        var lines = [
            "# strata.yml, written by `strata init` from what it found in this project.",
            "# Every key is optional: delete a line to let Strata look again on each run.",
            "",
        ]
        func entry(_ comment: String, _ key: String, _ value: String?, fallback: String) {
            lines.append("# \(comment)")
            lines.append(value.map { "\(key): \($0)" } ?? "# \(key): \(fallback)")
            lines.append("")
        }
        entry(found.folder.map { "Where the migrations are (found: \($0.source)\(found.otherFolders))." }
                  ?? "Where the migrations are: none found yet; `strata new` creates this folder.",
              "migrations", found.folder.map { yamlScalar($0.value) }, fallback: "migrations")
        entry((found.layoutReason.map { "How the files are laid out (\($0))." } ?? "How the files are laid out: auto tells it from the files on each run.")
                  + "\n# One of: auto, \(LayoutKind.allCases.map(\.rawValue).joined(separator: ", ")).",
              "layout", found.layout?.rawValue, fallback: "auto")
        entry(found.dialectReason.map { "The SQL dialect (from \($0))." } ?? "The SQL dialect: nothing in the project names one; sqlite unless set.",
              "dialect", found.dialect?.rawValue, fallback: "postgresql")
        lines.append("# The protected branch `strata check` compares with\(found.base == nil ? ": none found (no git repository, or no main/master)." : " (found in git).")")
        lines.append(found.base.map { "history:\n  base: \(yamlScalar($0))" } ?? "# history:\n#   base: origin/main")
        lines.append("")
        lines.append("# Rule severities (error, warning, off), for example:")
        lines.append("# rules:")
        lines.append("#   missing-down: warning")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A value as a YAML scalar, quoted when YAML would read it otherwise.
    static func yamlScalar(_ value: String) -> String {
        let plain = value.allSatisfy { $0.isLetter || $0.isNumber || "/._-".contains($0) } && !value.isEmpty && value != "."
        return plain ? value : "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// What `strata init` found: each value with where it came from.
struct InitFindings {
    var folder: ProjectDiscovery.Finding?
    var layout: LayoutKind?
    var layoutReason: String?
    var dialect: Dialect?
    var dialectReason: String?
    var base: String?

    var otherFolders: String {
        guard let others = folder?.alsoFound, !others.isEmpty else { return "" }
        return "; also found \(others.joined(separator: ", "))"
    }

    static func find(in root: String, environment: [String: String]) -> InitFindings {
        var found = InitFindings()
        found.folder = ProjectDiscovery.migrationsFolder(root: root, environment: environment)
        let folder = found.folder?.value ?? "migrations"
        let path = root + "/" + folder
        if FileDiscovery.directoryExists(path) {
            do {
                let detection = try LayoutDetector.detect([path])
                found.layout = detection.layout
                found.layoutReason = "detected: " + detection.reason.replacingOccurrences(of: root + "/", with: "")
            } catch {
                found.layoutReason = "not told: \(error.message)"
            }
        }
        switch DialectInference.infer(root: root, migrationsFolder: folder, environment: environment) {
        case .dialect(let dialect, let source)?:
            found.dialect = dialect
            found.dialectReason = source
        case .unsupported(let name, let source)?:
            found.dialectReason = "\(source): \(name), which Strata does not read"
        case nil:
            break
        }
        found.base = HistoryLoader.defaultBase(workingDirectory: root)
        return found
    }
}

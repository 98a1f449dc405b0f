import Foundation
import StrataCore
import StrataGit
import StrataSyntax

/// What `strata init` found: each value with where it came from.
public struct InitFindings {
    public var folder: ProjectDiscovery.Finding?
    public var layout: LayoutKind?
    public var layoutReason: String?
    public var dialect: Dialect?
    public var dialectReason: String?
    public var base: String?

    var otherFolders: String {
        guard let others = folder?.alsoFound, !others.isEmpty else { return "" }
        return "; also found \(others.joined(separator: ", "))"
    }

    public static func find(in root: String, environment: [String: String]) -> InitFindings {
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

    /// The strata.yml `strata init` writes: each value found with where it came from, what was
    /// not found commented out.
    public var configurationText: String {
        let found = self
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
              "migrations", found.folder.map { Self.yamlScalar($0.value) }, fallback: "migrations")
        entry((found.layoutReason.map { "How the files are laid out (\($0))." } ?? "How the files are laid out: auto tells it from the files on each run.")
                  + "\n# One of: auto, \(LayoutKind.allCases.map(\.rawValue).joined(separator: ", ")).",
              "layout", found.layout?.rawValue, fallback: "auto")
        entry(found.dialectReason.map { "The SQL dialect (from \($0))." } ?? "The SQL dialect: nothing in the project names one; sqlite unless set.",
              "dialect", found.dialect?.rawValue, fallback: "postgresql")
        lines.append("# The protected branch `strata check` compares with\(found.base == nil ? ": none found (no git repository, or no main/master)." : " (found in git).")")
        lines.append(found.base.map { "history:\n  base: \(Self.yamlScalar($0))" } ?? "# history:\n#   base: origin/main")
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

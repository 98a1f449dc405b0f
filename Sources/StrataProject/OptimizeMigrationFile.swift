import Foundation
import StrataApply
import StrataCore
import StrataSyntax

/// `strata optimize`'s plan as the next migration file of a project, numbered as `strata new`
/// numbers, after linting it among the project's migrations with the project's rules: a file
/// that would not lint clean at error level is not written, since `deploy` would refuse it.
public enum OptimizeMigrationFile {
    public struct Written {
        public var file: MigrationFile
        public var input: MigrationInput
        /// The files it created (absolute paths), the UP file first (not one it rewrote, such
        /// as atlas.sum).
        public var created: [String]
    }

    public enum Outcome {
        /// Written; `findings` are the new file's own (none at error level).
        case written(Written, findings: [Diagnostic])
        /// Not written: the new file's findings, some at error level.
        case notClean([Diagnostic])
    }

    /// What the user reads when the file is not written for its findings.
    public static let notCleanMessage = "optimize refused: the migration it would write does not lint clean (above); nothing written"

    /// Writes `plan` into the project's migrations folder, in its layout, linted beside
    /// `existing` (the project's migrations, parsed) in `dialect`.
    public static func write(_ plan: OptimizePlan, project: Project, dialect: Dialect, existing: [MigrationFile],
                             now: Date = Date()) throws -> Outcome {
        guard project.layout != .plain else {
            throw CommandFailure("strata optimize writes a migration with UP and DOWN SQL, and plain files have neither; name the layout with --layout")
        }
        // Read and written at its absolute path; named as messages show it.
        let folder = project.migrationsDirectoryForDisplay
        let absoluteFolder = project.configuration.migrationsDirectory
        // Strata's format, or the folder's own tool's (the folder stays one layout).
        let files: [LayoutTemplate.File]
        if project.layout == .strata {
            let path = try MigrationTemplate.nextPath(slug: OptimizeMigrationWriter.slug, folder: absoluteFolder)
            files = [.init(path: (path as NSString).lastPathComponent, text: OptimizeMigrationWriter.contents(plan, now: now))]
        } else {
            let (up, down) = OptimizeMigrationWriter.sections(plan)
            files = try LayoutTemplate.files(layout: project.layout, slug: OptimizeMigrationWriter.slug, up: up, down: down,
                                             transactional: plan.transactional, in: absoluteFolder, now: now)
        }
        let paths = files.map { $0.path(in: folder) }
        let path = paths[0]
        var input = MigrationInput(id: project.layout.layout.id(forRelativePath: files[0].path), path: path, bytes: Array(files[0].text.utf8))
        if files.count > 1 { input.down = .init(path: paths[1], bytes: Array(files[1].text.utf8)) }
        // The settings file it writes beside it (diesel's metadata.toml, Flyway's .sql.conf) is
        // linted with it, as the layout will read it back.
        if let (settingsPath, format) = project.layout.settingsPath(besideUpFile: path), let index = paths.firstIndex(of: settingsPath) {
            input.settings = .init(format: format, path: settingsPath, bytes: Array(files[index].text.utf8))
        }
        let file = project.layout.layout.parse(input, dialect: dialect, depth: .full)
        let findings = try project.linter(dialect: dialect).lint(parsed: existing + [file]).diagnostics.filter { paths.contains($0.file) }
        if findings.contains(where: { $0.severity == .error }) { return .notClean(findings) }
        let written = try LayoutTemplate.write(files, into: absoluteFolder)
        return .written(Written(file: file, input: input, created: zip(files, written).filter { !$0.0.replaces }.map(\.1)), findings: findings)
    }
}

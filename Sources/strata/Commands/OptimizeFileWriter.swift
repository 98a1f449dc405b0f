import Foundation
import StrataApply
import StrataProject
import StrataCore

/// Writes an optimisation plan as the next migration file, numbered as `strata new` numbers,
/// after linting it among the project's migrations with the project's rules: a file that
/// would not lint clean at error level is not written, since `deploy` would refuse it.
enum OptimizeFileWriter {
    struct Written {
        var file: MigrationFile
        var input: MigrationInput
        /// The files it created, the UP file first (not one it rewrote, such as atlas.sum).
        var created: [String]
    }

    static func write(_ plan: OptimizePlan, _ apply: ApplyContext) throws -> Written {
        let context = apply.context
        guard context.layout != .plain else {
            throw CommandFailure("strata optimize writes a migration with UP and DOWN SQL, and plain files have neither; name the layout with --layout")
        }
        let folder = context.migrationsDirectoryForDisplay
        // Strata's format, or the folder's own tool's (the folder stays one layout).
        let files: [LayoutTemplate.File]
        if context.layout == .strata {
            let path = try MigrationTemplate.nextPath(slug: OptimizeMigrationWriter.slug, folder: folder)
            files = [.init(path: (path as NSString).lastPathComponent, text: OptimizeMigrationWriter.contents(plan, now: Date()))]
        } else {
            let (up, down) = OptimizeMigrationWriter.sections(plan)
            files = try LayoutTemplate.files(layout: context.layout, slug: OptimizeMigrationWriter.slug, up: up, down: down,
                                     transactional: plan.transactional, in: folder, now: Date())
        }
        let paths = files.map { $0.path(in: folder) }
        let path = paths[0]
        var input = MigrationInput(id: context.layout.layout.id(forRelativePath: files[0].path), path: path, bytes: Array(files[0].text.utf8))
        if files.count > 1 { input.down = .init(path: paths[1], bytes: Array(files[1].text.utf8)) }
        // The settings file it writes beside it (diesel's metadata.toml, Flyway's .sql.conf) is
        // linted with it, as the layout will read it back.
        if let (settingsPath, format) = context.layout.settingsPath(besideUpFile: path), let index = paths.firstIndex(of: settingsPath) {
            input.settings = .init(format: format, path: settingsPath, bytes: Array(files[index].text.utf8))
        }
        let file = context.layout.layout.parse(input, dialect: apply.url.dialect, depth: .full)
        let findings = try context.linter(dialect: apply.url.dialect).lint(parsed: apply.files + [file]).diagnostics.filter { paths.contains($0.file) }
        for finding in findings {
            FileHandle.standardError.write(Data("\(finding.file):\(finding.line):\(finding.column): \(finding.severity): \(finding.message) [\(finding.rule)]\n".utf8))
        }
        if findings.contains(where: { $0.severity == .error }) {
            throw CommandFailure("optimize refused: the migration it would write does not lint clean (above); nothing written", .refused)
        }
        let written = try LayoutTemplate.write(files, into: folder)
        return Written(file: file, input: input, created: zip(files, written).filter { !$0.0.replaces }.map(\.1))
    }
}

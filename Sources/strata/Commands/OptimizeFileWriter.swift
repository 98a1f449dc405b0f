import Foundation
import StrataApply
import StrataCore

/// Writes an optimisation plan as the next migration file, numbered as `strata new` numbers,
/// after linting it among the project's migrations with the project's rules: a file that
/// would not lint clean at error level is not written, since `deploy` would refuse it.
enum OptimizeFileWriter {
    struct Written {
        var file: MigrationFile
        var input: MigrationInput
    }

    static func write(_ plan: OptimizePlan, _ apply: ApplyContext) throws -> Written {
        let context = apply.context
        guard context.layout == .strata else {
            CommandContext.fail("strata optimize writes migrations in the strata layout (header, UP and DOWN), and this project uses the \(context.layout.rawValue) layout")
        }
        let folder = context.migrationsDirectoryForDisplay
        let path = try CommandContext.run { () throws(InputError) in
            try MigrationTemplate.nextPath(slug: OptimizeMigrationWriter.slug, folder: folder)
        }
        let text = OptimizeMigrationWriter.contents(plan, now: Date())
        let id = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let input = MigrationInput(id: id, path: path, bytes: Array(text.utf8))
        let file = context.layout.layout.parse(input, dialect: apply.url.dialect, depth: .full)
        let findings = context.linter(dialect: apply.url.dialect).lint(parsed: apply.files + [file]).diagnostics.filter { $0.file == path }
        for finding in findings {
            FileHandle.standardError.write(Data("\(path):\(finding.line):\(finding.column): \(finding.severity): \(finding.message) [\(finding.rule)]\n".utf8))
        }
        if findings.contains(where: { $0.severity == .error }) {
            CommandContext.fail("optimize refused: the migration it would write does not lint clean (above); nothing written", code: 1)
        }
        try CommandContext.run { () throws(InputError) in try MigrationTemplate.write(text, to: path) }
        return Written(file: file, input: input)
    }
}

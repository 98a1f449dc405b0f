import Dispatch
import StrataCore

/// The lint `up` refuses on: the error-level findings of every migration file, found on a
/// thread of its own while the files are read, the database connected and the plan made (and,
/// in one transaction, while the first migrations run: nothing is committed before it is
/// done). Only errors stop `up`, so only the rules set to error level run.
public final class LintGate: @unchecked Sendable {
    private let done = DispatchGroup()
    /// Written once, by the lint's thread, before `done` is left.
    private var value: [String: [String]] = [:]

    /// Lints `files`, already read and parsed, on another thread.
    public convenience init(_ linter: Linter, files: [MigrationFile]) {
        self.init(linter, reading: { files })
    }

    /// Lints the files of `stream` on another thread, as soon as they are all made.
    public convenience init(_ linter: Linter, stream: CatalogStream) {
        self.init(linter, reading: { stream.all().compactMap { try? $0.get().file } })
    }

    private init(_ linter: Linter, reading files: @escaping @Sendable () -> [MigrationFile]) {
        let linter = Self.errorRules(of: linter)
        done.enter()
        DispatchQueue.global().async {
            let files = files()
            self.value = Self.errors(in: linter.lint(parsed: files), of: files)
            self.done.leave()
        }
    }

    /// Error-level findings per migration id, once the lint has finished (waits for it).
    public func errors() -> [String: [String]] {
        done.wait()
        return value
    }

    /// The same if the lint has finished, else nil (never waits).
    public func errorsIfFinished() -> [String: [String]]? {
        done.wait(timeout: .now()) == .success ? value : nil
    }

    /// `linter` running only the rules set to error level. When an unused suppression is an
    /// error, every rule runs (a suppression is unused only if the rule it names ran and found
    /// nothing). One lane: the files are parsed already, and this lint runs beside the catalog
    /// and the connection (or the first migrations); a second lane would only replay the
    /// schema again and take their core.
    static func errorRules(of linter: Linter) -> Linter {
        var all = linter
        all.lanes = 1
        if all.rules.contains(where: { type(of: $0).description.id == "unused-ignore" && all.severity(of: type(of: $0).description) == .error }) {
            return all
        }
        return all.keepingRules { all.severity(of: type(of: $0).description) == .error }
    }

    /// The error-level findings of `result`, per migration id, from the lint of `files`.
    static func errors(in result: LintResult, of files: [MigrationFile]) -> [String: [String]] {
        let ids = Dictionary(files.map { ($0.path, $0.id) }, uniquingKeysWith: { a, _ in a })
        var errors: [String: [String]] = [:]
        for diagnostic in result.diagnostics where diagnostic.severity == .error {
            guard let id = ids[diagnostic.file] else { continue }
            errors[id, default: []].append("\(diagnostic.file):\(diagnostic.line):\(diagnostic.column): \(diagnostic.message) [\(diagnostic.rule)]")
        }
        return errors
    }
}

import StrataCore
import StrataGit
import StrataRules

/// What `strata check` checks, and `deploy` before it applies anything: the history of the
/// migrations against the base branch (edited, deleted, renamed, out-of-order applied
/// migrations, numbers taken on the base), and the lint of the files new or changed since the
/// merge base (the others passed review on the base branch and are only replayed).
public enum ProjectChecks {
    /// The findings for the repository's content `history` (from `HistoryLoader.load`), by
    /// `linter` (every rule, as strata.yml sets them up). With `named`, only the findings of
    /// its files, under the paths they were named by; the folder's other files are read for
    /// context.
    public static func findings(_ history: HistoryContext, linter: Linter, named: NamedFiles.Group? = nil) -> LintResult {
        var history = history
        var linter = linter
        linter.history = history.facts
        if let facts = history.facts {
            linter.replayOnly = Set(history.inputs.filter { !facts.isNewOrChanged($0) }.map(\.id))
        }
        if let named {
            // The named files go by the paths they were named by; the rest are read for context.
            var focus = Set<String>()
            for index in history.inputs.indices {
                if let path = named.namedPath(for: history.inputs[index].path) {
                    history.inputs[index].path = path
                    focus.insert(path)
                }
                if let down = history.inputs[index].down, let path = named.namedPath(for: down.path) {
                    history.inputs[index].down?.path = path
                    focus.insert(path)
                }
                // A settings file named (diesel's metadata.toml, Flyway's .sql.conf): its migration.
                let input = history.inputs[index]
                if [input.settings?.path, input.down?.settings?.path].contains(where: { $0.flatMap(named.namedPath) != nil }) {
                    focus.insert(input.path)
                }
            }
            // A deleted migration named (its finding is about a file no longer there).
            if var facts = history.facts {
                for (id, path) in facts.deleted {
                    guard let named = named.namedPath(for: path) else { continue }
                    facts.deleted[id] = named
                    focus.insert(named)
                }
                linter.history = facts
            }
            linter.focus = focus
        }
        var result = linter.lint(history.inputs)
        result.diagnostics = relevant(result.diagnostics, inputs: history.inputs, facts: history.facts)
        return result
    }

    /// History findings always; lint findings only for files new or changed since the merge base
    /// (the rest already passed review on the base branch).
    static func relevant(_ diagnostics: [Diagnostic], inputs: [MigrationInput], facts: HistoryFacts?) -> [Diagnostic] {
        guard let facts else { return diagnostics }
        let historyRules = Set(AllRules.descriptions.filter(\.needsHistory).map(\.id))
        let byPath = Dictionary(inputs.flatMap { input in [(input.path, input)] + (input.down.map { [($0.path, input)] } ?? []) },
                                uniquingKeysWith: { first, _ in first })
        return diagnostics.filter { diagnostic in
            guard let input = byPath[diagnostic.file] else { return true }
            return historyRules.contains(diagnostic.rule) || facts.isNewOrChanged(input)
        }
    }
}

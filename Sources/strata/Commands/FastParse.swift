import ArgumentParser
import StrataReporters
import StrataSyntax

/// The command lines of `strata lint`, `strata check` and `strata up` read directly when they
/// are paths and the command's own options, each once with a valid value. ArgumentParser spends about 4 ms
/// of reflection and protocol-conformance lookups on even a short command line, all of it before
/// the first file is read: a twentieth of linting a few thousand files, and of the pre-commit
/// hook's whole budget. Anything else (help, `--option=value`, an unknown or repeated option,
/// a bad value, `--`, a failed validation) returns nil and goes through ArgumentParser, which
/// words the errors; a test checks that both read every argument list this accepts alike.
enum FastParse {
    /// A command line split into option values, flags and paths; nil when it holds anything
    /// else.
    struct Arguments {
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var paths: [String] = []

        init?(_ arguments: ArraySlice<String>, valueOptions: Set<String>, flagOptions: Set<String>) {
            var i = arguments.startIndex
            while i < arguments.endIndex {
                let argument = arguments[i]
                i += 1
                guard argument.hasPrefix("-"), argument != "-" else {
                    paths.append(argument)
                    continue
                }
                if flagOptions.contains(argument) {
                    guard flags.insert(argument).inserted else { return nil }
                    continue
                }
                guard valueOptions.contains(argument), values[argument] == nil, i < arguments.endIndex,
                      !arguments[i].hasPrefix("-") else { return nil }
                values[argument] = arguments[i]
                i += 1
            }
        }
    }

    static let projectOptions: Set<String> = ["--config", "--dialect", "--layout"]
    static let outputOptions: Set<String> = ["--format", "--max-warnings", "--fail-on"]
    /// The options of `lint` that take a value (`LintPaths` skips their values too).
    static let lintValueOptions = projectOptions.union(outputOptions)

    /// `ProjectOptions` from the values read, nil when one is not valid.
    static func project(_ read: Arguments) -> ProjectOptions? {
        var project = ProjectOptions()
        project.config = read.values["--config"]
        project.dialect = nil
        project.layout = nil
        if let value = read.values["--dialect"] {
            guard let dialect = Dialect(argument: value) else { return nil }
            project.dialect = dialect
        }
        if let value = read.values["--layout"] {
            guard let layout = LayoutChoice(argument: value) else { return nil }
            project.layout = layout
        }
        return project
    }

    /// `OutputOptions` from the values read, nil when one is not valid.
    static func output(_ read: Arguments) -> OutputOptions? {
        var output = OutputOptions()
        output.format = .text
        output.maxWarnings = nil
        output.failOn = .error
        output.verbose = read.flags.contains("--verbose")
        if let value = read.values["--format"] {
            guard let format = ReporterFormat(argument: value) else { return nil }
            output.format = format
        }
        if let value = read.values["--max-warnings"] {
            guard let count = Int(value), count >= 0 else { return nil }
            output.maxWarnings = count
        }
        if let value = read.values["--fail-on"] {
            guard let level = FailLevel(argument: value) else { return nil }
            output.failOn = level
        }
        return output
    }

    // Every property of a command is set below: ArgumentParser's wrappers stop the program
    // when one that was never parsed or set is read.

    static func lint(_ arguments: ArraySlice<String>, paths extracted: [String]) -> Lint? {
        guard let read = Arguments(arguments, valueOptions: lintValueOptions, flagOptions: ["--verbose", "--suppress-all", "--prune-suppressions"]),
              let project = project(read), let output = output(read) else { return nil }
        var lint = Lint()
        lint.paths = extracted + read.paths
        lint.project = project
        lint.output = output
        lint.suppressAll = read.flags.contains("--suppress-all")
        lint.pruneSuppressions = read.flags.contains("--prune-suppressions")
        guard (try? lint.validate()) != nil else { return nil }
        return lint
    }

    static func check(_ arguments: ArraySlice<String>) -> Check? {
        guard let read = Arguments(arguments, valueOptions: lintValueOptions.union(["--base", "--rev"]),
                                   flagOptions: ["--verbose", "--staged", "--require-base"]),
              let project = project(read), let output = output(read) else { return nil }
        var check = Check()
        check.paths = read.paths
        check.base = read.values["--base"]
        check.rev = read.values["--rev"]
        check.staged = read.flags.contains("--staged")
        check.requireBase = read.flags.contains("--require-base")
        check.project = project
        check.output = output
        guard (try? check.validate()) != nil else { return nil }
        return check
    }

    static func up(_ arguments: ArraySlice<String>) -> Up? {
        guard let read = Arguments(arguments, valueOptions: projectOptions.union(["--target", "--log-json", "--database", "--wait", "--lock-timeout"]),
                                   flagOptions: ["--dry-run", "--verbose", "--allow-changed", "--single-transaction"]),
              read.paths.isEmpty, let project = project(read) else { return nil }
        var options = UpOptions()
        options.target = read.values["--target"]
        options.dryRun = read.flags.contains("--dry-run")
        options.verbose = read.flags.contains("--verbose")
        options.allowChanged = read.flags.contains("--allow-changed")
        options.singleTransaction = read.flags.contains("--single-transaction")
        options.log = LogOptions()
        options.log.logJSON = read.values["--log-json"]
        var database = DatabaseOptions()
        database.database = read.values["--database"]
        database.wait = nil
        database.lockTimeout = DatabaseOptions.defaultLockTimeout
        if let value = read.values["--wait"] {
            guard let seconds = Double(value) else { return nil }
            database.wait = seconds
        }
        if let value = read.values["--lock-timeout"] {
            guard let seconds = Double(value) else { return nil }
            database.lockTimeout = seconds
        }
        guard (try? database.validate()) != nil else { return nil }
        var up = Up()
        up.options = options
        up.project = project
        up.database = database
        return up
    }
}

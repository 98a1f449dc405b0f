import ArgumentParser
import StrataReporters
import StrataSyntax

/// `strata lint` arguments read directly when they are paths and lint's own options, each once
/// with a valid value. ArgumentParser spends about 4 ms of reflection and protocol-conformance
/// lookups on even a short lint command line, all of it before the first file is read, which
/// was a twentieth of linting a few thousand files on the pre-commit path. Anything else (help,
/// `--option=value`, an unknown or repeated option, a bad value, `--`) returns nil and goes
/// through ArgumentParser, which words the errors; a test checks that both read every
/// argument list this accepts the same way.
enum LintFastParse {
    static func parse(_ arguments: ArraySlice<String>, paths extracted: [String]) -> Lint? {
        var project = ProjectOptions()
        var output = OutputOptions()
        var config: String?, dialect: Dialect?, layout: LayoutChoice?, maxWarnings: Int?
        var format = ReporterFormat.text, failOn = FailLevel.error, verbose = false
        var paths = extracted
        var given = Set<String>()
        var i = arguments.startIndex
        while i < arguments.endIndex {
            let argument = arguments[i]
            i += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                paths.append(argument)
                continue
            }
            guard given.insert(argument).inserted else { return nil }
            if argument == "--verbose" {
                verbose = true
                continue
            }
            guard LintPaths.valueOptions.contains(argument), i < arguments.endIndex, !arguments[i].hasPrefix("-") else { return nil }
            let value = arguments[i]
            i += 1
            switch argument {
            case "--config": config = value
            case "--dialect": guard let parsed = Dialect(argument: value) else { return nil }; dialect = parsed
            case "--layout": guard let parsed = LayoutChoice(argument: value) else { return nil }; layout = parsed
            case "--format": guard let parsed = ReporterFormat(argument: value) else { return nil }; format = parsed
            case "--max-warnings": guard let parsed = Int(value), parsed >= 0 else { return nil }; maxWarnings = parsed
            case "--fail-on": guard let parsed = FailLevel(argument: value) else { return nil }; failOn = parsed
            default: return nil
            }
        }
        // Every property is set: ArgumentParser's wrappers stop the program when one that was
        // never parsed or set is read.
        project.config = config
        project.dialect = dialect
        project.layout = layout
        output.format = format
        output.maxWarnings = maxWarnings
        output.failOn = failOn
        output.verbose = verbose
        var lint = Lint()
        lint.paths = paths
        lint.project = project
        lint.output = output
        return lint
    }
}

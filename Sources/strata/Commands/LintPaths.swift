/// Takes the PATH arguments of `strata lint` out of an argument list, leaving the options.
enum LintPaths {
    /// Options of `lint` that take a value as the next argument; `lint --help` must agree
    /// (a CLI test checks it).
    static let valueOptions = FastParse.lintValueOptions

    /// Below this many arguments the parser is fast enough and keeps its usual error messages.
    static let threshold = 32

    static func extract(from arguments: inout [String]) -> [String] {
        guard arguments.first == "lint", arguments.count > threshold,
              !arguments.contains(where: { $0 == "--help" || $0 == "-h" }) else { return [] }
        var kept = ["lint"]
        var paths: [String] = []
        var index = 1
        var onlyPaths = false
        while index < arguments.count {
            let argument = arguments[index]
            if onlyPaths || !argument.hasPrefix("-") || argument == "-" {
                paths.append(argument)
            } else if argument == "--" {
                onlyPaths = true
            } else {
                kept.append(argument)
                if valueOptions.contains(argument), index + 1 < arguments.count {
                    index += 1
                    kept.append(arguments[index])
                }
            }
            index += 1
        }
        arguments = kept
        return paths
    }
}

/// Takes the PATH arguments of `strata lint` out of an argument list, leaving the options.
enum LintPaths {
    /// `lint`'s options that take a value as the next argument, and its flags. A command line
    /// with any other option is left whole to the parser (slower, never read otherwise); a test
    /// checks that these are exactly the options the parser describes for `lint`.
    static let valueOptions: Set<String> = ["--config", "--dialect", "--layout", "--format", "--max-warnings", "--fail-on"]
    static let flags: Set<String> = ["--verbose", "--suppress-all", "--prune-suppressions"]

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
            } else if flags.contains(argument) || valueOptions.contains(String(argument.prefix { $0 != "=" })) {
                kept.append(argument)
                if valueOptions.contains(argument), index + 1 < arguments.count {
                    index += 1
                    kept.append(arguments[index])
                }
            } else {
                return []
            }
            index += 1
        }
        arguments = kept
        return paths
    }
}

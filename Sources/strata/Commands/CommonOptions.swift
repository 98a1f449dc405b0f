import ArgumentParser
import StrataCore
import StrataSyntax

extension Dialect: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension LayoutKind: ExpressibleByArgument {}

/// Options every command that reads migrations shares.
struct ProjectOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: the nearest strata.yml above the working directory).")
    var config: String?

    @Option(name: .long, help: "SQL dialect: sqlite or postgresql (default: strata.yml, else the scheme of DATABASE_URL, else sqlite).")
    var dialect: Dialect?

    @Option(name: .long, help: "How migration files are laid out: strata or plain (default: strata.yml, else strata).")
    var layout: LayoutKind?
}

/// The output formats the command line offers, by identifier.
public enum ReporterFormat: String, CaseIterable, Sendable {
    case text, json, sarif, github

    /// The reporter type behind the format.
    public var reporterType: any Reporter.Type {
        switch self {
        case .text: TextReporter.self
        case .json: JSONReporter.self
        case .sarif: SARIFReporter.self
        case .github: GitHubReporter.self
        }
    }

    /// One line for `--help` (the reporter's `description`).
    public var summary: String { reporterType.description }

    /// A reporter for this format.
    ///
    /// - Parameters:
    ///   - color: ANSI colour in the text format; the caller decides (a terminal, no `NO_COLOR`).
    ///     The other formats never colour.
    ///   - version: Strata's version, written into SARIF's `tool.driver.version`.
    ///   - informationURI: Strata's home page for SARIF's `tool.driver.informationUri`; left out
    ///     when nil.
    public func makeReporter(color: Bool, version: String = "dev", informationURI: String? = nil) -> any Reporter {
        switch self {
        case .text: TextReporter(color: color)
        case .json: JSONReporter()
        case .sarif: SARIFReporter(version: version, informationURI: informationURI)
        case .github: GitHubReporter()
        }
    }
}

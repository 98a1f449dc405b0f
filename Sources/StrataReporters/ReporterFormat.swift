import StrataCore

/// The output formats the command line offers, by identifier.
public enum ReporterFormat: String, CaseIterable, Sendable {
    case text, json, sarif, github, gitlab, markdown

    /// The reporter type behind the format.
    public var reporterType: any Reporter.Type {
        switch self {
        case .text: TextReporter.self
        case .json: JSONReporter.self
        case .sarif: SARIFReporter.self
        case .github: GitHubReporter.self
        case .gitlab: GitLabReporter.self
        case .markdown: MarkdownReporter.self
        }
    }

    /// One line for `--help` (the reporter's `description`).
    public var summary: String { reporterType.description }

    /// Whether CI reads the format, which places findings by their path from the repository's
    /// root (text and JSON keep the paths as typed). A CI format added later says so here.
    public var pathsFromRepositoryRoot: Bool {
        switch self {
        case .text, .json: false
        case .sarif, .github, .gitlab, .markdown: true
        }
    }

    /// A reporter for this format.
    ///
    /// - Parameters:
    ///   - color: ANSI colour in the text format; the caller decides (a terminal, no `NO_COLOR`).
    ///     The other formats never colour.
    ///   - version: Strata's version, written into SARIF's `tool.driver.version` and the rule
    ///     links' `{version}`.
    ///   - informationURI: Strata's home page for SARIF's `tool.driver.informationUri`; left out
    ///     when nil.
    ///   - ruleDocs: where rule links point (SARIF's `helpUri`, the Markdown report's links);
    ///     nil: no links.
    ///   - repository: the git repository the formats CI reads take paths from
    ///     (`pathsFromRepositoryRoot`); the others ignore it.
    public func makeReporter(color: Bool, version: String = "dev", informationURI: String? = nil,
                             ruleDocs: RuleDocsURL? = nil, repository: RepositoryPaths? = nil) -> any Reporter {
        switch self {
        case .text: TextReporter(color: color)
        case .json: JSONReporter()
        case .sarif: SARIFReporter(version: version, informationURI: informationURI, ruleDocs: ruleDocs, repository: repository)
        case .github: GitHubReporter(repository: repository)
        case .gitlab: GitLabReporter(repository: repository)
        case .markdown: MarkdownReporter(version: version, ruleDocs: ruleDocs, repository: repository)
        }
    }
}

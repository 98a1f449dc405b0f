/// The SARIF 2.1.0 log `SARIFReporter` writes, as a value: the part of the specification Strata
/// uses, its keys spelt as SARIF spells them (camelCase, `$schema`). The reporter streams it by
/// hand, in this order, as the findings come; StreamedModelTests pins what it streams to this
/// value's `StrataJSON` encoding.
public struct SARIFLog: Encodable, Sendable, Equatable {
    public var schema: String
    public var version: String
    public var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case schema = "$schema", version, runs
    }

    public struct Run: Encodable, Sendable, Equatable {
        public var tool: Tool
        /// `%SRCROOT%`: the repository's root, when paths start there.
        public var originalUriBaseIds: [String: ArtifactLocation]?
        public var columnKind: String
        public var results: [Result]
    }

    public struct Tool: Encodable, Sendable, Equatable {
        public var driver: Driver
    }

    public struct Driver: Encodable, Sendable, Equatable {
        public var name: String
        public var informationUri: String?
        public var version: String
        public var rules: [ReportingDescriptor]
    }

    /// A rule: its id, its name in UpperCamelCase, summary, rationale, help, page and severity.
    public struct ReportingDescriptor: Encodable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var shortDescription: Message
        public var fullDescription: Message
        public var help: Message?
        public var helpUri: String?
        public var defaultConfiguration: Configuration
    }

    public struct Configuration: Encodable, Sendable, Equatable {
        public var level: String
    }

    public struct Message: Encodable, Sendable, Equatable {
        public var text: String
    }

    /// A finding, pointing at its rule by id and, when the rule is listed, by index.
    public struct Result: Encodable, Sendable, Equatable {
        public var ruleId: String
        public var ruleIndex: Int?
        public var level: String
        public var message: Message
        public var locations: [Location]
    }

    public struct Location: Encodable, Sendable, Equatable {
        public var physicalLocation: PhysicalLocation
    }

    public struct PhysicalLocation: Encodable, Sendable, Equatable {
        public var artifactLocation: ArtifactLocation
        public var region: Region
    }

    public struct ArtifactLocation: Encodable, Sendable, Equatable {
        public var uri: String
        public var uriBaseId: String?
    }

    public struct Region: Encodable, Sendable, Equatable {
        public var startLine: Int
        public var startColumn: Int
    }
}

import StrataSyntax

/// Which rules run when `strata.yml` does not name them (`preset:`); `rules:` entries win.
public enum Preset: String, Sendable, CaseIterable {
    /// Each rule at its default severity; the opt-in style rules off.
    case recommended
    /// Every rule that is on by default, at error level; the opt-in style rules off.
    case strict
    /// Every rule, the opt-in ones included, at its default severity.
    case all

    /// The severity a rule runs at under this preset, or nil when it is off; on `layout`, its
    /// default there (`missing-down` is a warning where the tool makes DOWN optional).
    public func severity(of description: RuleDescription, on layout: LayoutKind? = nil) -> Severity? {
        let normal = layout.map(description.defaultSeverity(on:)) ?? description.defaultSeverity
        switch self {
        case .recommended: return description.optIn ? nil : normal
        case .strict: return description.optIn ? nil : .error
        case .all: return normal
        }
    }
}

/// An SQLite release, `3.40` or `3.35.5`: some ALTER TABLE forms exist only from a release on.
public struct SQLiteVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// `3.40`, `3.35.5`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        self.init(parts[0]!, parts[1]!, parts.count == 3 ? parts[2]! : 0)
    }

    public static func < (a: SQLiteVersion, b: SQLiteVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public var description: String { patch == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(patch)" }
}

/// The database releases the migrations target (`postgres.version`, `sqlite.version`).
public struct DialectVersions: Sendable, Hashable {
    /// PostgreSQL's major version.
    public var postgres: Int
    public var sqlite: SQLiteVersion

    public static let supportedPostgres = 9...18

    public init(postgres: Int = 15, sqlite: SQLiteVersion = SQLiteVersion(3, 40)) {
        self.postgres = postgres
        self.sqlite = sqlite
    }
}

import StrataCore

/// `strata status --format json`: the database, each migration with its state, and how many
/// are in each state.
public struct StatusDocument: Encodable, Sendable, Equatable {
    public struct Migration: Encodable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var state: String
        @ExplicitNull public var appliedAt: String?
        @ExplicitNull public var executionMilliseconds: Int64?
        /// Its recorded run took longer than `slow_ms`.
        public var slow: Bool
        /// What it is when Strata cannot run it (a goose Go migration).
        @ExplicitNull public var notSQL: NotSQL?

        enum CodingKeys: String, CodingKey {
            case id, name, state, slow, appliedAt = "applied_at", executionMilliseconds = "execution_ms", notSQL = "not_sql"
        }
    }

    public struct NotSQL: Encodable, Sendable, Equatable {
        public var language: String
        public var tool: String
    }

    public var database: String
    public var migrations: [Migration]
    public var slowMilliseconds: Int64
    public var summary: MigrationCounts

    enum CodingKeys: String, CodingKey {
        case database, migrations, summary, slowMilliseconds = "slow_ms"
    }

    public init(_ states: [MigrationState], database: String, slowMilliseconds: Int64) {
        self.database = database
        self.slowMilliseconds = slowMilliseconds
        migrations = states.map { state in
            Migration(id: state.id, name: state.name, state: state.kind.rawValue, appliedAt: state.appliedAt,
                      executionMilliseconds: state.executionMilliseconds, slow: state.isSlow(above: slowMilliseconds),
                      notSQL: state.nonSQL.map { NotSQL(language: $0.language, tool: $0.tool) })
        }
        summary = MigrationCounts(Dictionary(grouping: states, by: \.kind).mapValues(\.count))
    }
}

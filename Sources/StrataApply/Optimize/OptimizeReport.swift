import Foundation
import StrataSyntax

/// One thing `strata optimize --analyze` found in a live database: what and where, why it
/// matters, the SQL that would fix it, and, when the fix is one `strata optimize` can plan,
/// that fix.
public struct OptimizeFinding: Sendable, Equatable {
    /// What was found; the raw values are the `kind` of the JSON report, stable across releases.
    public enum Kind: String, Sendable, CaseIterable {
        case foreignKeyWithoutIndex = "fk-without-index"
        case foreignKeyCollationMismatch = "fk-collation-mismatch"
        case foreignKeyAffinityMismatch = "fk-affinity-mismatch"
        case redundantIndex = "redundant-index"
        case unusedIndex = "unused-index"
        case invalidIndex = "invalid-index"
        case indexCollationMismatch = "index-collation-mismatch"
        case tableWithoutPrimaryKey = "table-without-primary-key"
        case sequentialScans = "sequential-scans"
        case staleStatistics = "stale-statistics"
        case missingStatistics = "missing-statistics"
        case analyzeSuggested = "optimize-suggests-analyze"
        case indexedColumnMissing = "migration-indexed-column-missing"

        /// The heading of the group in the text report.
        public var heading: String {
            switch self {
            case .foreignKeyWithoutIndex: "foreign keys without an index"
            case .foreignKeyCollationMismatch: "foreign keys whose index uses another collation"
            case .foreignKeyAffinityMismatch: "foreign keys whose column affinity differs from the parent key's"
            case .redundantIndex: "redundant indexes"
            case .unusedIndex: "unused indexes"
            case .invalidIndex: "invalid indexes"
            case .indexCollationMismatch: "indexes with another collation than their column"
            case .tableWithoutPrimaryKey: "tables without a primary key"
            case .sequentialScans: "tables read mostly by sequential scans"
            case .staleStatistics: "stale planner statistics"
            case .missingStatistics: "missing planner statistics"
            case .analyzeSuggested: "tables PRAGMA optimize would analyze"
            case .indexedColumnMissing: "columns the migrations index that the database no longer has"
            }
        }
    }

    /// Where a finding comes from in a migration file.
    public struct Location: Sendable, Equatable {
        public var file: String
        public var line: Int
        public var column: Int

        public init(file: String, line: Int, column: Int) {
            self.file = file
            self.line = line
            self.column = column
        }
    }

    public var kind: Kind
    public var table: String?
    public var index: String?
    public var columns: [String]
    /// What was found, in one sentence.
    public var message: String
    /// Why it matters.
    public var why: String
    /// The suggested SQL, each statement without its `;` (comments allowed).
    public var sql: [String]
    public var location: Location?
    /// Facts of the finding for tools (`redundant_to`, `scans`, `size_bytes`...), as text.
    public var details: [String: String]
    /// The change `strata optimize` would make for it; nil when the finding is advice only.
    public var fix: OptimizeFix?

    public init(kind: Kind, table: String?, index: String? = nil, columns: [String] = [], message: String, why: String,
                sql: [String] = [], location: Location? = nil, details: [String: String] = [:], fix: OptimizeFix? = nil) {
        self.kind = kind
        self.table = table
        self.index = index
        self.columns = columns
        self.message = message
        self.why = why
        self.sql = sql
        self.location = location
        self.details = details
        self.fix = fix
    }
}

/// A change the optimisation plan can make, with the statement that undoes it.
public struct OptimizeFix: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case createIndex = "create-index"
        case dropIndex = "drop-index"
        case analyze
    }

    public var kind: Kind
    /// The table, as reports name it.
    public var table: String
    /// The index created or dropped.
    public var index: String?
    /// The statement, without its `;`.
    public var up: String
    /// What undoes it; nil for ANALYZE, which changes only planner statistics.
    public var down: String?
    /// A drop the plan takes only with `--include-drops` (unused indexes).
    public var needsIncludeDrops: Bool
    /// False for PostgreSQL's CONCURRENTLY, which cannot run inside a transaction.
    public var transactional: Bool
    /// SQLite: the ANALYZE to run after creating the index, when the database keeps
    /// statistics: without it the new index is the only one the planner knows nothing of.
    public var analyzeAfter: String? = nil
}

/// What `pg_stat_statements` said, or why it could not be read.
public struct StatementStatistics: Sendable, Equatable {
    public enum Status: String, Sendable {
        case available
        /// The extension is not installed in this database.
        case notInstalled = "not-installed"
        /// Installed, but reading it failed (not in shared_preload_libraries, no privilege).
        case unreadable
    }

    public struct Statement: Sendable, Equatable {
        public var query: String
        public var calls: Int64
        public var meanMilliseconds: Double
        public var totalMilliseconds: Double
        public var rows: Int64
    }

    public var status: Status
    /// Why it is unreadable (the server's message), or how to install it.
    public var note: String
    /// The slowest statements by mean time, slowest first.
    public var slowest: [Statement]
}

/// Everything `strata optimize --analyze` found, in report order (by kind, then table).
public struct OptimizeReport: Sendable {
    public var dialect: Dialect
    public var findings: [OptimizeFinding]
    /// PostgreSQL: when the statistics behind idx_scan and seq_scan were last reset; nil when
    /// never (counted since the database was created, or since the server lost them).
    public var statisticsReset: String?
    /// PostgreSQL: nil on SQLite.
    public var statementStatistics: StatementStatistics?
    /// Things worth knowing that are not findings (what could not be checked, and why).
    public var notes: [String]

    public init(dialect: Dialect, findings: [OptimizeFinding], statisticsReset: String? = nil,
                statementStatistics: StatementStatistics? = nil, notes: [String] = []) {
        self.dialect = dialect
        self.findings = findings
        self.statisticsReset = statisticsReset
        self.statementStatistics = statementStatistics
        self.notes = notes
    }

    /// Each kind's findings count, for summaries.
    public var counts: [OptimizeFinding.Kind: Int] {
        var counts: [OptimizeFinding.Kind: Int] = [:]
        for finding in findings { counts[finding.kind, default: 0] += 1 }
        return counts
    }
}

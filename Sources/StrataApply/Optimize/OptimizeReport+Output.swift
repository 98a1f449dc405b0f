import Foundation
import StrataCore

/// How an optimisation report and plan are shown: grouped text for people, JSON for tools
/// (the structure docs/commands/optimize.md documents; `version` changes if a field changes meaning).
extension OptimizeReport {
    /// The findings grouped by kind, each with where, why and the SQL; then what the
    /// statistics could not say, and a count.
    public func text() -> String {
        var lines: [String] = []
        if dialect == .postgresql {
            lines.append("statistics: counted \(statisticsReset.map { "since \($0) (last reset)" } ?? "since the database began (never reset)")")
        }
        for kind in OptimizeFinding.Kind.allCases {
            let group = findings.filter { $0.kind == kind }
            guard !group.isEmpty else { continue }
            lines.append("")
            lines.append("\(kind.heading) (\(group.count)) [\(kind.rawValue)]")
            for finding in group {
                let at = finding.location.map { "\($0.file):\($0.line):\($0.column): " } ?? ""
                lines.append("  - \(at)\(finding.message)")
                lines.append("    why: \(finding.why)")
                for (n, statement) in finding.sql.enumerated() {
                    lines.append("    \(n == 0 ? "sql:" : "    ") \(Self.terminated(statement))")
                }
                if finding.fix?.needsIncludeDrops == true { lines.append("    (a plan drops it only with --include-drops)") }
            }
        }
        if let statements = statementStatistics {
            lines.append("")
            lines.append("slowest statements (pg_stat_statements): \(statements.note)")
            for statement in statements.slowest {
                let query = statement.query.split(whereSeparator: \.isNewline).joined(separator: " ")
                lines.append(String(format: "  %10.2f ms mean  %8lld calls  ", statement.meanMilliseconds, statement.calls)
                             + String(query.prefix(160)))
            }
        }
        for note in notes { lines.append("note: \(note)") }
        lines.append("")
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `3 findings: 1 fk-without-index, 2 redundant-index`, or that there are none.
    public var summary: String {
        guard !findings.isEmpty else { return "no findings" }
        let counts = self.counts
        let parts = OptimizeFinding.Kind.allCases.compactMap { kind in counts[kind].map { "\($0) \(kind.rawValue)" } }
        return "\(findings.count) finding\(findings.count == 1 ? "" : "s"): \(parts.joined(separator: ", "))"
    }

    /// The report as `strata optimize --analyze --format json` prints it.
    public func document(database: String) -> OptimizeDocument {
        OptimizeDocument(
            database: database, dialect: dialect.rawValue,
            summary: .init(findings: findings.count, byKind: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })),
            findings: findings.map { finding in
                OptimizeDocument.Finding(
                    kind: finding.kind.rawValue, table: finding.table, index: finding.index, columns: finding.columns,
                    message: finding.message, why: finding.why, sql: finding.sql.map(Self.terminated),
                    file: finding.location?.file, line: finding.location?.line, column: finding.location?.column,
                    details: finding.details, fix: finding.fix.map(OptimizeDocument.Fix.init))
            },
            notes: notes, statisticsReset: statisticsReset,
            statementStatistics: statementStatistics.map { statements in
                OptimizeDocument.StatementStatistics(status: statements.status.rawValue, note: statements.note, slowest: statements.slowest.map {
                    .init(query: $0.query, calls: $0.calls, meanMilliseconds: $0.meanMilliseconds,
                          totalMilliseconds: $0.totalMilliseconds, rows: $0.rows)
                })
            })
    }

    /// The report with the plan made from it, and what became of the plan: `outcome`
    /// (`nothing-to-do`, `dry-run`, `written`, `applied`) and the migration `file` written.
    public func document(database: String, plan: OptimizePlan, outcome: String, file: String?) -> OptimizeDocument {
        var document = document(database: database)
        let step = { (step: OptimizePlan.Step) in OptimizeDocument.Step(fix: .init(step.fix), finding: step.kind.rawValue, reason: step.reason) }
        document.plan = .init(summary: plan.summary, transactional: plan.transactional, steps: plan.steps.map(step),
                              withheld: plan.withheld.map(step), up: plan.up.map { $0 + ";" }, down: plan.down.map { $0 + ";" })
        document.outcome = outcome
        document.file = ExplicitNull(wrappedValue: file)
        return document
    }

    /// A statement with its `;`; a comment as it is.
    static func terminated(_ statement: String) -> String {
        statement.hasPrefix("--") ? statement : statement + ";"
    }
}

extension OptimizePlan {
    /// The plan: each step with the finding it answers and its SQL, then what `--include-drops`
    /// would add.
    public func text() -> String {
        var lines: [String] = []
        if steps.isEmpty { lines.append("nothing to change") }
        for (n, step) in steps.enumerated() {
            lines.append("\(n + 1). \(step.fix.kind.rawValue) \(step.fix.index ?? step.fix.table) [\(step.kind.rawValue)]: \(step.reason)")
            lines.append("   \(step.fix.up);")
        }
        if !withheld.isEmpty {
            lines.append("left out (pass --include-drops to drop them): "
                         + withheld.map { $0.fix.index ?? $0.fix.table }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `strata optimize --format json`: the findings (the structure docs/commands/optimize.md
/// documents); with a plan (every mode but `--analyze`) also `plan`, `outcome` and `file`.
public struct OptimizeDocument: Encodable, Sendable, Equatable {
    public struct Summary: Encodable, Sendable, Equatable {
        public var findings: Int
        /// Findings by kind (`fk-without-index`...).
        public var byKind: [String: Int]

        enum CodingKeys: String, CodingKey {
            case findings, byKind = "by_kind"
        }
    }

    public struct Finding: Encodable, Sendable, Equatable {
        public var kind: String
        @ExplicitNull public var table: String?
        @ExplicitNull public var index: String?
        public var columns: [String]
        public var message: String
        public var why: String
        public var sql: [String]
        /// Where in the migrations it comes from, when it does.
        @ExplicitNull public var file: String?
        @ExplicitNull public var line: Int?
        @ExplicitNull public var column: Int?
        public var details: [String: String]
        @ExplicitNull public var fix: Fix?
    }

    public struct Fix: Encodable, Sendable, Equatable {
        public var kind: String
        public var table: String
        @ExplicitNull public var index: String?
        public var up: String
        @ExplicitNull public var down: String?
        public var needsIncludeDrops: Bool
        public var transactional: Bool

        enum CodingKeys: String, CodingKey {
            case kind, table, index, up, down, transactional, needsIncludeDrops = "needs_include_drops"
        }
    }

    public struct StatementStatistics: Encodable, Sendable, Equatable {
        public struct Statement: Encodable, Sendable, Equatable {
            public var query: String
            public var calls: Int64
            public var meanMilliseconds: Double
            public var totalMilliseconds: Double
            public var rows: Int64

            enum CodingKeys: String, CodingKey {
                case query, calls, rows, meanMilliseconds = "mean_ms", totalMilliseconds = "total_ms"
            }
        }

        public var status: String
        public var note: String
        public var slowest: [Statement]
    }

    public struct Plan: Encodable, Sendable, Equatable {
        public var summary: String
        public var transactional: Bool
        public var steps: [Step]
        /// The steps left out without `--include-drops`.
        public var withheld: [Step]
        public var up: [String]
        public var down: [String]
    }

    /// A fix of the plan, with the kind of finding it answers and why: the fix's keys and
    /// `finding` and `reason` in one object.
    public struct Step: Encodable, Sendable, Equatable {
        public var fix: Fix
        public var finding: String
        public var reason: String

        enum CodingKeys: String, CodingKey {
            case finding, reason
        }

        public func encode(to encoder: any Encoder) throws {
            try fix.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(finding, forKey: .finding)
            try container.encode(reason, forKey: .reason)
        }
    }

    public var database: String
    public var dialect: String
    public var summary: Summary
    public var findings: [Finding]
    public var notes: [String]
    @ExplicitNull public var statisticsReset: String?
    /// PostgreSQL's pg_stat_statements: whether it could be read, and the slowest statements.
    @ExplicitNull public var statementStatistics: StatementStatistics?
    public var plan: Plan?
    public var outcome: String?
    public var file: ExplicitNull<String>?

    enum CodingKeys: String, CodingKey {
        case database, dialect, summary, findings, notes, plan, outcome, file
        case statisticsReset = "statistics_reset", statementStatistics = "statement_statistics"
    }
}

extension OptimizeDocument.Fix {
    init(_ fix: OptimizeFix) {
        self.init(kind: fix.kind.rawValue, table: fix.table, index: fix.index, up: fix.up + ";", down: fix.down.map { $0 + ";" },
                  needsIncludeDrops: fix.needsIncludeDrops, transactional: fix.transactional)
    }
}

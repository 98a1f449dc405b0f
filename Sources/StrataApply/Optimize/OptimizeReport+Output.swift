import Foundation

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

    /// The report as a JSON object.
    public func jsonObject(database: String) -> [String: Any] {
        var object: [String: Any] = [
            "version": 1,
            "database": database,
            "dialect": dialect.rawValue,
            "summary": ["findings": findings.count,
                        "by_kind": Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })] as [String: Any],
            "findings": findings.map(Self.json),
            "notes": notes,
            "statistics_reset": statisticsReset ?? NSNull(),
            "statement_statistics": NSNull(),
        ]
        if let statements = statementStatistics {
            object["statement_statistics"] = [
                "status": statements.status.rawValue,
                "note": statements.note,
                "slowest": statements.slowest.map {
                    ["query": $0.query, "calls": $0.calls, "mean_ms": $0.meanMilliseconds, "total_ms": $0.totalMilliseconds, "rows": $0.rows]
                        as [String: Any]
                },
            ] as [String: Any]
        }
        return object
    }

    private static func json(_ finding: OptimizeFinding) -> [String: Any] {
        [
            "kind": finding.kind.rawValue,
            "table": finding.table ?? NSNull(),
            "index": finding.index ?? NSNull(),
            "columns": finding.columns,
            "message": finding.message,
            "why": finding.why,
            "sql": finding.sql.map(terminated),
            "file": finding.location?.file ?? NSNull(),
            "line": finding.location?.line ?? NSNull(),
            "column": finding.location?.column ?? NSNull(),
            "details": finding.details,
            "fix": finding.fix.map(OptimizePlan.json) ?? NSNull(),
        ]
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

    public func jsonObject() -> [String: Any] {
        [
            "summary": summary,
            "transactional": transactional,
            "steps": steps.map { step in Self.json(step.fix).merging(["finding": step.kind.rawValue, "reason": step.reason]) { a, _ in a } },
            "withheld": withheld.map { step in Self.json(step.fix).merging(["finding": step.kind.rawValue, "reason": step.reason]) { a, _ in a } },
            "up": up.map { $0 + ";" },
            "down": down.map { $0 + ";" },
        ]
    }

    static func json(_ fix: OptimizeFix) -> [String: Any] {
        [
            "kind": fix.kind.rawValue,
            "table": fix.table,
            "index": fix.index ?? NSNull(),
            "up": fix.up + ";",
            "down": fix.down.map { $0 + ";" } ?? NSNull(),
            "needs_include_drops": fix.needsIncludeDrops,
            "transactional": fix.transactional,
        ]
    }
}

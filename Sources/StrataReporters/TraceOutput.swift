import StrataCore

/// How `strata trace` prints a trace: for people (`text`), for a pull-request comment
/// (`markdown`) or for programs (`json`). The findings (`TraceCrossCheck`) go through the lint
/// reporters in the `github` and `sarif` formats; here they follow the trace.
public enum TraceOutput {
    /// The header line: `traced 2 migrations (5 statements) on a temporary PostgreSQL 15.18
    /// cluster, 1000 rows per table`.
    public static func headline(_ report: TraceReport, target: String) -> String {
        let migrations = report.migrations.filter(\.reported)
        let statements = migrations.reduce(0) { $0 + $1.statements.count }
        var line = "traced \(counted(migrations.count, "migration")) (\(counted(statements, "statement"))) on \(target)"
        if report.rowsPerTable > 0 { line += ", \(report.rowsPerTable) rows per table before them" }
        let built = report.migrations.count - migrations.count
        if built > 0 { line += "; \(counted(built, "earlier migration")) only built the schema" }
        return line
    }

    /// The trace for people: each reported migration, each statement with its position,
    /// duration, locks, rewrites and changes; then the findings and a summary line.
    public static func text(_ report: TraceReport, findings: [TraceCrossCheck.Finding], target: String) -> String {
        var out = headline(report, target: target) + "\n"
        for migration in report.migrations where migration.reported {
            out += "\n\(migration.file) (\(migration.transactional ? "in a transaction" : "outside a transaction"))\n"
            if migration.statements.isEmpty, migration.error == nil { out += "  no statements\n" }
            for statement in migration.statements {
                out += "  \(statement.start.line):\(statement.start.column)  \(shortSQL(statement.sql))  [\(milliseconds(statement.durationMilliseconds))]\n"
                let pad = "         "
                if !statement.locksSeen {
                    out += "\(pad)locks     not readable: it cannot run in a transaction, so its locks end with it\n"
                } else if !statement.locks.isEmpty {
                    out += "\(pad)locks     \(statement.locks.map { "\($0.mode) on \($0.kind) \($0.qualifiedName)" }.joined(separator: ", "))\n"
                }
                if !statement.rewrites.isEmpty { out += "\(pad)rewrites  \(statement.rewrites.joined(separator: ", "))\n" }
                for change in statement.changes { out += "\(pad)\(change.action.rawValue.padding(9)) \(describe(change))\n" }
            }
            if let error = migration.error { out += "  failed: \(error)\n" }
        }
        out += "\n"
        for finding in findings {
            let d = finding.diagnostic
            out += "\(d.file):\(d.line):\(d.column): \(d.severity.rawValue): \(d.message) [\(d.rule)]\n"
            if let help = d.help { out += "  help: \(help)\n" }
            for note in d.notes { out += "  note: \(note)\n" }
        }
        out += summary(findings) + "\n"
        return out
    }

    /// `2 lint findings confirmed, 1 not observed; 1 warning from the trace`.
    public static func summary(_ findings: [TraceCrossCheck.Finding]) -> String {
        let count = { (status: TraceCrossCheck.Status) in findings.count { $0.status == status } }
        var parts: [String] = []
        let checked = findings.count { $0.status != nil }
        if checked == 0 {
            parts.append("no lock or rewrite finding from lint to check")
        } else {
            var line = "lint's lock and rewrite findings: \(count(.confirmed)) confirmed, \(count(.notObserved)) not observed"
            if count(.notTraced) > 0 { line += ", \(count(.notTraced)) not traced" }
            parts.append(line)
        }
        let own = findings.filter { $0.status == nil }
        let errors = own.count { $0.diagnostic.severity == .error }
        let warnings = own.count { $0.diagnostic.severity == .warning }
        if own.isEmpty {
            parts.append("the trace found nothing more")
        } else {
            var counts: [String] = []
            if errors > 0 { counts.append(counted(errors, "error")) }
            if warnings > 0 { counts.append(counted(warnings, "warning")) }
            parts.append("the trace found \(counts.joined(separator: ", "))")
        }
        return parts.joined(separator: "; ")
    }

    /// GitHub-flavoured Markdown: a table per migration, then the findings.
    public static func markdown(_ report: TraceReport, findings: [TraceCrossCheck.Finding], target: String) -> String {
        var out = "### Strata trace\n\n\(MarkdownReporter.escaped(headline(report, target: target)))\n"
        for migration in report.migrations where migration.reported {
            out += "\n**`\(migration.file)`**\(migration.transactional ? "" : " (outside a transaction)")\n\n"
            out += "| Line | Statement | Locks | Rewrites | Changes | ms |\n| ---: | --- | --- | --- | --- | ---: |\n"
            for s in migration.statements {
                let locks = !s.locksSeen ? "not readable" : s.locks.map { "\($0.mode) on \($0.qualifiedName)" }.joined(separator: "<br>")
                let changes = s.changes.map { "\($0.action.rawValue) \(describe($0))" }.joined(separator: "<br>")
                out += "| \(s.start.line):\(s.start.column) | \(code(shortSQL(s.sql))) | \(MarkdownReporter.escaped(locks)) | "
                    + "\(MarkdownReporter.escaped(s.rewrites.joined(separator: ", "))) | \(MarkdownReporter.escaped(changes)) | "
                    + "\(milliseconds(s.durationMilliseconds, unit: false)) |\n"
            }
            if let error = migration.error { out += "\n**Failed:** \(MarkdownReporter.escaped(error))\n" }
        }
        if !findings.isEmpty {
            out += "\n**Findings**\n\n"
            for finding in findings {
                let d = finding.diagnostic
                let status = finding.status.map { " (trace: \($0.rawValue))" } ?? ""
                out += "- `\(d.file):\(d.line):\(d.column)` \(d.severity.rawValue) `\(d.rule)`\(status): \(MarkdownReporter.escaped(d.message))\n"
            }
        }
        out += "\n\(MarkdownReporter.escaped(summary(findings)))\n"
        return out
    }

    /// `strata trace --format json`.
    public static func document(_ report: TraceReport, findings: [TraceCrossCheck.Finding], target: String) -> TraceDocument {
        TraceDocument(
            target: target, server: report.serverVersion, rowsPerTable: report.rowsPerTable,
            migrations: report.migrations.filter(\.reported).map { m in
                .init(id: m.id, file: m.file, transactional: m.transactional, error: m.error,
                      statements: m.statements.map { s in
                          .init(line: s.start.line, column: s.start.column, sql: s.sql,
                                durationMs: (s.durationMilliseconds * 1000).rounded() / 1000, locksSeen: s.locksSeen,
                                lockTimeoutMs: s.lockTimeoutMilliseconds,
                                locks: s.locks.map { .init(schema: $0.schema, object: $0.object, kind: $0.kind, mode: $0.mode) },
                                rewrites: s.rewrites,
                                changes: s.changes.map { .init(kind: $0.kind, action: $0.action.rawValue, object: $0.object, detail: $0.detail) })
                      })
            },
            findings: findings.map {
                let d = $0.diagnostic
                return .init(file: d.file, line: d.line, column: d.column, severity: d.severity.rawValue, rule: d.rule,
                             message: d.message, help: d.help, trace: $0.status?.rawValue)
            })
    }

    /// `column public.users.nickname (text)`, `index public.idx_users_email`.
    static func describe(_ change: SchemaChange) -> String {
        "\(change.kind) \(change.object)" + (change.detail.map { $0.hasPrefix("(") ? " \($0)" : " (\($0))" } ?? "")
    }

    /// The statement's first line, at most 72 characters, `…` when cut.
    static func shortSQL(_ sql: String) -> String {
        let firstLine = sql.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? sql
        let cut = firstLine.count > 72 ? String(firstLine.prefix(71)) + "…" : firstLine
        return cut + (firstLine == sql || cut.hasSuffix("…") ? "" : " …")
    }

    static func milliseconds(_ ms: Double, unit: Bool = true) -> String {
        let text = ms < 10 ? String(format1: ms) : String(Int(ms.rounded()))
        return unit ? "\(text) ms" : text
    }

    /// Inline code in a table cell; `|` and backticks would end it, so they become their
    /// look-alikes' escapes (`MarkdownReporter.escaped` for the rest).
    static func code(_ text: String) -> String {
        MarkdownReporter.escaped(text)
    }

    static func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
}

private extension String {
    /// One decimal: `0.4`.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }

    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

/// `strata trace --format json`: the trace, the statements of each reported migration with
/// their locks (modes as PostgreSQL names them), rewrites and changes, then the findings in
/// the lint report's shape with `trace`: `confirmed`, `not observed`, `not traced`, or null for
/// the trace's own.
public struct TraceDocument: Encodable, Sendable {
    public struct Lock: Encodable, Sendable {
        var schema, object, kind, mode: String
    }

    public struct Change: Encodable, Sendable {
        var kind, action, object: String
        var detail: String?
    }

    public struct Statement: Encodable, Sendable {
        var line, column: Int
        var sql: String
        var durationMs: Double
        var locksSeen: Bool
        var lockTimeoutMs: Int
        var locks: [Lock]
        var rewrites: [String]
        var changes: [Change]

        enum CodingKeys: String, CodingKey {
            case line, column, sql, locks, rewrites, changes
            case durationMs = "duration_ms", locksSeen = "locks_seen", lockTimeoutMs = "lock_timeout_ms"
        }
    }

    public struct Migration: Encodable, Sendable {
        var id, file: String
        var transactional: Bool
        @ExplicitNull var error: String?
        var statements: [Statement]
    }

    public struct Finding: Encodable, Sendable {
        var file: String
        var line, column: Int
        var severity, rule, message: String
        @ExplicitNull var help: String?
        @ExplicitNull var trace: String?
    }

    var target: String
    var server: String
    var rowsPerTable: Int
    var migrations: [Migration]
    var findings: [Finding]

    enum CodingKeys: String, CodingKey {
        case target, server, migrations, findings, rowsPerTable = "rows_per_table"
    }
}

import Foundation

/// How a rollback plan is shown before anything runs: a table for people, JSON for tools.
extension RollbackPlan {
    /// One block per migration in the order they would be undone: id, risk, and each item on
    /// its own line (with the DOWN line it comes from).
    public func table() -> String {
        let idWidth = max("MIGRATION".count, steps.map(\.id.count).max() ?? 0)
        let pad = { (text: String, width: Int) in text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        var lines = ["\(pad("MIGRATION", idWidth))  \(pad("RISK", 7))  WHAT"]
        for step in steps {
            let items = step.risk.items.isEmpty
                ? ["no data touched"]
                : step.risk.items.map { item in item.detail + (item.line.map { " (line \($0))" } ?? "") }
            for (n, item) in items.enumerated() {
                let id = n == 0 ? step.id : ""
                let risk = n == 0 ? step.risk.level.description : ""
                lines.append("\(pad(id, idWidth))  \(pad(risk, 7))  \(item)")
            }
        }
        let count = steps.count
        lines.append("\(count) migration\(count == 1 ? "" : "s") to roll back, risk: \(level)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The plan as a JSON object (`strata rollback --format json`, which adds `"version"`);
    /// `outcome` says what was done.
    public func jsonObject(outcome: String) -> [String: Any] {
        [
            "risk": level.description,
            "outcome": outcome,
            "migrations": steps.map { step -> [String: Any] in
                [
                    "id": step.id,
                    "path": step.path ?? NSNull(),
                    "risk": step.risk.level.description,
                    "transactional": step.nonTransactionalReason == nil,
                    "items": step.risk.items.map { item -> [String: Any] in
                        [
                            "kind": item.kind.rawValue,
                            "level": item.level.description,
                            "detail": item.detail,
                            "line": item.line ?? NSNull(),
                            "table": item.table ?? NSNull(),
                            "column": item.column ?? NSNull(),
                            "rows": item.rows.map { NSNumber(value: $0) } ?? NSNull(),
                        ]
                    },
                    "statements": step.down.map { ["line": $0.line, "sql": $0.sql] },
                ]
            },
        ]
    }
}

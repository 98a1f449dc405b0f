import Foundation
import StrataCore

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

    /// The plan as `strata rollback --format json` prints it; `outcome` says what was done,
    /// `reason` why it was refused.
    public func document(outcome: String, reason: String? = nil) -> RollbackDocument {
        RollbackDocument(risk: level.description, outcome: outcome, reason: reason, migrations: steps.map { step in
            RollbackDocument.Migration(
                id: step.id, path: step.path, risk: step.risk.level.description, transactional: step.nonTransactionalReason == nil,
                items: step.risk.items.map { item in
                    RollbackDocument.Item(kind: item.kind.rawValue, level: item.level.description, detail: item.detail,
                                          line: item.line, table: item.table, column: item.column, rows: item.rows)
                },
                statements: step.down.map { RollbackDocument.Statement(line: $0.line, sql: $0.sql) })
        })
    }
}

/// `strata rollback --format json`: the plan's risk, what was done (`outcome`: `refused`,
/// `dry-run`, `rolled-back`) and each migration in the order it is undone.
public struct RollbackDocument: Encodable, Sendable, Equatable {
    public struct Migration: Encodable, Sendable, Equatable {
        public var id: String
        @ExplicitNull public var path: String?
        public var risk: String
        public var transactional: Bool
        public var items: [Item]
        /// The DOWN statements, each with its line in the file.
        public var statements: [Statement]
    }

    /// What the rollback destroys or risks (`kind`, `level`, `detail`), where it can say.
    public struct Item: Encodable, Sendable, Equatable {
        public var kind: String
        public var level: String
        public var detail: String
        @ExplicitNull public var line: Int?
        @ExplicitNull public var table: String?
        @ExplicitNull public var column: String?
        /// The rows it loses, counted on the database.
        @ExplicitNull public var rows: Int64?
    }

    public struct Statement: Encodable, Sendable, Equatable {
        public var line: Int
        public var sql: String
    }

    /// A migration rolled back, and how long its DOWN took.
    public struct Undone: Encodable, Sendable, Equatable {
        public var id: String
        public var executionMilliseconds: Int64

        public init(id: String, executionMilliseconds: Int64) {
            self.id = id
            self.executionMilliseconds = executionMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case id, executionMilliseconds = "execution_ms"
        }
    }

    public var risk: String
    public var outcome: String
    /// Why it was refused, when the selection itself was (nothing applied, an unknown target).
    public var reason: String?
    public var migrations: [Migration]
    /// Only when rolled back: what was undone, and the backup taken first (`null` when none).
    public var rolledBack: [Undone]?
    public var backupPath: ExplicitNull<String>?

    enum CodingKeys: String, CodingKey {
        case risk, outcome, migrations, reason, rolledBack = "rolled_back", backupPath = "backup_path"
    }
}

import Foundation
@testable import strata
@testable import StrataApply
import StrataCore
import StrataReporters
import Testing

/// Every JSON output type, each with every optional field set and every list filled (checked,
/// so that a field added later must be filled here too), encoded as Strata writes it: every
/// key at every depth in snake_case, `"version": 1` on each document. JSONContractTests reads
/// the real commands' output, which has only the keys its run has something to say in (no
/// `not_sql` without a goose Go migration, no `statement_statistics` on SQLite); this covers
/// the rest.
@Suite("JSON output types: every key in snake_case")
struct JSONOutputTypeTests {
    static var documents: [(name: String, value: any Encodable)] { [
        ("status", StatusDocument([
            MigrationState(id: "0001_users", name: "users", kind: .applied, appliedAt: "2026-01-01T00:00:00.000Z",
                           executionMilliseconds: 4, nonSQL: NonSQLMigration(language: "Go", tool: "goose")),
        ], database: "sqlite:app.db", slowMilliseconds: 5000)),
        ("history", HistoryDocument(database: "sqlite:app.db", complete: true, total: 1, slowMilliseconds: 5000, events: [
            .init(at: "2026-01-01T00:00:00.000Z", event: "rolled_back", action: "rollback", status: "ok", migrationID: "0001_users",
                  who: "me@host", durationMilliseconds: 3, slow: false, reason: "why", forced: true, risk: "high",
                  backupPath: "backups/b.sqlite", checksum: "abc", error: "no"),
        ])),
        ("metrics", MetricsDocument(
            database: "sqlite:app.db", migrations: MigrationCounts([.applied: 1]), slow: .init(thresholdMilliseconds: 5000, migrations: ["0001_users"]),
            lastApply: .init(migration: "0001_users", at: "2026-01-01T00:00:00.000Z", timestamp: 1.5, milliseconds: 4), rollbacks: 1, lockRetries: 2,
            backups: .init(count: 1, latest: .init(file: "b.sqlite", createdAt: "2026-01-01T00:00:00.000Z", timestamp: 1.5, ageSeconds: 2)))),
        ("rollback", RollbackDocument(
            risk: "high", outcome: "rolled-back", reason: "why",
            migrations: [.init(id: "0001_users", path: "migrations/0001_users.sql", risk: "high", transactional: true,
                               items: [.init(kind: "table-dropped", level: "high", detail: "drops table users", line: 3, table: "users",
                                             column: "email", rows: 2)],
                               statements: [.init(line: 3, sql: "DROP TABLE users")])],
            rolledBack: [.init(id: "0001_users", executionMilliseconds: 2)], backupPath: ExplicitNull(wrappedValue: "backups/b.sqlite"))),
        ("optimize", OptimizeDocument(
            database: "postgresql://u:***@h/db", dialect: "postgresql", summary: .init(findings: 1, byKind: ["fk-without-index": 1]),
            findings: [.init(kind: "fk-without-index", table: "posts", index: "idx", columns: ["user_id"], message: "m", why: "w",
                             sql: ["CREATE INDEX idx ON posts (user_id);"], file: "migrations/0002.sql", line: 1, column: 2,
                             details: ["redundant_to": "idx_other"], fix: Self.fix)],
            notes: ["n"], statisticsReset: "2026-01-01",
            statementStatistics: .init(status: "available", note: "n", slowest: [.init(query: "SELECT 1", calls: 2, meanMilliseconds: 1.5,
                                                                                      totalMilliseconds: 3, rows: 2)]),
            plan: .init(summary: "1 index", transactional: false, steps: [.init(fix: Self.fix, finding: "fk-without-index", reason: "r")],
                        withheld: [.init(fix: Self.fix, finding: "unused-index", reason: "r")], up: ["u;"], down: ["d;"]),
            outcome: "dry-run", file: ExplicitNull(wrappedValue: "migrations/0003_optimize.sql"))),
        ("backup list", BackupListDocument(folder: "backups", backups: [
            .init(file: "b.sqlite", createdAt: "2026-01-01T00:00:00.000Z", createdBy: "me@host", databaseKind: "sqlite",
                  databaseName: "app", databaseURL: "sqlite:app.db", serverVersion: "3.45", method: "sqlite3 online backup",
                  sizeBytes: 10, sha256: "abc", appliedMigrations: ["0001_users"]),
        ], unusable: [.init(file: "c.sqlite", reason: "no manifest")])),
        ("verify", VerifyDocument(scratch: "sqlite:/tmp/scratch.db", summary: .init(migrations: 1, passed: 0, failed: 1, notVerified: 0),
                                  migrations: [.init(id: "0001_users", file: "migrations/0001_users.sql", status: "failed")],
                                  diagnostics: [Self.finding])),
        ("rules", RulesDocument(rules: [.init(id: "missing-down", severity: "error", summary: "s", dialects: ["sqlite"])])),
        ("explain", ExplainDocument(RuleDescription(id: "missing-down", summary: "s", rationale: "r", help: "h", defaultSeverity: .error,
                                                    needsHistory: true, triggeringExamples: [Example("SELECT ↓1;")],
                                                    nonTriggeringExamples: [Example("SELECT 2;")]),
                                    page: "https://example.com/missing-down")),
    ] }

    static let fix = OptimizeDocument.Fix(kind: "create-index", table: "posts", index: "idx", up: "CREATE INDEX idx ON posts (user_id);",
                                          down: "DROP INDEX idx;", needsIncludeDrops: true, transactional: false)

    static let finding = JSONReport.Finding(file: "migrations/0001_users.sql", line: 1, column: 2, severity: "error",
                                            rule: "verify-down", message: "m", help: "h")

    /// Every detail an event can carry, once.
    static let everyDetail = ApplyEvent.Details(
        strataVersion: "1.0.0", reasons: "r", file: "f", transaction: true, error: "e", risk: "high", forced: true, reason: "why",
        backupPath: "b", checksum: "c", action: "retry", sizeBytes: 1, sha256: "s", appliedMigrations: 1, outcome: "ok", exitCode: 0,
        applied: 1, rolledBack: 1, attempt: 1, attempts: 4, waitMilliseconds: 1000, table: "t")

    @Test(arguments: documents.indices)
    func documentKeysAreSnakeCase(index: Int) throws {
        let (name, value) = Self.documents[index]
        #expect(Self.unset(value, path: name).isEmpty, "\(name): fill \(Self.unset(value, path: name)) so their keys are checked")
        let text = try StrataJSON.document(value)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(name): \(text)")
        #expect(object["version"] as? Int == 1, "\(name) has no \"version\": 1")
        for key in JSONContractTests.badKeys(object, path: []) { Issue.record("\(name): key \(key) is not snake_case") }
    }

    @Test func lintReportKeysAreSnakeCase() throws {
        var report = JSONReport([], summary: LintSummary(fileCount: 1))
        report.summary.suppressed = 1
        report.diagnostics = [Self.finding]
        #expect(Self.unset(report, path: "lint").isEmpty, "\(Self.unset(report, path: "lint"))")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(try StrataJSON.line(report).utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        #expect(JSONContractTests.badKeys(object, path: []).isEmpty, "\(JSONContractTests.badKeys(object, path: []))")
    }

    /// An event log line with every detail: snake_case keys, `"version": 1`, and no detail
    /// that a common field hides.
    @Test func eventLineKeysAreSnakeCase() throws {
        #expect(Self.unset(Self.everyDetail, path: "details").isEmpty, "fill \(Self.unset(Self.everyDetail, path: "details"))")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = try EventLog(path: folder.appendingPathComponent("events.jsonl").path, command: "up",
                               database: DatabaseURL("postgresql://me:secret@db/app"))
        let line = log.line(ApplyEvent(.refused, migration: "0001_users", durationMilliseconds: 3, details: Self.everyDetail))
        #expect(!line.contains("\n") && !line.contains("secret"), "\(line)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        #expect(object["version"] as? Int == 1)
        #expect(JSONContractTests.badKeys(object, path: []).isEmpty, "\(JSONContractTests.badKeys(object, path: []))")
        let details = try #require(try JSONSerialization.jsonObject(with: Data(try StrataJSON.line(Self.everyDetail).utf8)) as? [String: Any])
        let common = ["version", "timestamp", "event", "run_id", "command", "migration_id", "duration_ms", "dialect", "database", "who", "pid"]
        #expect(Set(object.keys) == Set(details.keys).union(common), "\(object.keys.sorted())")
    }

    /// The checker of filled values finds what is left out.
    @Test func theFillCheckFindsEmptyFields() {
        struct Inner: Encodable { var names: [String] }
        struct Sample: Encodable {
            var a: String?
            @ExplicitNull var b: Int?
            var inner: [Inner]
        }
        #expect(Self.unset(Sample(a: nil, b: nil, inner: [Inner(names: [])]), path: "s") == ["s.a", "s.b", "s.inner[0].names"])
        #expect(Self.unset(Sample(a: "x", b: 1, inner: [Inner(names: ["n"])]), path: "s").isEmpty)
    }

    /// The paths of the optionals left nil and the lists and dictionaries left empty in `value`.
    static func unset(_ value: Any, path: String) -> [String] {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let wrapped = mirror.children.first?.value else { return [path] }
            return unset(wrapped, path: path)
        case .collection, .dictionary, .set:
            if mirror.children.isEmpty { return [path] }
            return mirror.children.enumerated().flatMap { unset($0.element.value, path: "\(path)[\($0.offset)]") }
        case .struct, .tuple:
            return mirror.children.flatMap { child -> [String] in
                // A wrapped property shows as `_name` holding the wrapper, whose value is `wrappedValue`.
                let label = (child.label ?? "").hasPrefix("_") ? String((child.label ?? "").dropFirst()) : child.label ?? ""
                let inner = Mirror(reflecting: child.value)
                if inner.displayStyle == .struct, let wrapped = inner.children.first(where: { $0.label == "wrappedValue" }) {
                    return unset(wrapped.value, path: path + "." + label)
                }
                return unset(child.value, path: mirror.displayStyle == .tuple ? path : path + "." + label)
            }
        default:
            return []
        }
    }
}

import Foundation
import StrataApply
import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// The SQLite hazard rules checked against the SQLite this machine links: each error rule's
/// triggering example must really fail there, each warning rule's must really misbehave as its
/// rationale says, and the ADD/DROP COLUMN rules' non-triggering examples must really run.
/// Examples for older SQLite releases (`versions:`) are exempt.
@Suite("SQLite hazard rules on real SQLite")
struct SQLiteHazardRealTests {
    /// One example of one SQLite hazard rule.
    struct Case: Sendable, CustomTestStringConvertible {
        let rule: RuleDescription
        let example: Example
        let index: Int
        let triggering: Bool

        var testDescription: String { "\(rule.id) \(triggering ? "triggering" : "non-triggering") #\(index + 1)" }

        static func all(triggering: Bool, severity: Severity? = nil, ids: Set<String>? = nil) -> [Case] {
            SQLiteHazardRules.types.map { $0.description }
                .filter { rule in severity.map { rule.defaultSeverity == $0 } ?? true }
                .filter { rule in ids.map { $0.contains(rule.id) } ?? true }
                .flatMap { rule in
                    (triggering ? rule.triggeringExamples : rule.nonTriggeringExamples).enumerated()
                        .filter { $0.element.dialects.contains(.sqlite) && $0.element.versions == DialectVersions() }
                        .map { Case(rule: rule, example: $0.element, index: $0.offset, triggering: triggering) }
                }
        }
    }

    /// One UP statement of an example: its SQL, and whether a `↓` marker falls in it.
    struct Step {
        var sql: String
        var marked: Bool
        var statement: Statement
    }

    /// The UP statements of a strata-layout file, markers removed.
    static func steps(_ text: String, fileName: String) -> [Step] {
        let (sql, markers) = stripMarkers(text, dialect: .sqlite)
        let input = MigrationInput(id: fileName, path: fileName, bytes: Array(sql.utf8))
        let file = LayoutKind.strata.layout.parse(input, dialect: .sqlite, depth: .full)
        guard let source = file.source else { return [] }
        return (file.up?.statements ?? []).map { statement in
            let range = statement.range.byteRange
            let marked = markers.contains { range.lowerBound <= $0.offset && $0.offset <= range.upperBound }
            return Step(sql: source.text(range), marked: marked, statement: statement)
        }
    }

    /// A fresh in-memory database with the example's earlier files applied.
    static func database(for example: Example) throws -> any Database {
        let db = try DatabaseConnector.connect(DatabaseURL("sqlite::memory:"))
        for (fileName, sql) in example.earlier {
            for step in steps(sql, fileName: fileName) { try db.execute(step.sql) }
        }
        return db
    }

    static func names(_ db: any Database, _ sql: String) throws -> Set<String> {
        Set(try db.query(sql).compactMap { $0.first?.text })
    }

    @Test func linkedSQLiteHasDropColumn() throws {
        let db = try DatabaseConnector.connect(DatabaseURL("sqlite::memory:"))
        let version = try #require(SQLiteVersion(db.serverVersion))
        #expect(version >= SQLiteVersion(3, 35), "the examples assume SQLite 3.35 or later, found \(version)")
    }

    @Test("error rules: each marked statement of a triggering example fails, the others run",
          arguments: Case.all(triggering: true, severity: .error))
    func triggeringFails(_ c: Case) throws {
        let db = try Self.database(for: c.example)
        let steps = Self.steps(c.example.sql, fileName: c.example.fileName)
        #expect(steps.contains { $0.marked }, sourceLocation: location(c.example))
        for step in steps {
            if step.marked {
                #expect(throws: ApplyError.self, "\(step.sql) ran", sourceLocation: location(c.example)) { try db.execute(step.sql) }
            } else {
                #expect(throws: Never.self, sourceLocation: location(c.example)) { try db.execute(step.sql) }
            }
        }
    }

    @Test("ADD/DROP COLUMN and ALTER TABLE rules: non-triggering examples run",
          arguments: Case.all(triggering: false, ids: ["sqlite-add-column-nonconstant-default", "sqlite-add-column-not-null-default",
                                                       "sqlite-add-column-constraint", "sqlite-alter-unsupported",
                                                       "sqlite-drop-column-restricted"]))
    func nonTriggeringRuns(_ c: Case) throws {
        let db = try Self.database(for: c.example)
        for step in Self.steps(c.example.sql, fileName: c.example.fileName) {
            #expect(throws: Never.self, "\(step.sql)", sourceLocation: location(c.example)) { try db.execute(step.sql) }
        }
    }

    /// The table a step renames another to (`ALTER TABLE t RENAME TO x`: x).
    static func renameTarget(_ step: Step) -> String? {
        guard case .alterTable(let alter) = step.statement.kind, case .renameTable(let to)? = alter.actions.first?.action else { return nil }
        return to.name
    }

    @Test("sqlite-rebuild-order: after the rebuild, something points at the dropped old table",
          arguments: Case.all(triggering: true, ids: ["sqlite-rebuild-order"]))
    func rebuildOrderDangles(_ c: Case) throws {
        let db = try Self.database(for: c.example)
        let steps = Self.steps(c.example.sql, fileName: c.example.fileName)
        let old = try #require(steps.first { $0.marked }.flatMap(Self.renameTarget))
        for step in steps { try db.execute(step.sql) }
        #expect(try Self.names(db, "SELECT name FROM sqlite_schema WHERE name = '\(old)'").isEmpty)
        var dangling: [String] = []
        for table in try Self.names(db, "SELECT name FROM sqlite_schema WHERE type = 'table'") {
            let parents = try db.query("SELECT \"table\" FROM pragma_foreign_key_list('\(table)')").compactMap { $0.first?.text }
            if parents.contains(old) { dangling.append("foreign key of \(table)") }
        }
        for view in try Self.names(db, "SELECT name FROM sqlite_schema WHERE type = 'view' AND sql LIKE '%\(old)%'") {
            #expect(throws: ApplyError.self) { try db.query("SELECT * FROM \"\(view)\"") }
            dangling.append("view \(view)")
        }
        #expect(!dangling.isEmpty, "nothing refers to \(old) after the rebuild", sourceLocation: location(c.example))
        // And the foreign keys really are broken: their rows now point at a table that is gone.
        if dangling.contains(where: { $0.hasPrefix("foreign key") }) {
            #expect(try !db.query("PRAGMA foreign_key_check").isEmpty, sourceLocation: location(c.example))
        }
    }

    @Test("sqlite-rebuild-lost-objects: the indexes and triggers the rule names are gone after the rebuild",
          arguments: Case.all(triggering: true, ids: ["sqlite-rebuild-lost-objects"]))
    func rebuildLosesObjects(_ c: Case) throws {
        let db = try Self.database(for: c.example)
        let steps = Self.steps(c.example.sql, fileName: c.example.fileName)
        let objects = "SELECT name FROM sqlite_schema WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%'"
        var before: Set<String> = []
        for step in steps {
            if step.marked { before = try Self.names(db, objects) }
            try db.execute(step.sql)
        }
        let after = try Self.names(db, objects)
        let (sql, _) = stripMarkers(c.example.sql, dialect: .sqlite)
        let found = findings(of: c.rule, sql: sql, example: c.example, dialect: .sqlite)
        #expect(found.count == 1)
        for finding in found {
            // "rebuilding t drops its index a, trigger b, which ..."
            let list = finding.message.components(separatedBy: "drops its ").last?.components(separatedBy: ", which").first ?? ""
            let named = list.components(separatedBy: ", ").compactMap { $0.split(separator: " ").last.map(String.init) }
            #expect(!named.isEmpty)
            for name in named {
                #expect(before.contains(name), "\(name) did not exist before the rebuild", sourceLocation: location(c.example))
                #expect(!after.contains(name), "\(name) still exists after the rebuild", sourceLocation: location(c.example))
            }
        }
    }
}

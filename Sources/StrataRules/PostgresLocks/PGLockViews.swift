import StrataCore
import StrataSyntax

/// Views and functions as the lock rules see them: DROP VIEW waits for an ACCESS EXCLUSIVE lock
/// on the view, and DROP FUNCTION ... CASCADE for one on every table whose trigger, index,
/// default or constraint uses the function (checked on PostgreSQL 15).
extension PGLock {
    /// `PGLock.newTableReason`, and also a view created earlier in this file by a plain CREATE
    /// VIEW (views and tables share one namespace, so a plain CREATE succeeds only for a name
    /// free at that point). `CREATE OR REPLACE VIEW` may replace a view of an earlier migration
    /// and does not make it new.
    static func newRelationReason(_ name: ObjectName, _ context: RuleContext, before index: Int) -> String? {
        if let reason = newTableReason(name, context, before: index) { return reason }
        guard context.upFeatures.contains(.createView), let first = viewsCreated(context)[name.key], first < index else { return nil }
        return "\(name) is a view created earlier in this file"
    }

    /// The first statement of the UP section that creates each view by a plain CREATE VIEW,
    /// by view key (worked out once per file: the lock rules ask per statement).
    private static func viewsCreated(_ context: RuleContext) -> [String: Int] {
        context.memo.value(ViewsCreatedKey.self) {
            var found: [String: Int] = [:]
            for (i, statement) in context.upStatements.enumerated() {
                guard let created = createdObject(statement, context.source, kind: .view), !created.orReplace,
                      found[created.name.key] == nil else { continue }
                found[created.name.key] = i
            }
            return found
        }
    }

    private enum ViewsCreatedKey {}

    /// Whether every function a `DROP FUNCTION` names was created earlier in this file by a
    /// plain CREATE FUNCTION (not OR REPLACE): whatever uses it was made in the file too.
    static func functionsCreatedInFile(_ names: [ObjectName], _ context: RuleContext, before index: Int) -> Bool {
        var created = Set<String>()
        for statement in context.upStatements.prefix(index) {
            if let function = createdObject(statement, context.source, kind: .function), !function.orReplace {
                created.insert(function.name.key)
            }
        }
        return !names.isEmpty && names.allSatisfy { created.contains($0.key) }
    }

    /// What `createdObject` looks for: the statement's label and the object's keyword.
    enum CreatedKind: String {
        case view, function

        var label: String {
            switch self {
            case .view: "create view"
            case .function: "create function"
            }
        }
    }

    /// The object a `CREATE [OR REPLACE] [TEMP] [RECURSIVE] <kind> name` statement makes, with
    /// whether it says OR REPLACE; nil for any other statement.
    static func createdObject(_ statement: Statement, _ source: SourceText, kind: CreatedKind) -> (name: ObjectName, orReplace: Bool)? {
        guard case .other(let label) = statement.kind, label == kind.label else { return nil }
        var t = PGLockTokens(statement, source)
        var orReplace = false
        while let token = t.token(), source.text(of: token).lowercased() != kind.rawValue {
            if t.isWord("replace") { orReplace = true }
            t.advance()
        }
        t.advance()  // the kind
        if t.isWord("if") { t.position += 3 }  // IF NOT EXISTS
        guard let name = t.objectName() else { return nil }
        return (name, orReplace)
    }
}

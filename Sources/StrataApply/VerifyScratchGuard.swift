import StrataCore
import StrataSyntax

/// What keeps a scratch schema (`VerifyScratch.Kind.postgresSchema`) from reaching the real
/// database it lives in. `search_path` sends unqualified names to the scratch schema, but a
/// statement that names another schema (`public.users`), moves `search_path`, or changes the
/// database as a whole (an extension, a schema, a role) would act on the real database: such a
/// migration is refused before anything runs, and needs a role that can CREATE DATABASE.
public enum VerifyScratchGuard {
    /// The first statement of `statements` (each with its file) that must not run in a scratch
    /// schema of a database whose schemas are `schemas`; nil when all may.
    public static func firstEscape(in statements: [(file: MigrationFile, statement: Statement)], schemas: Set<String>) -> ApplyError? {
        for (file, statement) in statements {
            guard let source = file.source, let reason = escape(statement, source, schemas: schemas) else { continue }
            let at = statement.range.start
            return ApplyError(.refused, "\(file.path):\(at.line):\(at.column): \(reason), which a scratch schema cannot keep from the real database; "
                + "give the role CREATEDB so that strata verify can use a scratch database")
        }
        return nil
    }

    /// Statements that act on the whole database or cluster, by their leading words.
    private static let databaseWide = [
        "create extension", "alter extension", "drop extension", "create schema", "alter schema", "drop schema",
        "create database", "alter database", "drop database", "create role", "alter role", "drop role",
        "create user", "alter user", "drop user", "create group", "alter group", "drop group",
        "create event trigger", "alter event trigger", "drop event trigger", "create publication", "alter publication",
        "drop publication", "create subscription", "alter subscription", "drop subscription", "create tablespace",
        "alter tablespace", "drop tablespace", "alter system", "alter default privileges", "create foreign data wrapper",
        "create server", "alter server", "drop server", "create user mapping", "drop user mapping", "reassign", "drop owned",
        "create language", "drop language", "reset", "set role", "set session", "do", "call", "execute", "import",
    ]

    static func escape(_ statement: Statement, _ source: SourceText, schemas: Set<String>) -> String? {
        switch statement.kind {
        case .other(let label):
            if let words = databaseWide.first(where: { label == $0 || label.hasPrefix($0 + " ") }) {
                return "\(words.uppercased()) acts beyond the scratch schema"
            }
        case .drop(let drop) where [.schema, .database, .extension].contains(drop.objectKind):
            return "DROP \(drop.objectKind.rawValue.uppercased()) acts beyond the scratch schema"
        case .set(let set) where ["search_path", "role", "session_authorization"].contains(set.name.lowercased()):
            return "SET \(set.name) would leave the scratch schema"
        default:
            break
        }
        // `schema.name` for a schema of the real database, anywhere in the statement; in a
        // string or function body too, which may run as SQL in the scratch later.
        let tokens = source.tokens
        var previous: Int? = nil
        for index in statement.tokens where !tokens[index].kind.isTrivia {
            defer { previous = index }
            if tokens[index].kind == .string || tokens[index].kind == .dollarString {
                let text = source.text(of: tokens[index]).lowercased()
                if let named = schemas.first(where: { text.contains($0 + ".") || text.contains("\"\($0)\".") }) {
                    return "it names schema \(named) in a string or function body"
                }
                continue
            }
            guard let before = previous, tokens[index].kind == .punctuation, source.text(of: tokens[index]) == "." else { continue }
            let name: String
            switch tokens[before].kind {
            case .word: name = source.text(of: tokens[before]).lowercased()
            case .quotedIdentifier: name = String(source.text(of: tokens[before]).dropFirst().dropLast())
            default: continue
            }
            if schemas.contains(name) { return "it names schema \(name)" }
        }
        if source.text(statement.range.byteRange).lowercased().contains("set_config") {
            return "set_config may move search_path"
        }
        return nil
    }
}

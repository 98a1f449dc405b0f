import Foundation
import StrataSyntax

/// The database a migrations folder declares for its tool: Prisma's `migration_lock.toml`
/// (`provider = "postgresql"`), drizzle's `meta/_journal.json` (`"dialect": "postgresql"`, or
/// `"pg"` in older journals). Read when neither `--dialect` nor strata.yml says which.
public enum LayoutDialect {
    /// The dialect `folder` declares, with what said it (for `--verbose`); nil when nothing in
    /// it does, or it names a database Strata does not lint (MySQL, SQL Server...).
    public static func declared(inFolder folder: String) -> (dialect: Dialect, reason: String)? {
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        let lock = base + "migration_lock.toml"
        if FileDiscovery.fileExists(lock), let bytes = try? FileDiscovery.read(lock),
           let provider = prismaProvider(String(decoding: bytes, as: UTF8.self)), let dialect = dialect(named: provider) {
            return (dialect, "\(lock): provider = \"\(provider)\"")
        }
        if let journal = try? DrizzleJournal.read(inFolder: folder), let name = journal.dialect, let dialect = dialect(named: name) {
            return (dialect, "\(journal.path): \"dialect\": \"\(name)\"")
        }
        return nil
    }

    /// `provider = "postgresql"` of a migration_lock.toml (quotes single or double).
    static func prismaProvider(_ text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "provider" else { continue }
            var value = parts[1].trimmingCharacters(in: .whitespaces)
            if let hash = value.firstIndex(of: "#"), !value.hasPrefix("#") { value = String(value[..<hash]).trimmingCharacters(in: .whitespaces) }
            return value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return nil
    }

    /// The tools' names for the databases Strata lints.
    static func dialect(named name: String) -> Dialect? {
        switch name.lowercased() {
        case "cockroachdb": .postgresql
        case "turso", "libsql", "d1": .sqlite
        default: Dialect(name: name)
        }
    }
}

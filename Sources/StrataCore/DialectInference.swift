import Foundation
import StrataSyntax

/// The dialect a project's migrations are written in, when neither `--dialect` nor
/// `strata.yml` says: from what the tools record beside the migrations (Prisma's lock file,
/// Drizzle's journal, sqitch.conf's engine), the project's settings and dependencies
/// (schema.prisma, drizzle.config, flyway.conf, Cargo.toml, go.mod, package.json), the database
/// URL in the environment or `.env`, and last the SQL itself. A PostgreSQL project is never
/// linted as SQLite for want of a setting.
public enum DialectInference {
    public enum Answer: Sendable, Equatable {
        /// A dialect Strata reads, and what showed it.
        case dialect(Dialect, source: String)
        /// The project says its migrations are for a database Strata does not read (MySQL,
        /// SQL Server...): linting them as SQLite or PostgreSQL would mislead.
        case unsupported(String, source: String)
    }

    /// What the project shows, first match wins; nil when nothing does (the caller's default).
    public static func infer(root: String, migrationsFolder: String, environment: [String: String]) -> Answer? {
        let folder = migrationsFolder.hasPrefix("/") ? migrationsFolder : root + "/" + migrationsFolder
        let shownFolder = migrationsFolder == "." ? "" : ProjectDiscovery.normalized(migrationsFolder) + "/"
        // What the migration tool itself wrote beside the migrations.
        if let text = ProjectFiles.text(folder, "migration_lock.toml"),
           let provider = ProjectFiles.firstMatch(#"provider\s*=\s*"([^"]+)""#, in: text) {
            return answer(provider, "\(shownFolder)migration_lock.toml: provider = \"\(provider)\"")
        }
        if let text = ProjectFiles.text(folder, "meta/_journal.json"),
           let name = ProjectFiles.firstMatch(#""dialect"\s*:\s*"([^"]+)""#, in: text) {
            return answer(name, "\(shownFolder)meta/_journal.json: \"dialect\": \"\(name)\"")
        }
        for base in [folder, root] {
            if let text = ProjectFiles.text(base, "sqitch.conf"),
               let engine = SqitchProject.configValue(text, section: "core", key: "engine") {
                return answer(engine, "\(base == root ? "" : shownFolder)sqitch.conf: engine = \(engine)")
            }
        }
        if folder.hasSuffix("supabase/migrations") || ProjectFiles.exists(root, "supabase/config.toml") {
            return .dialect(.postgresql, source: "a Supabase project (supabase/), which is PostgreSQL")
        }
        // The project's settings.
        for (file, pattern) in settings {
            guard let text = ProjectFiles.text(root, file), let name = ProjectFiles.firstMatch(pattern, in: text),
                  let found = answer(name, "\(file): \(name)") else { continue }
            return found
        }
        // The database the environment points at.
        let dotEnv = DotEnv.read(root)
        for (values, place) in [(environment, "the environment"), (dotEnv, ".env")] {
            if let url = values["DATABASE_URL"], let colon = url.firstIndex(of: ":"),
               let found = answer(String(url[..<colon]), "DATABASE_URL in \(place)") {
                return found
            }
            if let driver = values["GOOSE_DRIVER"], let found = answer(driver, "GOOSE_DRIVER in \(place)") {
                return found
            }
        }
        // The project's dependencies, where they name one database driver only.
        for (file, drivers) in dependencyFiles {
            guard let text = ProjectFiles.text(root, file) else { continue }
            let named = Set(drivers.filter { text.contains($0.needle) }.map(\.dialect))
            if named.count == 1, let dialect = named.first {
                let needle = drivers.first { $0.dialect == dialect && text.contains($0.needle) }!.needle
                return .dialect(dialect, source: "\(file) depends on \(needle.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))")
            }
        }
        return sqlEvidence(folder, shownFolder: shownFolder)
    }

    /// Settings files naming the database: file, and a pattern whose first group names it.
    static let settings: [(String, String)] = [
        ("prisma/schema.prisma", #"(?s)datasource\s+\w+\s*\{[^}]*provider\s*=\s*"([^"]+)""#),
        ("schema.prisma", #"(?s)datasource\s+\w+\s*\{[^}]*provider\s*=\s*"([^"]+)""#),
        ("drizzle.config.ts", #"(?:dialect|driver)\s*:\s*["'`]([^"'`]+)["'`]"#),
        ("drizzle.config.js", #"(?:dialect|driver)\s*:\s*["'`]([^"'`]+)["'`]"#),
        ("drizzle.config.mjs", #"(?:dialect|driver)\s*:\s*["'`]([^"'`]+)["'`]"#),
        ("drizzle.config.json", #""(?:dialect|driver)"\s*:\s*"([^"]+)""#),
        ("flyway.conf", #"(?m)^\s*flyway\.url\s*=\s*jdbc:(\w+)"#),
        ("conf/flyway.conf", #"(?m)^\s*flyway\.url\s*=\s*jdbc:(\w+)"#),
        ("flyway.toml", #"url\s*=\s*"jdbc:(\w+)"#),
        ("liquibase.properties", #"(?m)^\s*url\s*[=:]\s*jdbc:(\w+)"#),
        ("src/main/resources/liquibase.properties", #"(?m)^\s*url\s*[=:]\s*jdbc:(\w+)"#),
        ("atlas.hcl", #"(?:url|dev)\s*=\s*"(?:docker://)?(\w+)"#),
        ("dbconfig.yml", #"(?m)^\s*dialect\s*:\s*(\w+)"#),
    ]

    /// Dependency files, and the driver names in them that show one database.
    static let dependencyFiles: [(String, [(needle: String, dialect: Dialect)])] = [
        ("Cargo.toml", [("\"postgres\"", .postgresql), ("\"sqlite\"", .sqlite), ("tokio-postgres", .postgresql), ("rusqlite", .sqlite)]),
        ("go.mod", [("github.com/lib/pq", .postgresql), ("github.com/jackc/pgx", .postgresql), ("github.com/mattn/go-sqlite3", .sqlite),
                    ("modernc.org/sqlite", .sqlite)]),
        ("package.json", [("\"pg\"", .postgresql), ("\"postgres\"", .postgresql), ("\"@neondatabase/serverless\"", .postgresql),
                          ("\"better-sqlite3\"", .sqlite), ("\"@libsql/client\"", .sqlite), ("\"sqlite3\"", .sqlite)]),
    ]

    /// A database named by a tool, as an answer: nil for names that say nothing.
    static func answer(_ name: String, _ source: String) -> Answer? {
        let lowered = name.lowercased()
        if let dialect = Dialect(name: lowered) { return .dialect(dialect, source: source) }
        switch lowered {
        case "postgresql", "postgres", "pg", "pgsql", "cockroachdb", "neon", "supabase", "vercel-postgres", "aws-data-api", "redshift":
            return .dialect(.postgresql, source: source)
        case "sqlite", "sqlite3", "turso", "libsql", "d1", "d1-http", "expo", "durable-sqlite", "better-sqlite":
            return .dialect(.sqlite, source: source)
        case "mysql", "mysql2", "mariadb", "sqlserver", "mssql", "oracle", "singlestore", "planetscale", "tidb", "h2", "hsqldb",
             "firebird", "db2", "snowflake", "clickhouse", "mongodb", "derby":
            return .unsupported(name, source: source)
        default:
            return nil
        }
    }

    /// Syntax that only one of the dialects has, counted over the migrations' `.sql` files (at
    /// most 64 files and 1 MB: this runs before every command that has no dialect set): a side
    /// wins with at least one file showing it and three times as many as the other side.
    static func sqlEvidence(_ folder: String, shownFolder: String) -> Answer? {
        var files: [String] = []
        if let walker = FileManager.default.enumerator(atPath: folder) {
            while let path = walker.nextObject() as? String, files.count < 64 {
                if path.hasSuffix(".sql") { files.append(path) }
            }
        }
        var postgres: [String] = [], sqlite: [String] = []
        var budget = 1 << 20
        for path in files.sorted() where budget > 0 {
            guard let bytes = try? FileDiscovery.read(folder + "/" + path), bytes.count <= budget else { continue }
            budget -= bytes.count
            let text = String(decoding: bytes, as: UTF8.self).lowercased()
            if let sign = postgresSigns.first(where: text.contains) { postgres.append("\(sign.trimmingCharacters(in: .whitespaces)) in \(shownFolder)\(path)") }
            if let sign = sqliteSigns.first(where: text.contains) { sqlite.append("\(sign.trimmingCharacters(in: .whitespaces)) in \(shownFolder)\(path)") }
        }
        if !postgres.isEmpty, postgres.count >= 3 * sqlite.count {
            return .dialect(.postgresql, source: "the SQL: \(postgres.count) of \(files.count) files use PostgreSQL-only syntax (\(postgres[0]))")
        }
        if !sqlite.isEmpty, sqlite.count >= 3 * postgres.count {
            return .dialect(.sqlite, source: "the SQL: \(sqlite.count) of \(files.count) files use SQLite-only syntax (\(sqlite[0]))")
        }
        return nil
    }

    static let postgresSigns = ["jsonb", "timestamptz", "bigserial", " serial", "::", "create extension", "$$", "concurrently",
                                "plpgsql", "gen_random_uuid", "uuid_generate_v4", "create type", "comment on", "bytea",
                                "using gin", "create schema", "create or replace function", "with time zone"]
    static let sqliteSigns = ["autoincrement", "pragma ", "without rowid", "datetime('now')", "strftime("]
}

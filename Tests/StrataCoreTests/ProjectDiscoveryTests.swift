import Foundation
import StrataCore
import StrataSyntax
import Testing

/// A project folder laid out as a tool leaves it, removed when the test ends.
private final class ProjectFolder {
    let root: String

    init(_ files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-discovery-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func folder(environment: [String: String] = [:]) -> ProjectDiscovery.Finding? {
        ProjectDiscovery.migrationsFolder(root: root, environment: environment)
    }

    func dialect(_ folder: String, environment: [String: String] = [:]) -> DialectInference.Answer? {
        DialectInference.infer(root: root, migrationsFolder: folder, environment: environment)
    }
}

private let sqlFile = "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"

@Suite("Project discovery: the migrations folder where the tools keep it")
struct ProjectDiscoveryTests {
    @Test("each tool's default folder is found when it holds migrations", arguments: [
        ("db/migrations/20240101000000_a.sql", "db/migrations"),
        ("prisma/migrations/20240101000000_init/migration.sql", "prisma/migrations"),
        ("drizzle/0000_init.sql", "drizzle"),
        ("supabase/migrations/20240101000000_init.sql", "supabase/migrations"),
        ("src/main/resources/db/migration/V1__init.sql", "src/main/resources/db/migration"),
        ("migrations/0001_init.sql", "migrations"),
    ])
    func defaultFolders(file: String, folder: String) throws {
        let project = try ProjectFolder([file: sqlFile, "README.md": "x"])
        #expect(project.folder()?.value == folder)
    }

    @Test("a default folder without migration files is passed over for one with them")
    func emptyDefaultPassedOver() throws {
        let project = try ProjectFolder(["migrations/README": "notes", "db/migrations/001_a.sql": sqlFile])
        #expect(project.folder()?.value == "db/migrations")
        let empty = try ProjectFolder(["migrations/.keep": ""])
        #expect(empty.folder()?.value == "migrations")
        #expect(try ProjectFolder(["src/app.go": "package main"]).folder() == nil)
    }

    @Test("two tools' folders: the first wins and the other is named")
    func twoFolders() throws {
        let project = try ProjectFolder(["migrations/001_a.sql": sqlFile, "supabase/migrations/20240101000000_b.sql": sqlFile])
        let found = try #require(project.folder())
        #expect(found.value == "migrations")
        #expect(found.alsoFound == ["supabase/migrations"])
    }

    @Test("the tools' settings name the folder: drizzle.config out, atlas.hcl dir, flyway.conf locations, .env")
    func configuredFolders() throws {
        let drizzle = try ProjectFolder(["drizzle.config.ts": "export default defineConfig({\n  out: './src/db/out',\n  dialect: 'postgresql',\n});\n",
                                         "src/db/out/0000_init.sql": sqlFile, "migrations/001_other.sql": sqlFile])
        #expect(drizzle.folder()?.value == "src/db/out")
        #expect(drizzle.folder()?.source == "drizzle.config.ts names it")
        let atlas = try ProjectFolder(["atlas.hcl": "env \"local\" {\n  migration {\n    dir = \"file://schema/versions\"\n  }\n}\n",
                                       "schema/versions/20240101000000.sql": sqlFile])
        #expect(atlas.folder()?.value == "schema/versions")
        let flyway = try ProjectFolder(["flyway.conf": "flyway.url=jdbc:postgresql://localhost/db\nflyway.locations=filesystem:sql/versioned\n",
                                        "sql/versioned/V1__init.sql": sqlFile])
        #expect(flyway.folder()?.value == "sql/versioned")
        let dbmate = try ProjectFolder([".env": "DATABASE_URL=postgres://u@h/db\nDBMATE_MIGRATIONS_DIR=\"./database/changes\"\n",
                                        "database/changes/20240101000000_a.sql": sqlFile])
        #expect(dbmate.folder()?.value == "database/changes")
        #expect(dbmate.folder()?.source == "DBMATE_MIGRATIONS_DIR in .env")
        // A setting naming a folder that is not there is passed over.
        let stale = try ProjectFolder(["atlas.hcl": "dir = \"file://gone\"\n", "migrations/1.sql": sqlFile])
        #expect(stale.folder()?.value == "migrations")
    }

    @Test("sqitch.plan's folder, and a folder named migrations deeper down")
    func sqitchAndDeeper() throws {
        let sqitch = try ProjectFolder(["sqitch.plan": "%project=x\n", "deploy/a.sql": sqlFile])
        #expect(sqitch.folder()?.value == ".")
        let deep = try ProjectFolder(["internal/store/migrations/001_a.sql": sqlFile, "node_modules/pkg/migrations/001_b.sql": sqlFile])
        #expect(deep.folder()?.value == "internal/store/migrations")
    }
}

@Suite("Dialect inference: what the project shows")
struct DialectInferenceTests {
    @Test("the migration tool's own records beside the migrations")
    func toolRecords() throws {
        let prisma = try ProjectFolder(["prisma/migrations/migration_lock.toml": "# Please do not edit\nprovider = \"postgresql\"\n",
                                        "prisma/migrations/1_init/migration.sql": "PRAGMA foreign_keys=OFF;\n"])
        #expect(prisma.dialect("prisma/migrations") == .dialect(.postgresql, source: "prisma/migrations/migration_lock.toml: provider = \"postgresql\""))
        let drizzle = try ProjectFolder(["drizzle/meta/_journal.json": "{\"version\":\"7\",\"dialect\":\"sqlite\",\"entries\":[]}"])
        #expect(drizzle.dialect("drizzle") == .dialect(.sqlite, source: "drizzle/meta/_journal.json: \"dialect\": \"sqlite\""))
        let oldDrizzle = try ProjectFolder(["drizzle/meta/_journal.json": "{\"version\":\"5\",\"dialect\":\"pg\",\"entries\":[]}"])
        #expect(oldDrizzle.dialect("drizzle").map(Self.dialect) == .postgresql)
        let sqitch = try ProjectFolder(["sqitch.conf": "[core]\n\tengine = pg\n", "sqitch.plan": "%project=x\n"])
        #expect(sqitch.dialect(".").map(Self.dialect) == .postgresql)
        let supabase = try ProjectFolder(["supabase/migrations/20240101000000_a.sql": sqlFile])
        #expect(supabase.dialect("supabase/migrations").map(Self.dialect) == .postgresql)
    }

    @Test("settings and dependencies", arguments: [
        ("prisma/schema.prisma", "datasource db {\n  provider = \"sqlite\"\n  url = env(\"DATABASE_URL\")\n}\n", Dialect.sqlite),
        ("drizzle.config.ts", "export default { schema: './s.ts', driver: 'pg' }\n", .postgresql),
        ("flyway.conf", "flyway.url=jdbc:postgresql://localhost:5432/app\n", .postgresql),
        ("liquibase.properties", "url: jdbc:sqlite:app.db\n", .sqlite),
        ("go.mod", "module x\n\nrequire (\n\tgithub.com/jackc/pgx/v5 v5.5.0\n\tgithub.com/pressly/goose/v3 v3.17.0\n)\n", .postgresql),
        ("Cargo.toml", "[dependencies]\nsqlx = { version = \"0.7\", features = [\"runtime-tokio\", \"sqlite\"] }\n", .sqlite),
        ("package.json", "{\"dependencies\": {\"drizzle-orm\": \"0.30.0\", \"better-sqlite3\": \"9.0.0\"}}", .sqlite),
    ])
    func settings(file: String, text: String, expected: Dialect) throws {
        let project = try ProjectFolder([file: text, "migrations/001_a.sql": sqlFile])
        let answer = try #require(project.dialect("migrations"))
        #expect(Self.dialect(answer) == expected)
        #expect(Self.source(answer).hasPrefix(file))
    }

    @Test("dependencies naming both databases decide nothing; the SQL then does")
    func ambiguousDependencies() throws {
        let project = try ProjectFolder(["go.mod": "require (\n\tgithub.com/lib/pq v1.10.9\n\tgithub.com/mattn/go-sqlite3 v1.14.17\n)\n",
                                         "migrations/001_a.sql": "CREATE TABLE a (id bigserial PRIMARY KEY, data jsonb);\n"])
        let answer = try #require(project.dialect("migrations"))
        #expect(Self.dialect(answer) == .postgresql)
        #expect(Self.source(answer).hasPrefix("the SQL: 1 of 1 files"))
    }

    @Test("the database URL in the environment, then in .env")
    func databaseURL() throws {
        let project = try ProjectFolder([".env": "export DATABASE_URL='postgresql://app:secret@db/app'\n", "migrations/001_a.sql": sqlFile])
        #expect(project.dialect("migrations") == .dialect(.postgresql, source: "DATABASE_URL in .env"))
        #expect(project.dialect("migrations", environment: ["DATABASE_URL": "sqlite:./dev.db"]) == .dialect(.sqlite, source: "DATABASE_URL in the environment"))
        let goose = try ProjectFolder([".env": "GOOSE_DRIVER=postgres\n"])
        #expect(goose.dialect("migrations") == .dialect(.postgresql, source: "GOOSE_DRIVER in .env"))
    }

    @Test("the SQL alone: PostgreSQL-only syntax is never read as SQLite")
    func sqlEvidence() throws {
        let postgres = try ProjectFolder([
            "migrations/001_a.sql": "CREATE TABLE a (id uuid DEFAULT gen_random_uuid() PRIMARY KEY, created timestamptz);\n",
            "migrations/002_b.sql": "CREATE INDEX CONCURRENTLY a_created ON a (created);\n",
            "migrations/003_c.sql": "ALTER TABLE a ADD COLUMN n int;\n",
        ])
        let answer = try #require(postgres.dialect("migrations"))
        #expect(Self.dialect(answer) == .postgresql)
        #expect(Self.source(answer) == "the SQL: 2 of 3 files use PostgreSQL-only syntax (timestamptz in migrations/001_a.sql)")
        let sqlite = try ProjectFolder(["migrations/001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);\nPRAGMA foreign_keys = ON;\n"])
        #expect(sqlite.dialect("migrations").map(Self.dialect) == .sqlite)
        let neutral = try ProjectFolder(["migrations/001_a.sql": sqlFile])
        #expect(neutral.dialect("migrations") == nil)
    }

    @Test("a project that says MySQL is not read as either dialect")
    func unsupported() throws {
        let project = try ProjectFolder(["prisma/migrations/migration_lock.toml": "provider = \"mysql\"\n"])
        #expect(project.dialect("prisma/migrations") == .unsupported("mysql", source: "prisma/migrations/migration_lock.toml: provider = \"mysql\""))
    }

    static func dialect(_ answer: DialectInference.Answer) -> Dialect? {
        if case .dialect(let dialect, _) = answer { return dialect }
        return nil
    }

    static func source(_ answer: DialectInference.Answer) -> String {
        switch answer {
        case .dialect(_, let source), .unsupported(_, let source): source
        }
    }
}

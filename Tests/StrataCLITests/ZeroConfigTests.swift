import Foundation
import Testing

/// The first run on a project as it is: no strata.yml, run from the project's root.
@Suite("Zero configuration: folder, dialect and strata init")
struct ZeroConfigTests {
    @Test("a dbmate project: lint finds db/migrations and says where everything came from")
    func dbmateProject() throws {
        let project = try Project()
        try project.write("db/migrations/20240101000000_users.sql", """
            -- migrate:up
            CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);

            -- migrate:down
            DROP TABLE users;
            """)
        let result = try project.run("lint", "--verbose")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1 file linted"))
        #expect(result.stderr.contains("strata: migrations db/migrations (found: dbmate's default"))
        #expect(result.stderr.contains("strata: layout dbmate"))
        #expect(result.stderr.contains("strata: dialect postgresql (from the SQL: 1 of 1 files use PostgreSQL-only syntax (bigserial in db/migrations/20240101000000_users.sql))"))
    }

    @Test("a PostgreSQL project is not linted as SQLite for want of a setting")
    func postgresNotSQLite() throws {
        let project = try Project()
        try project.write("prisma/migrations/migration_lock.toml", "provider = \"postgresql\"\n")
        try project.write("prisma/migrations/20240101000000_init/migration.sql", """
            CREATE TABLE "User" ("id" TEXT NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));
            CREATE TABLE "Post" ("id" TEXT NOT NULL, "authorId" TEXT NOT NULL, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));
            CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");
            """)
        try project.write("prisma/migrations/20240102000000_fk/migration.sql", """
            ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
            """)
        let result = try project.run("lint", "--format", "json", "--verbose")
        #expect(!result.stdout.contains("sqlite-alter-unsupported"), "\(result.stdout)")
        #expect(result.stderr.contains("strata: migrations prisma/migrations"))
        #expect(result.stderr.contains("dialect postgresql (from prisma/migrations/migration_lock.toml: provider = \"postgresql\")"))
        // The same files read as SQLite (what Strata did before) give the false finding.
        let asSQLite = try project.run("lint", "--format", "json", "--dialect", "sqlite")
        #expect(asSQLite.stdout.contains("sqlite-alter-unsupported"))
    }

    @Test("a project whose migrations are MySQL is refused with the reason, exit 2")
    func mysqlRefused() throws {
        let project = try Project()
        try project.write("prisma/migrations/migration_lock.toml", "provider = \"mysql\"\n")
        try project.write("prisma/migrations/20240101000000_init/migration.sql", "CREATE TABLE `User` (`id` VARCHAR(191) NOT NULL);\n")
        let result = try project.run("lint")
        #expect(result.status == 2)
        #expect(result.stderr.contains("the migrations are written for mysql (prisma/migrations/migration_lock.toml: provider = \"mysql\")"))
        #expect(try project.run("lint", "--dialect", "postgresql").status != 2)
    }

    @Test("no folder anywhere: the error says where Strata looked and what to do")
    func nothingFound() throws {
        let project = try Project()
        try project.write("README.md", "hello\n")
        let result = try project.run("lint")
        #expect(result.status == 2)
        #expect(result.stderr.contains("no migrations folder found (looked for migrations/, db/migrations/, prisma/migrations/"))
        #expect(result.stderr.contains("strata init"))
    }

    @Test("strata.yaml is read like strata.yml; both in one folder is an error naming them")
    func yamlExtension() throws {
        let project = try Project()
        try project.write("sql/001_a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n")
        try project.write("strata.yaml", "migrations: sql\nlayout: plain\ndialect: sqlite\n")
        let read = try project.run("lint", "--verbose")
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.contains("1 file linted"))
        #expect(read.stderr.contains("dialect sqlite (from strata.yaml)"))
        try project.write("strata.yml", "migrations: sql\n")
        let both = try project.run("lint")
        #expect(both.status == 2)
        #expect(both.stderr.contains("both strata.yml and strata.yaml are here"))
    }

    @Test("strata init writes what it found, the next run reads it, and it never replaces a file")
    func initWritesAndRefuses() throws {
        let project = try Project()
        try project.write("supabase/migrations/20240101000000_init.sql", "CREATE TABLE a (id bigint PRIMARY KEY);\n")
        try project.write("supabase/config.toml", "project_id = \"x\"\n")
        let preview = try project.run("init", "--dry-run")
        #expect(preview.status == 0)
        #expect(!FileManager.default.fileExists(atPath: project.root.appendingPathComponent("strata.yml").path))
        #expect(preview.stdout.contains("migrations: supabase/migrations\n"))
        #expect(preview.stdout.contains("\ndialect: postgresql\n"))
        #expect(preview.stdout.contains("# The SQL dialect (from a Supabase project (supabase/), which is PostgreSQL)."))

        let written = try project.run("init")
        #expect(written.status == 0, "\(written.stderr)")
        let text = try project.read("strata.yml")
        #expect(text == preview.stdout)
        #expect(written.stdout.contains("  migrations: supabase/migrations"))
        // What init wrote is a valid configuration that the next command reads.
        let lint = try project.run("lint", "--verbose")
        #expect(lint.status == 0, "\(lint.stderr)")
        #expect(lint.stderr.contains("dialect postgresql (from strata.yml)"))
        #expect(!lint.stderr.contains("found:"))

        try project.write("strata.yml", "# mine\n")
        let again = try project.run("init")
        #expect(again.status == 1)
        #expect(again.stderr.contains("strata.yml exists already"))
        #expect(try project.read("strata.yml") == "# mine\n")
    }

    @Test("strata init in a git repository writes the base branch; nothing is installed")
    func initBaseBranch() throws {
        let project = try Project()
        try project.write("migrations/0001_a.sql", "-- @name: A\n-- UP MIGRATION\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n-- DOWN MIGRATION\nDROP TABLE a;\n")
        for args in [["init", "-q", "-b", "main"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a"],
                     ["checkout", "-qb", "feature"]] {
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            git.arguments = ["git"] + args
            git.currentDirectoryURL = project.root
            try git.run()
            git.waitUntilExit()
            #expect(git.terminationStatus == 0)
        }
        let result = try project.run("init")
        #expect(result.status == 0, "\(result.stderr)")
        let text = try project.read("strata.yml")
        #expect(text.contains("history:\n  base: main\n"))
        #expect(text.contains("\nlayout: strata\n"))
        #expect(!FileManager.default.fileExists(atPath: project.root.appendingPathComponent(".git/hooks/pre-commit").path))
    }
}

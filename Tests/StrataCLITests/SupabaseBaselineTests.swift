import Foundation
import Testing

/// `strata baseline --from supabase`: a Supabase project's `supabase/migrations` (sqlx's shape)
/// and the CLI's table `supabase_migrations.schema_migrations`.
@Suite("strata baseline: Supabase")
struct SupabaseBaselineTests {
    @Test(arguments: Backend.all) func theCLIsTableIsTakenOver(_ backend: Backend) throws {
        let db = try ApplyProject(backend)
        for (version, table) in [("20240101000000", "users"), ("20240102000000", "posts"), ("20240103000000", "tags")] {
            try db.write("supabase/migrations/\(version)_\(table).sql", "CREATE TABLE \(table) (id BIGINT PRIMARY KEY);\n")
        }
        let baselineArgs = ["baseline", "--from", "supabase"]
        guard backend == .postgres else {
            // Supabase is PostgreSQL: a SQLite database has no such table.
            let refused = try CLI.run(baselineArgs + ["--database", db.url], in: db.project.root)
            #expect(refused.status == 1 && refused.stderr.contains("supabase_migrations.schema_migrations"), "\(refused.stderr)")
            return
        }
        let connection = try db.connect()
        // The table as the Supabase CLI creates it.
        try connection.execute("""
            CREATE SCHEMA IF NOT EXISTS supabase_migrations;
            CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY, statements text[], name text);
            CREATE TABLE users (id BIGINT PRIMARY KEY);
            CREATE TABLE posts (id BIGINT PRIMARY KEY);
            INSERT INTO supabase_migrations.schema_migrations (version, statements, name) VALUES
              ('20240101000000', ARRAY['CREATE TABLE users (id BIGINT PRIMARY KEY)'], 'users'),
              ('20240102000000', ARRAY['CREATE TABLE posts (id BIGINT PRIMARY KEY)'], 'posts');
            """)
        let baseline = try CLI.run(baselineArgs + ["--database", db.url], in: db.project.root)
        #expect(baseline.status == 0, "\(baseline.stdout)\(baseline.stderr)")
        #expect(baseline.stdout.contains("adopt   20240101000000_users") && baseline.stdout.contains("adopt   20240102000000_posts"), "\(baseline.stdout)")
        #expect(baseline.stdout.contains("pending 20240103000000_tags"), "\(baseline.stdout)")
        let up = try CLI.run(["up", "--database", db.url], in: db.project.root)
        #expect(up.status == 0 && up.stdout.contains("applied 1 migration"), "\(up.stdout)\(up.stderr)")
    }
}

import Foundation
import StrataApply
import StrataCore
import Testing

/// `strata verify` for a PostgreSQL role that may not CREATE DATABASE: a scratch schema in the
/// real database, which refuses migrations that would reach past it.
@Suite("Verify in a scratch schema", .enabled(if: TestPostgres.runs, "no PostgreSQL (run through `make test`)"))
struct VerifyScratchSchemaTests {
    /// A login role without CREATEDB that may create schemas in the test database; dropped after `body`.
    func withRestrictedRole(_ body: (DatabaseURL) throws -> Void) throws {
        let admin = try TestPostgres.connect()
        let role = "strata_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let password = UUID().uuidString
        let database = try #require(admin.query("SELECT current_database()").first?.first?.text)
        try admin.execute("CREATE ROLE \(role) LOGIN NOCREATEDB PASSWORD '\(password)'; GRANT CREATE ON DATABASE \(database) TO \(role)")
        defer {
            try? admin.execute("REVOKE CREATE ON DATABASE \(database) FROM \(role)")
            try? admin.execute("DROP OWNED BY \(role); DROP ROLE IF EXISTS \(role)")
        }
        var components = try #require(URLComponents(string: try TestPostgres.requireURL()))
        components.user = String(role)
        components.password = password
        try body(try DatabaseURL(try #require(components.string)))
    }

    /// The scratch schema the last `verify` used (other tests' scratches may exist meanwhile).
    final class LastScratch: @unchecked Sendable { var schema: String? }
    let last = LastScratch()

    func verify(_ inputs: [MigrationInput], _ url: DatabaseURL) throws -> (outcomes: [VerifyOutcome], findings: [VerifyFinding]) {
        let files = MigrationCatalog.parse(inputs, layout: .strata, dialect: .postgresql)
        let scratch = try VerifyScratch.create(for: url)
        defer { scratch.drop() }
        #expect(scratch.kind == .postgresSchema)
        last.schema = scratch.snapshotSchema
        return try Verifier(scratch: scratch, catalog: MigrationCatalog(parsed: files, inputs: inputs), files: files)
            .verify(Set(files.map(\.id)))
    }

    @Test func verifiesInASchemaAndDropsIt() throws {
        try withRestrictedRole { url in
            let forgetful = migration("0002_index", up: "CREATE INDEX idx_users_email ON users (email);", down: "SELECT 1;")
            let result = try verify([VerifyTests.tasks, forgetful], url)
            #expect(result.findings.first?.message == "DOWN leaves index idx_users_email on users that UP created")
            let schema = try #require(last.schema)
            let left = try TestPostgres.connect().query("SELECT count(*) FROM pg_namespace WHERE nspname = $1", [.text(schema)])
            #expect(left.first?.first == .integer(0), "\(schema) is left behind")
        }
    }

    @Test func refusesAMigrationThatNamesARealSchema() throws {
        let admin = try TestPostgres.connect()
        let table = "keep_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8)
        try admin.execute("CREATE TABLE public.\(table) (id INTEGER); INSERT INTO public.\(table) VALUES (1)")
        defer { try? admin.execute("DROP TABLE IF EXISTS public.\(table)") }
        try withRestrictedRole { url in
            try admin.execute("GRANT ALL ON public.\(table) TO \(try #require(URLComponents(string: "\(url.redacted)")?.user))")
            let escaping = migration("0002_escape", up: "CREATE TABLE notes (id INTEGER);",
                                     down: "DROP TABLE IF EXISTS public.\(table);\nDROP TABLE notes;")
            let extensionMigration = migration("0003_extension", up: "CREATE EXTENSION IF NOT EXISTS pgcrypto;", down: "DROP EXTENSION pgcrypto;")
            for inputs in [[VerifyTests.tasks, escaping], [VerifyTests.tasks, extensionMigration]] {
                #expect(throws: ApplyError.self) { _ = try verify(inputs, url) }
            }
            do {
                _ = try verify([VerifyTests.tasks, escaping], url)
            } catch let error as ApplyError {
                #expect(error.message.hasPrefix("migrations/0002_escape.sql:7:1: it names schema public"), "\(error.message)")
            }
        }
        #expect(try admin.query("SELECT count(*) FROM public.\(table)").first?.first == .integer(1), "the real table is untouched")
    }
}

import Foundation
import StrataApply
import Testing

@Suite("PostgreSQL backups and the client programs")
struct BackupToolTests {
    @Test func missingPgDumpIsAClearErrorBeforeAnyConnection() throws {
        let folder = try TemporaryFolder()
        let empty = folder.path("bin")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        // No server listens on port 1: the error must come from the missing program.
        let store = BackupStore(directory: folder.path("backups"), toolSearchPath: empty)
        let error = try #require(throws: ApplyError.self) {
            try store.create(url: DatabaseURL("postgresql://app:s3cret-pw@127.0.0.1:1/app"))
        }
        #expect(error.kind == .backup)
        #expect(error.message.hasPrefix("pg_dump not found in \(empty): PostgreSQL backups need the PostgreSQL client programs"), "\(error.message)")
        #expect(error.message.contains("apt-get install postgresql-client"))
        #expect(!error.message.contains("s3cret-pw"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path("backups")).isEmpty)
    }

    /// A stand-in pg_dump records its arguments and environment, then fails echoing a URL and
    /// a connection parameter with the password: the password must reach it through
    /// PGPASSWORD only, and be redacted from the error where it appears as part of a URL.
    @Test(.enabled(if: TestPostgres.runs))
    func pgDumpGetsThePasswordThroughItsEnvironmentOnly() throws {
        let fixture = try BackupFixture(.postgres)
        let password = try #require(fixture.password)
        let bin = fixture.scratch.folder.path("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let record = fixture.scratch.folder.path("record")
        let script = """
            #!/bin/sh
            printf '%s\\n' "$@" > '\(record).args'
            printf '%s' "$PGPASSWORD" > '\(record).env'
            echo "pg_dump: error: connection to postgresql://postgres:$PGPASSWORD@127.0.0.1/x failed, password=$PGPASSWORD" >&2
            exit 1

            """
        try Data(script.utf8).write(to: URL(fileURLWithPath: bin + "/pg_dump"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/pg_dump")
        let store = BackupStore(directory: fixture.store.directory, toolSearchPath: bin)

        let error = try #require(throws: ApplyError.self) { try store.create(url: fixture.url) }
        #expect(error.kind == .backup)
        #expect(error.message == "pg_dump failed (exit code 1): pg_dump: error: connection to postgresql://postgres:***@127.0.0.1/x failed, password=***")
        let arguments = try String(contentsOfFile: record + ".args", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(!arguments.joined(separator: " ").contains(password))
        #expect(arguments.contains("--format=custom") && arguments.contains("--no-password"))
        #expect(arguments.contains { $0.hasPrefix("--snapshot=") })
        let dbname = try #require(arguments.first { $0.hasPrefix("--dbname=postgresql://postgres@127.0.0.1:") })
        #expect(dbname.hasSuffix("/" + (fixture.scratch.url.split(separator: "/").last.map(String.init) ?? "?")))
        #expect(try String(contentsOfFile: record + ".env", encoding: .utf8) == password)
        // The failed backup left nothing behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory).isEmpty)
    }

    @Test(.enabled(if: TestPostgres.runs))
    func missingRestoreProgramsChangeNothing() throws {
        let fixture = try BackupFixture(.postgres)
        let backup = try fixture.store.create(url: fixture.url)
        try fixture.scratch.connect().execute("DELETE FROM items")
        let empty = fixture.scratch.folder.path("bin")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let store = BackupStore(directory: fixture.store.directory, toolSearchPath: empty)
        let error = try #require(throws: ApplyError.self) { try store.restore(store.locate(backup.fileName), to: fixture.url) }
        #expect(error.kind == .backup && error.message.hasPrefix("pg_restore not found in \(empty)"), "\(error.message)")
        #expect(try fixture.items(fixture.scratch.connect()).isEmpty)
    }

    /// A restore is one transaction: when the dump's SQL fails (here: its tables' owner role
    /// is gone), the schemas dropped before it come back and the database is as it was.
    @Test(.enabled(if: TestPostgres.runs))
    func failingRestoreLeavesTheDatabaseAsItWas() throws {
        let fixture = try BackupFixture(.postgres)
        let role = "strata_owner_" + UUID().uuidString.prefix(8).lowercased()
        let db = try fixture.scratch.connect()
        try db.execute("CREATE ROLE \(role); ALTER TABLE items OWNER TO \(role)")
        let backup = try fixture.store.create(url: fixture.url)
        try db.execute("ALTER TABLE items OWNER TO CURRENT_USER; DROP ROLE \(role); DELETE FROM items WHERE id = 1; CREATE TABLE later (x INT)")

        let error = try #require(throws: ApplyError.self) { try fixture.store.restore(fixture.store.locate(backup.fileName), to: fixture.url) }
        #expect(error.kind == .backup)
        #expect(error.message.hasPrefix("restore failed, the database is unchanged: psql failed"), "\(error.message)")
        #expect(error.message.contains("role \"\(role)\" does not exist"), "\(error.message)")
        let after = try fixture.scratch.connect()
        #expect(try fixture.items(after) == ["2 pear", "3 plum"])
        #expect(try fixture.scratch.tableExists("later", on: after))
    }
}

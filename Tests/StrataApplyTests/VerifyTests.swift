import Foundation
import StrataApply
import StrataCore
import Testing

/// `Verifier` on real SQLite and PostgreSQL scratch databases.
@Suite("Verify")
struct VerifyTests {
    /// Verifies `inputs` (all of them unless `ids`) on a new scratch for `backend`, which is
    /// dropped before returning.
    func verify(_ inputs: [MigrationInput], on backend: Backend, ids: Set<String>? = nil)
        throws -> (outcomes: [VerifyOutcome], findings: [VerifyFinding]) {
        let url = try backend == .sqlite ? DatabaseURL("sqlite::memory:") : DatabaseURL(TestPostgres.requireURL())
        let files = MigrationCatalog.parse(inputs, layout: .strata, dialect: url.dialect)
        let scratch = try VerifyScratch.create(for: url)
        defer { scratch.drop() }
        let verifier = Verifier(scratch: scratch, catalog: MigrationCatalog(parsed: files, inputs: inputs), files: files)
        return try verifier.verify(ids ?? Set(files.map(\.id)))
    }

    static let tasks = migration("0001_tasks", up: """
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, nickname TEXT);
        CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL, owner_id INTEGER REFERENCES users (id));
        """, down: "DROP TABLE tasks;\nDROP TABLE users;")

    @Test("the bundled migrations/ pass", arguments: Backend.all)
    func bundledMigrationsPass(_ backend: Backend) throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let inputs = try names.map { name in
            MigrationInput(id: String(name.dropLast(4)), path: "migrations/\(name)",
                           bytes: Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
        #expect(inputs.count >= 5)
        let result = try verify(inputs, on: backend)
        #expect(result.findings == [], "\(result.findings.map(\.message))")
        #expect(result.outcomes.map(\.status) == Array(repeating: .passed, count: inputs.count))
    }

    @Test("a DOWN that forgets an index is caught, the index named", arguments: Backend.all)
    func downForgetsAnIndex(_ backend: Backend) throws {
        let forgetful = migration("0002_task_titles", up: """
            ALTER TABLE tasks ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX idx_tasks_title ON tasks (title);
            """, down: "ALTER TABLE tasks DROP COLUMN done;")
        let result = try verify([Self.tasks, forgetful], on: backend)
        #expect(result.findings.map(\.rule) == ["down-does-not-reverse-up", "up-not-repeatable"], "\(result.findings.map(\.message))")
        let finding = try #require(result.findings.first)
        #expect(finding.message == "DOWN leaves index idx_tasks_title on tasks that UP created")
        #expect(finding.path == "migrations/0002_task_titles.sql")
        // At the CREATE INDEX: line 3 is the UP marker, 4 the ALTER TABLE.
        #expect(finding.line == 5 && finding.column == 1)
        // The index left behind stops UP from running again.
        #expect(result.findings.last?.message.hasPrefix("UP fails when run again after DOWN: ") == true)
        #expect(result.findings.last?.message.contains("idx_tasks_title") == true)
        #expect(result.outcomes.map(\.status) == [.passed, .failed])
    }

    @Test("a DOWN that does not restore a dropped column is caught", arguments: Backend.all)
    func downDoesNotRestoreAColumn(_ backend: Backend) throws {
        let dropping = migration("0002_drop_nickname", up: "ALTER TABLE users DROP COLUMN nickname;",
                                 down: "ALTER TABLE users ADD COLUMN nick TEXT;")
        let result = try verify([Self.tasks, dropping], on: backend, ids: ["0002_drop_nickname"])
        let messages = result.findings.map(\.message)
        #expect(messages.contains("DOWN does not restore column users.nickname that UP dropped"), "\(messages)")
        #expect(messages.contains("DOWN creates column users.nick, which did not exist before UP"), "\(messages)")
        // UP's DROP COLUMN nickname then fails: the column is not there.
        #expect(result.findings.map(\.rule).sorted() == ["down-does-not-reverse-up", "down-does-not-reverse-up", "up-not-repeatable"])
        #expect(result.outcomes.map(\.id) == ["0002_drop_nickname"], "only the migrations asked for are reported")
    }

    @Test("a column restored with another type or nullability is caught", arguments: Backend.all)
    func downRestoresAColumnDifferently(_ backend: Backend) throws {
        let dropping = migration("0002_drop_email", up: "ALTER TABLE users DROP COLUMN nickname;",
                                 down: "ALTER TABLE users ADD COLUMN nickname INTEGER NOT NULL DEFAULT 0;")
        let result = try verify([Self.tasks, dropping], on: backend)
        let message = try #require(result.findings.first?.message)
        #expect(message.hasPrefix("DOWN leaves column users.nickname as "), "\(message)")
        #expect(message.contains("NOT NULL") && message.contains("(before UP: "), "\(message)")
    }

    @Test("an UP that cannot run again after DOWN is up-not-repeatable", arguments: Backend.all)
    func upNotRepeatable(_ backend: Backend) throws {
        let seed = migration("0002_seed_admin", up: "INSERT INTO users (id, email) VALUES (1, 'admin@example.com');",
                             down: "UPDATE users SET nickname = NULL WHERE id = 1;")
        let result = try verify([Self.tasks, seed], on: backend)
        let finding = try #require(result.findings.first)
        #expect(result.findings.count == 1)
        #expect(finding.rule == "up-not-repeatable")
        #expect(finding.message.hasPrefix("UP fails when run again after DOWN: "))
        #expect(finding.message.lowercased().contains("unique") || finding.message.contains("duplicate key"), "\(finding.message)")
        #expect(!finding.message.hasSuffix("."))
    }

    @Test("a DOWN that fails is reported at its statement, and later migrations are still verified", arguments: Backend.all)
    func downFails(_ backend: Backend) throws {
        let broken = migration("0002_broken_down", up: "CREATE TABLE tags (id INTEGER PRIMARY KEY);",
                               down: "DROP TABLE tags;\nDROP TABLE no_such_table;")
        let next = migration("0003_labels", up: "CREATE TABLE labels (id INTEGER PRIMARY KEY, tag_id INTEGER REFERENCES tags (id));",
                             down: "DROP TABLE labels;")
        let result = try verify([Self.tasks, broken, next], on: backend)
        let finding = try #require(result.findings.first)
        #expect(finding.rule == "down-does-not-reverse-up" && finding.message.hasPrefix("DOWN fails after UP: "))
        #expect(finding.line == 8, "the second DOWN statement")
        #expect(result.outcomes.map(\.status) == [.passed, .failed, .passed], "the scratch is built again for 0003")
    }

    @Test("an UP that fails stops the run: what follows is not verified", arguments: Backend.all)
    func upFails(_ backend: Backend) throws {
        let failing = migration("0002_bad", up: "ALTER TABLE no_such_table ADD COLUMN x INTEGER;", down: "SELECT 1;")
        let next = migration("0003_next", up: "CREATE TABLE t (id INTEGER);", down: "DROP TABLE t;")
        let result = try verify([Self.tasks, failing, next], on: backend, ids: ["0003_next"])
        #expect(result.findings.map(\.rule) == ["up-fails"])
        #expect(result.findings.first?.migration == "0002_bad")
        #expect(result.outcomes.map(\.status) == [.failed, .notVerified])
    }

    @Test("the scratch is gone afterwards, the real database untouched", arguments: Backend.all)
    func scratchIsDropped(_ backend: Backend) throws {
        let url = try backend == .sqlite ? DatabaseURL("sqlite:/nonexistent/app.db") : DatabaseURL(TestPostgres.requireURL())
        let scratch = try VerifyScratch.create(for: url)
        try scratch.database.execute("CREATE TABLE scratch_marker (id INTEGER)")
        let description = scratch.description
        scratch.drop()
        scratch.drop()
        switch backend {
        case .sqlite:
            #expect(description == "a temporary SQLite database")
            #expect(!FileManager.default.fileExists(atPath: "/nonexistent/app.db"))
        case .postgres:
            let name = try #require(description.split(separator: " ").dropFirst(2).first.map(String.init))
            #expect(name.hasPrefix("strata_verify_"))
            #expect(!description.contains(try #require(URLComponents(string: try TestPostgres.requireURL())?.password)))
            let left = try TestPostgres.connect().query("SELECT count(*) FROM pg_database WHERE datname = $1", [.text(name)])
            #expect(left.first?.first == .integer(0))
        }
    }
}

@Suite("Schema snapshot")
struct SchemaSnapshotTests {
    @Test("names each difference: column, index, constraint, table", arguments: Backend.all)
    func namesEachDifference(_ backend: Backend) throws {
        let url = try backend == .sqlite ? DatabaseURL("sqlite::memory:") : DatabaseURL(TestPostgres.requireURL())
        let scratch = try VerifyScratch.create(for: url)
        defer { scratch.drop() }
        let db = scratch.database
        try db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
        try db.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id))")
        let before = try SchemaSnapshot.take(of: db, schema: scratch.snapshotSchema)
        try db.execute("CREATE UNIQUE INDEX idx_users_email ON users (email)")
        try db.execute("CREATE TABLE tags (id INTEGER)")
        try db.execute("DROP TABLE posts")
        try db.execute("ALTER TABLE users ADD COLUMN age INTEGER")
        let after = try SchemaSnapshot.take(of: db, schema: scratch.snapshotSchema)
        let changes = after.changes(from: before).map(\.description)
        #expect(changes == ["table posts: removed", "table tags: added", "column users.age: added", "index idx_users_email on users: added"],
                "\(changes)")
        #expect(try SchemaSnapshot.take(of: db, schema: scratch.snapshotSchema) == after, "reading twice gives the same snapshot")
    }
}

import Foundation
import StrataApply
import StrataCore
import Testing

@Suite("Backups against real databases")
struct BackupTests {
    @Test(arguments: Backend.all)
    func restoreBringsChangedDataBack(_ backend: Backend) throws {
        let fixture = try BackupFixture(backend)
        let backup = try fixture.store.create(url: fixture.url)
        #expect(backup.manifest.appliedMigrations == ["0001_items", "0002_tags"])

        // After the backup: rows deleted and changed, a table and a migration added.
        let db = try fixture.scratch.connect()
        try db.execute("DELETE FROM items WHERE id = 1; UPDATE items SET name = 'changed' WHERE id = 2; CREATE TABLE later (x INT)")
        let applier = try fixture.scratch.applier(BackupFixture.migrations + [migration("0003_more", up: "CREATE TABLE more (x INT);")])
        _ = try applier.up(try #require(try applier.plan().success))

        let report = try fixture.store.restore(try fixture.store.locate(backup.fileName), to: fixture.url)
        #expect(report.appliedMigrations == ["0001_items", "0002_tags"])
        let after = try fixture.scratch.connect()
        #expect(try fixture.items(after) == ["1 apple", "2 pear", "3 plum"])
        #expect(try !fixture.scratch.tableExists("later", on: after))
        #expect(try !fixture.scratch.tableExists("more", on: after))
        #expect(try fixture.scratch.rows(on: after) == [["0001_items", "applied"], ["0002_tags", "applied"]])
    }

    @Test(arguments: Backend.all)
    func manifestDescribesTheFile(_ backend: Backend) throws {
        let fixture = try BackupFixture(backend)
        let backup = try fixture.store.create(url: fixture.url)
        let manifest = backup.manifest
        let pattern = #/backup_[A-Za-z0-9_-]+_\d{8}T\d{6}Z\.(sqlite|dump)/#
        #expect(backup.fileName.wholeMatch(of: pattern) != nil, "\(backup.fileName)")
        #expect(backup.path == fixture.store.directory + "/" + backup.fileName)
        #expect(backup.manifestPath == backup.path + ".manifest.json")
        #expect(manifest.file == backup.fileName)
        #expect(manifest.databaseKind == (backend == .sqlite ? "sqlite" : "postgresql"))
        #expect(manifest.databaseName == (backend == .sqlite ? "app" : fixture.scratch.url.split(separator: "/").last.map(String.init)))
        #expect(manifest.method == (backend == .sqlite ? "sqlite3 online backup" : "pg_dump --format=custom"))
        #expect(manifest.appliedMigrations == ["0001_items", "0002_tags"])
        #expect(manifest.createdAt.hasSuffix("Z") && manifest.createdBy.contains("@"))
        let attributes = try FileManager.default.attributesOfItem(atPath: backup.path)
        #expect((attributes[.size] as? NSNumber)?.int64Value == manifest.size)
        #expect(try sha256sum(backup.path) == manifest.sha256)

        // The sidecar on disk is the manifest returned, as snake_case JSON.
        let json = try String(contentsOfFile: backup.manifestPath, encoding: .utf8)
        for key in ["database_kind", "database_url", "applied_migrations", "size", "sha256", "created_at"] {
            #expect(json.contains("\"\(key)\""), "\(key) missing from \(json)")
        }
        #expect(json.contains("\"database_url\" : \"\(fixture.url.redacted)\""))
        if let password = fixture.password {
            #expect(!json.contains(password))
            #expect(fixture.url.redacted.contains(":***@"))
        }
    }

    @Test(arguments: Backend.all)
    func filesAreReadableByTheirOwnerOnly(_ backend: Backend) throws {
        let fixture = try BackupFixture(backend)
        let backup = try fixture.store.create(url: fixture.url)
        #expect(try permissions(backup.path) == 0o600)
        #expect(try permissions(backup.manifestPath) == 0o600)
        #expect(try permissions(fixture.store.directory) == 0o700)
        // Nothing else is left in the folder (no partial file, no -wal or -journal).
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.store.directory).sorted()
        #expect(names == [backup.fileName, backup.fileName + ".manifest.json"])
    }

    @Test(arguments: Backend.all)
    func corruptedBackupIsRefusedAndNothingRestored(_ backend: Backend) throws {
        let fixture = try BackupFixture(backend)
        let backup = try fixture.store.create(url: fixture.url)
        try fixture.scratch.connect().execute("DELETE FROM items WHERE id = 3")
        // One byte changed in the middle of the file.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: backup.path))
        bytes[bytes.count / 2] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: backup.path))

        let error = try #require(throws: ApplyError.self) {
            try fixture.store.restore(try fixture.store.locate(backup.fileName), to: fixture.url)
        }
        #expect(error.kind == .refused)
        #expect(error.message.contains("is corrupted or was changed") && error.message.contains(backup.fileName), "\(error.message)")
        #expect(try fixture.items(fixture.scratch.connect()) == ["1 apple", "2 pear"])
    }

    @Test(arguments: Backend.all)
    func manifestNotMatchingTheRestoredTableIsAnError(_ backend: Backend) throws {
        let fixture = try BackupFixture(backend)
        let backup = try fixture.store.create(url: fixture.url)
        // The file intact, its manifest claiming a migration the copy does not hold.
        var manifest = backup.manifest
        manifest.appliedMigrations.append("0009_phantom")
        try JSONEncoder().encode(manifest).write(to: URL(fileURLWithPath: backup.manifestPath))

        let error = try #require(throws: ApplyError.self) {
            try fixture.store.restore(try fixture.store.locate(backup.fileName), to: fixture.url)
        }
        #expect(error.kind == .backup)
        #expect(error.message.contains("__migrations__ does not match its manifest: missing 0009_phantom"), "\(error.message)")
    }

    @Test func backupOfAnotherKindIsRefused() throws {
        let fixture = try BackupFixture(.sqlite)
        let backup = try fixture.store.create(url: fixture.url)
        let postgres = try DatabaseURL("postgresql://app:secret@127.0.0.1:1/app")
        let error = try #require(throws: ApplyError.self) { try fixture.store.restore(backup, to: postgres) }
        #expect(error.kind == .refused)
        #expect(error.message == "\(backup.fileName) is a sqlite backup; postgresql://app:***@127.0.0.1:1/app is a postgresql database")
    }

    @Test func listShowsNewestFirstAndWhatCannotBeRestored() throws {
        let fixture = try BackupFixture(.sqlite)
        #expect(try fixture.store.list().backups.isEmpty)
        let first = try fixture.store.create(url: fixture.url)
        try fixture.scratch.connect().execute("INSERT INTO items VALUES (4, 'fig')")
        let second = try fixture.store.create(url: fixture.url)
        // Two in the same second get different names.
        #expect(first.fileName != second.fileName)
        let folder = URL(fileURLWithPath: fixture.store.directory)
        try Data("not a backup".utf8).write(to: folder.appendingPathComponent("backup_stray_20240101T000000Z.sqlite"))
        try Data("{}".utf8).write(to: folder.appendingPathComponent("backup_gone_20240101T000000Z.dump.manifest.json"))
        try Data("ignored".utf8).write(to: folder.appendingPathComponent("notes.txt"))

        let list = try fixture.store.list()
        #expect(list.backups.map(\.fileName) == [second.fileName, first.fileName])
        #expect(list.unusable.map { ($0.path as NSString).lastPathComponent }
                == ["backup_gone_20240101T000000Z.dump.manifest.json", "backup_stray_20240101T000000Z.sqlite"])
        #expect(list.unusable.map(\.reason) == ["its backup file backup_gone_20240101T000000Z.dump is missing",
                                                "\(folder.path)/backup_stray_20240101T000000Z.sqlite has no manifest (backup_stray_20240101T000000Z.sqlite.manifest.json), so it cannot be verified"])
    }

    @Test func fileOutsideTheFolderNeedsToBeAllowed() throws {
        let fixture = try BackupFixture(.sqlite)
        let backup = try fixture.store.create(url: fixture.url)
        let elsewhere = try TemporaryFolder()
        let outside = elsewhere.path(backup.fileName)
        try FileManager.default.copyItem(atPath: backup.path, toPath: outside)
        try FileManager.default.copyItem(atPath: backup.manifestPath, toPath: outside + ".manifest.json")

        let error = try #require(throws: ApplyError.self) { try fixture.store.locate(outside) }
        #expect(error.kind == .refused && error.message == "\(outside) is outside the backups folder \(fixture.store.directory)")
        #expect(try fixture.store.locate(outside, allowOutside: true).path == outside)
        // A bare name is the one in the folder; a path into the folder is inside it.
        #expect(try fixture.store.locate(backup.fileName).path == backup.path)
        #expect(try fixture.store.locate(backup.path).path == backup.path)
        // A link in the folder to a file elsewhere is outside.
        let link = fixture.store.directory + "/backup_link_20240101T000000Z.sqlite"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside)
        try FileManager.default.copyItem(atPath: backup.manifestPath, toPath: link + ".manifest.json")
        #expect(throws: ApplyError.self) { try fixture.store.locate(link) }
        // Missing file, missing manifest.
        #expect(try #require(throws: ApplyError.self) { try fixture.store.locate("backup_none.sqlite") }.kind == .backup)
        try FileManager.default.removeItem(atPath: outside + ".manifest.json")
        let unverifiable = try #require(throws: ApplyError.self) { try fixture.store.locate(outside, allowOutside: true) }
        #expect(unverifiable.kind == .refused && unverifiable.message.contains("has no manifest"))
    }
}

/// A database with two applied migrations and three items, and a backups folder of its own.
struct BackupFixture {
    static let migrations = [
        migration("0001_items", up: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"),
        migration("0002_tags", up: "CREATE TABLE tags (item_id INTEGER NOT NULL, tag TEXT NOT NULL);"),
    ]

    let scratch: ScratchDatabase
    let url: DatabaseURL
    let store: BackupStore
    /// The URL's password (PostgreSQL), which must never be written anywhere.
    let password: String?

    init(_ backend: Backend) throws {
        scratch = try ScratchDatabase(backend)
        url = try DatabaseURL(scratch.url)
        store = BackupStore(directory: scratch.folder.path("backups"))
        password = URLComponents(string: scratch.url)?.password
        let applier = try scratch.applier(Self.migrations)
        _ = try applier.up(try #require(try applier.plan().success))
        try applier.database.execute("INSERT INTO items VALUES (1, 'apple'); INSERT INTO items VALUES (2, 'pear'); INSERT INTO items VALUES (3, 'plum')")
    }

    /// `id name` of every item, by id.
    func items(_ db: any Database) throws -> [String] {
        try db.query("SELECT id, name FROM items ORDER BY id").map { "\($0[0].integer ?? -1) \($0[1].text ?? "?")" }
    }
}

/// SHA-256 of a file by coreutils, a second opinion on Strata's own.
func sha256sum(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: output, as: UTF8.self).prefix(64))
}

func permissions(_ path: String) throws -> Int {
    try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue & 0o777
}

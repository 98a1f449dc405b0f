import Foundation
import StrataApply
import Testing

@Suite("strata backup")
struct BackupCommandTests {
    /// backup → change data → restore → data back, with the flag forms; no output, error or
    /// manifest shows the URL's password (the PostgreSQL test server's URL has one).
    @Test(arguments: Backend.all)
    func createChangeRestoreWithTheFlags(_ backend: Backend) throws {
        let p = try BackupProject(backend)
        let created = try p.run("backup", "--create")
        #expect(created.status == 0, "\(created.stderr)")
        let lines = created.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(created.stdout)")
        #expect(lines[0] == "database: \(try DatabaseURL(p.apply.url).redacted)")
        let name = try #require(lines[1].firstMatch(of: #/^created backups/(backup_\w+_\d{8}T\d{6}Z\.(sqlite|dump)) \(.+, 1 applied migration, 0001_notes\)$/#)?.1)
        #expect(lines[2].wholeMatch(of: #/sha256 [0-9a-f]{64}/#) != nil)

        try p.apply.connect().execute("DELETE FROM notes WHERE id = 1; UPDATE notes SET body = 'changed' WHERE id = 2; CREATE TABLE later (x INT)")
        let listed = try p.run("backup", "--list")
        #expect(listed.status == 0)
        #expect(listed.stdout.hasPrefix("1 backup in backups, newest first:\n\(name)  "), "\(listed.stdout)")
        #expect(listed.stdout.contains(backend == .sqlite ? "  sqlite  " : "  postgresql  "))

        let restored = try p.run("backup", "--restore", String(name))
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("verified backups/\(name): its SHA-256 matches the manifest\n"), "\(restored.stdout)")
        #expect(restored.stdout.contains("; __migrations__ matches the manifest: 1 applied migration, 0001_notes\n"))
        #expect(try p.notes() == ["1 first", "2 second"])
        #expect(try !p.apply.tableExists("later"))

        let manifest = try p.apply.project.read("backups/\(name).manifest.json")
        if let password = p.password {
            for text in [created.stdout, created.stderr, listed.stdout, restored.stdout, restored.stderr, manifest] {
                #expect(!text.contains(password))
            }
            #expect(manifest.contains(":***@"))
        }
    }

    @Test(arguments: Backend.all)
    func subcommandsDoTheSame(_ backend: Backend) throws {
        let p = try BackupProject(backend)
        #expect(try p.run("backup", "create").status == 0)
        try p.apply.connect().execute("DELETE FROM notes")
        let list = try p.run("backup", "list")
        let name = try #require(list.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        let restored = try p.run("backup", "restore", name)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try p.notes() == ["1 first", "2 second"])
    }

    @Test(arguments: Backend.all)
    func corruptedBackupExitsOneAndRestoresNothing(_ backend: Backend) throws {
        let p = try BackupProject(backend)
        #expect(try p.run("backup", "create").status == 0)
        let name = try p.backupNames()[0]
        let url = p.apply.project.root.appendingPathComponent("backups/\(name)")
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 10] ^= 0xFF
        try bytes.write(to: url)
        try p.apply.connect().execute("DELETE FROM notes WHERE id = 2")

        let refused = try p.run("backup", "restore", name)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("strata: restore refused, nothing restored: backups/\(name) is corrupted or was changed: its SHA-256 is "), "\(refused.stderr)")
        #expect(!refused.stderr.contains("Fatal") && refused.stderr.split(separator: "\n").count == 1)
        #expect(try p.notes() == ["1 first"])
    }

    @Test func fileOutsideTheFolderNeedsYes() throws {
        let p = try BackupProject(.sqlite)
        #expect(try p.run("backup", "create").status == 0)
        let name = try p.backupNames()[0]
        let root = p.apply.project.root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
        for file in [name, name + ".manifest.json"] {
            try FileManager.default.moveItem(at: root.appendingPathComponent("backups/\(file)"), to: root.appendingPathComponent("elsewhere/\(file)"))
        }
        try p.apply.connect().execute("DELETE FROM notes")

        let refused = try p.run("backup", "--restore", "elsewhere/\(name)")
        #expect(refused.status == 1)
        #expect(refused.stderr == "strata: restore refused, nothing restored: elsewhere/\(name) is outside the backups folder \(root.path)/backups; pass --yes to restore it anyway\n",
                "\(refused.stderr)")
        #expect(try p.notes().isEmpty)
        // A bare name is looked up in the folder only.
        #expect(try p.run("backup", "restore", name).status == 2)
        let allowed = try p.run("backup", "--restore", "elsewhere/\(name)", "--yes")
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try p.notes() == ["1 first", "2 second"])
    }

    @Test func configuredFolderAndDirOption() throws {
        let p = try BackupProject(.sqlite)
        try p.apply.write("strata.yml", "backups:\n  directory: var/saved\n")
        #expect(try p.run("backup", "create").status == 0)
        let saved = try FileManager.default.contentsOfDirectory(atPath: p.apply.project.root.appendingPathComponent("var/saved").path)
        #expect(saved.count == 2 && saved.contains { $0.hasSuffix(".manifest.json") })
        #expect(try p.run("backup", "list").stdout.hasPrefix("1 backup in var/saved, newest first:\n"))
        // From a sub-folder the configured folder is still the one beside strata.yml.
        let sub = p.apply.project.root.appendingPathComponent("migrations")
        let fromSub = try CLI.run(["backup", "list", "--database", p.apply.url], in: sub)
        #expect(fromSub.stdout.hasPrefix("1 backup in ../var/saved, newest first:\n"), "\(fromSub.stdout)")
        #expect(try p.run("backup", "--list", "--dir", "other").stdout == "no backups in other\n")

        try p.apply.write("strata.yml", "backups:\n  folder: var/saved\n")
        let bad = try p.run("backup", "list")
        #expect(bad.status == 2)
        #expect(bad.stderr.hasSuffix("strata.yml:2:3: unknown key 'backups.folder'; known keys: backups.directory\n"), "\(bad.stderr)")
    }

    /// PATH emptied: no pg_dump to find. A clear error, exit 2, nothing written, no password.
    @Test func missingPgDumpIsAClearError() throws {
        let project = try Project()
        try FileManager.default.createDirectory(at: project.root.appendingPathComponent("empty-bin"), withIntermediateDirectories: true)
        let outcome = try CLI.run(["backup", "--create", "--database", "postgresql://app:pa55-word@127.0.0.1:1/app"], in: project.root,
                                  environment: ["PATH": project.root.appendingPathComponent("empty-bin").path])
        #expect(outcome.status == 2)
        #expect(outcome.stdout == "database: postgresql://app:***@127.0.0.1:1/app\n")
        #expect(outcome.stderr.hasPrefix("strata: error: pg_dump not found on PATH: PostgreSQL backups need the PostgreSQL client programs"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("pa55-word") && !outcome.stdout.contains("pa55-word"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.root.appendingPathComponent("backups").path).isEmpty)
    }

    @Test(arguments: [["backup"], ["backup", "--create", "--list"], ["backup", "--list", "--yes"], ["backup", "restore"]])
    func usageErrors(_ args: [String]) throws {
        let outcome = try CLI.run(args, in: FileManager.default.temporaryDirectory)
        #expect(outcome.status == 64, "\(args): \(outcome.stderr)")
    }
}

/// A project with one applied migration (a `notes` table with two rows) on a database of its own.
struct BackupProject {
    let apply: ApplyProject
    /// The URL's password, when it has one (the PostgreSQL test server's).
    let password: String?

    init(_ backend: Backend) throws {
        apply = try ApplyProject(backend)
        password = URLComponents(string: apply.url)?.password
        try apply.write("migrations/0001_notes.sql", Fixtures.migration(
            up: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);", down: "DROP TABLE notes;"))
        let up = try apply.run("up")
        try #require(up.status == 0, "\(up.stderr)")
        try apply.connect().execute("INSERT INTO notes VALUES (1, 'first'); INSERT INTO notes VALUES (2, 'second')")
    }

    func run(_ args: String...) throws -> CLI.Outcome {
        try CLI.run(args + ["--database", apply.url], in: apply.project.root)
    }

    func notes() throws -> [String] {
        try apply.column("SELECT id || ' ' || body FROM notes ORDER BY id")
    }

    /// The backup files in ./backups, by name.
    func backupNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: apply.project.root.appendingPathComponent("backups").path)
            .filter { !$0.hasSuffix(".manifest.json") }.sorted()
    }
}

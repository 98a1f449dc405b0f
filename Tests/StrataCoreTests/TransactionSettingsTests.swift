import Foundation
import StrataCore
import StrataSyntax
import Testing

/// diesel's `metadata.toml` and Flyway's `.sql.conf` read as their tools read them, found
/// beside the migrations on disk, and turned into the migration's transaction setting.
@Suite("Settings files beside migrations")
struct TransactionSettingsTests {
    static func diesel(_ text: String) throws(InputError) -> TransactionSetting? {
        try MigrationInput.SettingsFile(format: .dieselMetadata, path: "m/2024-01-01-000000_x/metadata.toml", bytes: Array(text.utf8)).transactionSetting()
    }

    static func flyway(_ text: String) throws(InputError) -> TransactionSetting? {
        try MigrationInput.SettingsFile(format: .flywayScriptConfig, path: "m/V2__x.sql.conf", bytes: Array(text.utf8)).transactionSetting()
    }

    static func failure(_ read: () throws(InputError) -> TransactionSetting?) -> InputError? {
        do throws(InputError) {
            _ = try read()
            return nil
        } catch {
            return error
        }
    }

    @Test func dieselMetadata() throws {
        let plain = try #require(try Self.diesel("run_in_transaction = false\n"))
        #expect(plain.runsInTransaction == false && plain.line == 1 && plain.declaration == "run_in_transaction = false in metadata.toml")
        #expect(try Self.diesel("run_in_transaction = true")?.runsInTransaction == true)
        // Comments, blanks, CRLF, a byte order mark, a trailing comment, other keys and tables.
        let busy = "\u{FEFF}# diesel reads this\r\n\r\n  owner = \"db team\"  # who\r\nrun_in_transaction=false # CONCURRENTLY below\r\n"
            + "tags = [\n  \"a\",\n  \"b = c\",\n]\nnote = '''\nrun_in_transaction = true\n'''\n[extra]\nrun_in_transaction = true\n"
        let read = try #require(try Self.diesel(busy))
        #expect(read.runsInTransaction == false && read.line == 4)
        #expect(try Self.diesel("\"run_in_transaction\" = false")?.runsInTransaction == false)
        // A file diesel can read without the key: diesel's field default, false.
        for text in ["", "# only a comment\n", "owner = \"x\"\n", "[extra]\nrun_in_transaction = true\n"] {
            let missing = try #require(try Self.diesel(text), "\(text)")
            #expect(missing.runsInTransaction == false && missing.line == nil, "\(text)")
            #expect(missing.declaration == "metadata.toml without run_in_transaction, which diesel reads as false")
        }
    }

    @Test func malformedDieselMetadataNamesTheLine() {
        let cases: [(String, Int, Int, String)] = [
            ("run_in_transaction = \"false\"\n", 1, 22, "`run_in_transaction` must be true or false (a TOML boolean: lower case, no quotes), not `\"false\"`"),
            ("# x\nrun_in_transaction = False\n", 2, 22, "not `False`"),
            ("run_in_transaction =\n", 1, 21, "`run_in_transaction` has no value"),
            ("run_in_transaction = false\nrun_in_transaction = false\n", 2, 1, "`run_in_transaction` is given twice (first on line 1)"),
            ("\n  run_in_transaction false\n", 2, 3, "not a TOML `key = value` line: `run_in_transaction false`"),
            ("[extra\n", 1, 1, "not a TOML table header"),
        ]
        for (text, line, column, message) in cases {
            let error = Self.failure { () throws(InputError) in try Self.diesel(text) }
            #expect(error?.path == "m/2024-01-01-000000_x/metadata.toml" && error?.line == line && error?.column == column, "\(text): \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(text): \(String(describing: error))")
            #expect(error?.message.hasSuffix("diesel cannot read this file, ignores it, and runs the migration in a transaction") == true)
            #expect(error?.errorDescription?.hasPrefix("m/2024-01-01-000000_x/metadata.toml:\(line):\(column): ") == true)
        }
        let binary = MigrationInput.SettingsFile(format: .dieselMetadata, path: "m/x/metadata.toml", bytes: [0x72, 0xFF, 0x0A])
        #expect(Self.failure { () throws(InputError) in try binary.transactionSetting() }?.message.contains("is not UTF-8 text") == true)
    }

    @Test func flywayScriptConfig() throws {
        for text in ["executeInTransaction=false", "executeInTransaction = false", "executeInTransaction: false",
                     "executeInTransaction false", "# why\n! also a comment\n\n   executeInTransaction=false  \r\n",
                     "executeInTransaction=true\nexecuteInTransaction=false\n", "executeInTransaction=\\\n    false\n"] {
            let read = try #require(try Self.flyway(text), "\(text)")
            #expect(read.runsInTransaction == false, "\(text)")
            #expect(read.declaration == "executeInTransaction=false in V2__x.sql.conf")
        }
        #expect(try Self.flyway("encoding=UTF-8\nexecuteInTransaction=true\n")?.runsInTransaction == true)
        #expect(try Self.flyway("encoding=UTF-8\nexecuteInTransaction=true\n")?.line == 2)
        // Nothing said: Flyway's own default, not a setting.
        #expect(try Self.flyway("") == nil)
        #expect(try Self.flyway("encoding=UTF-8\n# executeInTransaction=false\n") == nil)
        let error = Self.failure { () throws(InputError) in try Self.flyway("encoding=UTF-8\nexecuteInTransaction = False\n") }
        #expect(error?.line == 2 && error?.column == 24 && error?.message == "`executeInTransaction` must be true or false, not `False`: Flyway refuses any other value",
                "\(String(describing: error))")
        // Properties have no comment after a value: Flyway reads `false # x` as the value, and refuses it.
        let comment = Self.failure { () throws(InputError) in try Self.flyway("executeInTransaction=false # CONCURRENTLY\n") }
        #expect(comment?.message == "`executeInTransaction` must be true or false, not `false # CONCURRENTLY`: Flyway refuses any other value")
    }

    /// A folder on disk: the settings files are found in the same walk, read into the input
    /// (never into its content, which the checksum covers) and parsed into the migration.
    @Test func discoveryAttachesSettingsFiles() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-settings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        func write(_ path: String, _ text: String) throws {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try write("diesel/2024-01-01-000000_a/up.sql", "CREATE INDEX CONCURRENTLY i ON t (c);\n")
        try write("diesel/2024-01-01-000000_a/down.sql", "DROP INDEX CONCURRENTLY i;\n")
        try write("diesel/2024-01-02-000000_b/up.sql", "SELECT 1;\n")
        try write("diesel/2024-01-01-000000_a/metadata.toml", "run_in_transaction = false\n")
        try write("flyway/V1__a.sql", "SELECT 1;\n")
        try write("flyway/U1__a.sql", "SELECT 2;\n")
        try write("flyway/U1__a.sql.conf", "executeInTransaction=false\n")
        try write("flyway/V2__b.sql", "SELECT 3;\n")
        try write("flyway/V2__b.sql.conf", "executeInTransaction=false\n")

        let dieselFolder = root.appendingPathComponent("diesel").path + "/"
        let diesel = try FileDiscovery.discover([dieselFolder], layout: DieselLayout())
        #expect(diesel.map { $0.settings?.path } == [dieselFolder + "2024-01-01-000000_a/metadata.toml", nil])
        let input = try FileDiscovery.input(diesel[0])
        #expect(input.settings?.path == dieselFolder + "2024-01-01-000000_a/metadata.toml")
        #expect(input.content == Array("CREATE INDEX CONCURRENTLY i ON t (c);\n\nDROP INDEX CONCURRENTLY i;\n".utf8))
        let file = DieselLayout().parse(input, dialect: .postgresql, depth: .full)
        #expect(file.transactionDeclared == false && file.downTransactionDeclared == false)
        #expect(file.nonTransactionalReason == "run_in_transaction = false in metadata.toml")
        #expect(DieselLayout().parse(try FileDiscovery.input(diesel[1]), dialect: .postgresql, depth: .full).transactionDeclared == nil)

        // Named alone: the file beside it is looked for on disk.
        let named = try FileDiscovery.discover([dieselFolder + "2024-01-01-000000_a/up.sql"], layout: DieselLayout())
        #expect(named.first?.settings?.path == dieselFolder + "2024-01-01-000000_a/metadata.toml")

        // Flyway: V2's own file for UP; U1's own for V1's DOWN, V1 itself saying nothing.
        let flywayFolder = root.appendingPathComponent("flyway").path + "/"
        let flyway = try FileDiscovery.discover([flywayFolder], layout: FlywayLayout())
        #expect(flyway.map(\.id) == ["V1__a", "V2__b"])
        #expect(flyway[0].settings == nil && flyway[0].down?.settings?.path == flywayFolder + "U1__a.sql.conf")
        #expect(flyway[1].settings?.path == flywayFolder + "V2__b.sql.conf")
        let first = FlywayLayout().parse(try FileDiscovery.input(flyway[0]), dialect: .postgresql, depth: .full)
        #expect(first.transactionDeclared == nil && first.downTransactionDeclared == false)
        #expect(first.downNoTransactionDeclaration == "executeInTransaction=false in U1__a.sql.conf")
        let second = FlywayLayout().parse(try FileDiscovery.input(flyway[1]), dialect: .postgresql, depth: .full)
        #expect(second.transactionDeclared == false && second.downTransactionDeclared == nil)

        // A malformed file stops the read, naming it.
        try write("flyway/V2__b.sql.conf", "executeInTransaction=maybe\n")
        let error = Self.failure { () throws(InputError) in
            _ = try FileDiscovery.input(try FileDiscovery.discover([flywayFolder], layout: FlywayLayout())[1])
            return nil
        }
        #expect(error?.errorDescription == flywayFolder + "V2__b.sql.conf:1:22: `executeInTransaction` must be true or false, not `maybe`: Flyway refuses any other value")
        // A settings file that is not a regular file is refused as a migration file would be.
        try FileManager.default.removeItem(at: root.appendingPathComponent("flyway/V2__b.sql.conf"))
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("flyway/V2__b.sql.conf").path, withDestinationPath: "/nowhere")
        let dangling = Self.failure { () throws(InputError) in
            _ = try FileDiscovery.input(try FileDiscovery.discover([flywayFolder], layout: FlywayLayout())[1])
            return nil
        }
        #expect(dangling?.message.contains("symbolic link to a file that does not exist") == true, "\(String(describing: dangling))")
        // A FIFO in its place is refused, never waited on.
        try FileManager.default.removeItem(at: root.appendingPathComponent("flyway/V2__b.sql.conf"))
        #expect(mkfifo(root.appendingPathComponent("flyway/V2__b.sql.conf").path, 0o644) == 0)
        let fifo = Self.failure { () throws(InputError) in
            _ = try FileDiscovery.input(try FileDiscovery.discover([flywayFolder], layout: FlywayLayout())[1])
            return nil
        }
        #expect(fifo?.errorDescription == flywayFolder + "V2__b.sql.conf: is a FIFO (named pipe), not a regular file; strata reads only regular files: remove it or rename it",
                "\(String(describing: fifo))")
    }

    /// What Strata writes (`strata new`, `optimize --write-migration`) is what it reads back.
    @Test(arguments: [LayoutKind.diesel, .flyway])
    func writtenFileReadsBack(_ layout: LayoutKind) throws {
        let written = try LayoutTemplate.files(layout: layout, slug: "index", up: "CREATE INDEX CONCURRENTLY i ON t (c);", down: "DROP INDEX i;",
                                               transactional: false, existing: [], now: Date(timeIntervalSince1970: 1_704_067_200))
        let found = try #require(layout.settingsPath(besideUpFile: written[0].path))
        let settings = try #require(written.first { $0.path == found.path })
        let input = MigrationInput(id: layout.layout.id(forRelativePath: written[0].path), path: written[0].path, bytes: Array(written[0].text.utf8),
                                   down: .init(path: written[1].path, bytes: Array(written[1].text.utf8)),
                                   settings: .init(format: found.format, path: settings.path, bytes: Array(settings.text.utf8)))
        let file = layout.layout.parse(input, dialect: .postgresql, depth: .full)
        #expect(file.transactionDeclared == false)
        #expect(file.nonTransactionalReason == (layout == .diesel ? "run_in_transaction = false in metadata.toml" : "executeInTransaction=false in V1__index.sql.conf"))
    }
}

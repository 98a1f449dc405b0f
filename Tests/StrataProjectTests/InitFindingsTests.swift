import Foundation
import StrataCore
import StrataProject
import Testing

/// `InitFindings`, what `strata init` writes down: found in a real folder and a real git
/// repository, each value with where it came from, and a file Strata reads back the same.
@Suite("strata init's findings")
struct InitFindingsTests {
    @Test func whatIsFoundIsWrittenWithItsSourceAndReadsBack() throws {
        let repository = try TempRepository(branch: "main")
        try repository.write("db/migrations/20240101000000_users.sql", "-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n")
        try repository.write("go.mod", "module example.com/app\n\nrequire github.com/jackc/pgx/v5 v5.5.0\n")
        try repository.git("add", ".")
        try repository.git("commit", "-q", "-m", "first")
        let found = InitFindings.find(in: repository.path, environment: [:])
        #expect(found.folder?.value == "db/migrations")
        #expect(found.layout == .dbmate)
        #expect(found.dialect == .postgresql && found.dialectReason == "go.mod depends on github.com/jackc/pgx")
        #expect(found.base == "main")
        let text = found.configurationText
        #expect(text.contains("\nmigrations: db/migrations\n"), "\(text)")
        #expect(text.contains("\nlayout: dbmate\n") && text.contains("\ndialect: postgresql\n"))
        #expect(text.contains("history:\n  base: main\n"))
        // The file reads back as the values found.
        try repository.write("strata.yml", text)
        let configuration = try Configuration.load(explicitPath: nil, workingDirectory: repository.path, knownRules: [])
        #expect(configuration.migrationsDirectory == repository.path + "/db/migrations")
        #expect(configuration.layout == .dbmate && configuration.dialect == .postgresql && configuration.historyBase == "main")
    }

    /// Nothing found: every key commented out, with what Strata does instead.
    @Test func anEmptyFolderGivesAFileOfComments() throws {
        let repository = try TempRepository(branch: nil)
        let found = InitFindings.find(in: repository.path, environment: [:])
        #expect(found.folder == nil && found.layout == nil && found.dialect == nil && found.base == nil)
        let keys = found.configurationText.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(keys.isEmpty, "\(keys)")
    }
}

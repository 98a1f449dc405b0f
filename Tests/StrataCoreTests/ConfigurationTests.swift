import Foundation
import StrataCore
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    let known: Set<String> = ["missing-down", "unindexed-column"]

    func parse(_ yaml: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(yaml, path: "/repo/strata.yml", knownRules: known)
    }

    func failure(_ yaml: String) -> ConfigurationError? {
        do { _ = try parse(yaml); return nil } catch { return error }
    }

    @Test func readsEveryKey() throws {
        let config = try parse("""
            migrations: db/migrations
            layout: plain
            dialect: postgres
            rules:
              missing-down: off
              unindexed-column: error
            """)
        #expect(config.migrationsDirectory == "/repo/db/migrations")
        #expect(config.layout == .plain)
        #expect(config.dialect == .postgresql)
        #expect(config.rules == ["missing-down": .off, "unindexed-column": .error])
    }

    @Test func emptyFileMeansDefaults() throws {
        let config = try parse("")
        #expect(config.migrationsDirectory == "/repo/migrations")
        #expect(config.layout == nil && config.dialect == nil && config.rules.isEmpty)
        #expect(try parse("# only a comment\n").rules.isEmpty)
        #expect(try parse("rules:\n").rules.isEmpty)
    }

    @Test func absoluteMigrationsFolderIsKept() throws {
        #expect(try parse("migrations: /srv/m").migrationsDirectory == "/srv/m")
    }

    @Test(arguments: [
        ("layout: liquibase\n", 1, 9, "unknown layout 'liquibase'; expected auto or one of: strata, plain, dbmate, goose, golang-migrate, diesel, flyway"),
        ("dialect: mysql\n", 1, 10, "unknown dialect 'mysql'"),
        ("migratons: db\n", 1, 1, "unknown key 'migratons'; did you mean 'migrations'?"),
        ("rules:\n  missing-dwon: off\n", 2, 3, "unknown rule 'missing-dwon'; did you mean 'missing-down'?"),
        ("rules:\n  missing-down: fatal\n", 2, 17, "rule 'missing-down' must be off, warning or error, not 'fatal'"),
        ("rules: [a, b]\n", 1, 8, "`rules` must map rule ids"),
        ("- a\n- b\n", 1, 1, "the configuration must be a mapping"),
        ("migrations: [a]\n", 1, 13, "`migrations` must be a single value"),
        ("layout: strata\nlayout: plain\n", 2, 1, "key given twice: layout"),
        ("rules:\n  missing-down: off\n  unindexed-column: warning\n  missing-down: error\n", 4, 3, "key given twice: missing-down"),
        ("rules:\n  missing-down: off\n bad indent: x\n", 3, 2, "malformed YAML"),
        ("migrations: 'unterminated\n", 2, 1, "malformed YAML"),
        ("[?a]\n", 1, 1, "the configuration must be a mapping"),
    ] as [(String, Int, Int, String)])
    func malformedConfigurationIsALocatedError(_ yaml: String, _ line: Int, _ column: Int, _ message: String) {
        let error = failure(yaml)
        #expect(error != nil, "accepted: \(yaml)")
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.line == line && error?.column == column, "\(error?.errorDescription ?? "")")
        #expect(error?.errorDescription?.hasPrefix("/repo/strata.yml:") == true)
    }

    @Test func binaryGarbageIsAnErrorNotACrash() {
        var bytes = [UInt8](repeating: 0, count: 64)
        var seed: UInt64 = 42
        for i in bytes.indices { seed = seed &* 6364136223846793005 &+ 1442695040888963407; bytes[i] = UInt8(truncatingIfNeeded: seed >> 33) }
        _ = failure(String(decoding: bytes, as: UTF8.self))
        _ = failure("{{{{{{{{{{")
        _ = failure("key: *undefined_alias")
    }

    @Test func findsTheNearestFileAbove() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-config-\(UUID().uuidString)")
        let nested = root.appendingPathComponent("a/b")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "layout: plain\n".write(to: root.appendingPathComponent("strata.yml"), atomically: true, encoding: .utf8)
        let config = try Configuration.load(explicitPath: nil, workingDirectory: nested.path, knownRules: known)
        #expect(config.layout == .plain)
        #expect(config.file?.hasSuffix("/strata.yml") == true)
        #expect(config.migrationsDirectory == root.appendingPathComponent("migrations").path)
    }

    @Test func explicitPathMustExist() {
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(explicitPath: "/nonexistent/strata.yml", workingDirectory: "/", knownRules: known)
        }
    }
}

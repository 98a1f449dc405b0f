import Foundation
import StrataCore
import StrataSyntax
import Testing

/// Each tool's way to run a migration outside a transaction, as the templates write it and
/// the layouts read it back.
@Suite("Layouts: running outside a transaction")
struct LayoutTransactionTests {
    static let now = Date(timeIntervalSince1970: 1_704_067_200)

    static func files(_ layout: LayoutKind, transactional: Bool) throws -> [LayoutTemplate.File] {
        try LayoutTemplate.files(layout: layout, slug: "index", up: "CREATE INDEX CONCURRENTLY i ON t (c);", down: "DROP INDEX i;",
                                 transactional: transactional, existing: [], now: now)
    }

    @Test("dbmate and goose write their line, and read it back as no transaction", arguments: [LayoutKind.dbmate, .goose])
    func lineInTheFile(_ layout: LayoutKind) throws {
        let written = try Self.files(layout, transactional: false)
        #expect(written.count == 1)
        let line = try #require(layout.noTransactionLine)
        #expect(written[0].text.hasPrefix(line + "\n"))
        let input = MigrationInput(id: layout.layout.id(forRelativePath: written[0].path), path: written[0].path,
                                   bytes: Array(written[0].text.utf8))
        let file = layout.layout.parse(input, dialect: .postgresql, depth: .full)
        #expect(file.transactionDeclared == false)
        #expect(file.nonTransactionalReason == line.replacingOccurrences(of: "-- ", with: ""))
        #expect(try Self.files(layout, transactional: true)[0].text.contains(line) == false)
    }

    @Test func dieselAndFlywayGetTheirSettingsFile() throws {
        let diesel = try Self.files(.diesel, transactional: false)
        #expect(diesel.map(\.path) == ["2024-01-01-000000_index/up.sql", "2024-01-01-000000_index/down.sql",
                                       "2024-01-01-000000_index/metadata.toml"])
        #expect(diesel[2].text == "run_in_transaction = false\n")
        let flyway = try Self.files(.flyway, transactional: false)
        #expect(flyway.map(\.path) == ["V1__index.sql", "U1__index.sql", "V1__index.sql.conf"])
        #expect(flyway[2].text == "executeInTransaction=false\n")
        #expect(try Self.files(.diesel, transactional: true).count == 2)
        #expect(try Self.files(.flyway, transactional: true).count == 2)
        // golang-migrate reads no per-file setting: only its two files, the UP one saying how to run it.
        let golang = try Self.files(.golangMigrate, transactional: false)
        #expect(golang.count == 2)
        #expect(golang[0].text.hasPrefix("-- golang-migrate sends this file as one string") && golang[0].text.contains("x-multi-statement=true"))
        #expect(try Self.files(.golangMigrate, transactional: true)[0].text.hasPrefix("CREATE INDEX"))
    }

    @Test("the advice names the layout's own way, and the file's own name for Flyway")
    func advice() {
        func advice(_ layout: LayoutKind, _ path: String, _ dialect: Dialect = .postgresql) -> String {
            MigrationFile(id: "x", path: path, layout: layout, source: nil).outsideTransactionAdvice(dialect)
        }
        #expect(advice(.strata, "0002_x.sql").contains("`-- @transaction: false`"))
        #expect(advice(.dbmate, "20240101_x.sql").contains("`-- migrate:up transaction:false`"))
        #expect(advice(.goose, "00002_x.sql").contains("`-- +goose NO TRANSACTION`"))
        #expect(advice(.flyway, "db/migration/V3__add_index.sql").contains("`executeInTransaction=false` in V3__add_index.sql.conf"))
        #expect(advice(.diesel, "2024-01-01-000000_x/up.sql").contains("`run_in_transaction = false` in a metadata.toml"))
        #expect(advice(.golangMigrate, "2_x.up.sql").contains("`x-multi-statement=true`"))
        #expect(advice(.golangMigrate, "2_x.up.sql", .sqlite).contains("`x-no-tx-wrap=true`"))
        for layout in LayoutKind.allCases where layout != .strata {
            #expect(!advice(layout, "x.sql").contains("@transaction: false`"), "\(layout)")
        }
    }
}

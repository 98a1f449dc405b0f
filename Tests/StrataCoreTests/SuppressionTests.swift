import StrataCore
import StrataSyntax
import Testing

@Suite("Suppressions")
struct SuppressionTests {
    func suppressions(_ sql: String) -> [Suppression] {
        PlainLayout().parse(MigrationInput(id: "x", path: "x.sql", bytes: Array(sql.utf8)), dialect: .sqlite, statements: true).suppressions
    }

    @Test func statementSuppressionCoversTheNextStatement() {
        let sql = "SELECT 1;\n-- strata:ignore drop-table,drop-column  reviewed with the DBA\n-- another comment\nDROP TABLE t;\nSELECT 2;\n"
        let found = suppressions(sql)
        #expect(found.count == 1)
        let s = found[0]
        #expect(s.rules.map(\.id) == ["drop-table", "drop-column"])
        #expect(s.reason == "reviewed with the DBA")
        let dropOffset = Array(sql.utf8).count - "DROP TABLE t;\nSELECT 2;\n".utf8.count
        #expect(s.covers(rule: "drop-table", offset: dropOffset))
        #expect(!s.covers(rule: "drop-table", offset: dropOffset + 14))
        #expect(!s.covers(rule: "other", offset: dropOffset))
        #expect(s.rules[1].range.start.column == 29)
    }

    @Test func spacesAfterCommasAreAllowed() {
        let s = suppressions("-- strata:ignore a, b,c why\nSELECT 1;\n")[0]
        #expect(s.rules.map(\.id) == ["a", "b", "c"])
        #expect(s.reason == "why")
    }

    @Test func fileSuppressionOnlyInHeader() {
        let found = suppressions("-- strata:ignore-file a\nSELECT 1;\n-- strata:ignore-file b\n")
        #expect(found.count == 2)
        #expect(found[0].scope == .file && !found[0].misplaced)
        #expect(found[1].misplaced)
        #expect(found[0].covers(rule: "a", offset: 500))
        #expect(!found[1].covers(rule: "b", offset: 0))
    }

    @Test func suppressionFollowedByCodeOnTheSameStatementLineCoversNothing() {
        let found = suppressions("SELECT 1; -- strata:ignore a\n")
        #expect(found.count == 1)
        #expect(found[0].scope == .statement(nil))
    }

    @Test func lookalikesAreNotSuppressions() {
        #expect(suppressions("-- strata:ignored a\n-- see strata:ignore a\nSELECT 1;\n").isEmpty)
    }
}

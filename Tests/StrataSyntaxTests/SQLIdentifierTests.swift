import StrataSyntax
import Testing

@Suite("SQL identifiers written back")
struct SQLIdentifierTests {
    @Test func postgresQuotesWhatItWouldFoldOrRefuse() {
        #expect(SQLIdentifier.quoted("author_id", for: .postgresql) == "author_id")
        #expect(SQLIdentifier.quoted("price$usd", for: .postgresql) == "price$usd")
        #expect(SQLIdentifier.quoted("Post", for: .postgresql) == "\"Post\"")
        #expect(SQLIdentifier.quoted("authorId", for: .postgresql) == "\"authorId\"")
        #expect(SQLIdentifier.quoted("user", for: .postgresql) == "\"user\"")
        #expect(SQLIdentifier.quoted("order", for: .postgresql) == "\"order\"")
        #expect(SQLIdentifier.quoted("concurrently", for: .postgresql) == "\"concurrently\"")
        // Unreserved keywords are fine as names.
        #expect(SQLIdentifier.quoted("index", for: .postgresql) == "index")
        #expect(SQLIdentifier.quoted("2fa_codes", for: .postgresql) == "\"2fa_codes\"")
        #expect(SQLIdentifier.quoted("Sales Team", for: .postgresql) == "\"Sales Team\"")
        #expect(SQLIdentifier.quoted("say \"hi\"", for: .postgresql) == "\"say \"\"hi\"\"\"")
        #expect(SQLIdentifier.quoted("", for: .postgresql) == "\"\"")
    }

    @Test func sqliteIgnoresCaseButNotKeywords() {
        #expect(SQLIdentifier.quoted("Post", for: .sqlite) == "Post")
        #expect(SQLIdentifier.quoted("order", for: .sqlite) == "\"order\"")
        #expect(SQLIdentifier.quoted("Index", for: .sqlite) == "\"Index\"")
        #expect(SQLIdentifier.quoted("price$usd", for: .sqlite) == "\"price$usd\"")
    }

    @Test func schemaQualifiedNamesQuoteEachPart() {
        let range = SourceRange(at: .start)
        #expect(ObjectName(schema: "public", name: "Post", range: range).sql(.postgresql) == "public.\"Post\"")
        #expect(ObjectName(schema: "Sales Team", name: "orders", range: range).sql(.postgresql) == "\"Sales Team\".orders")
        #expect(ObjectName(name: "orders", range: range).sql(.postgresql) == "orders")
        #expect(ColumnName(name: "authorId", range: range).sql(.postgresql) == "\"authorId\"")
        #expect(SQLIdentifier.literal("it's") == "'it''s'")
    }

    @Test func derivedNamesFitPostgresAndStayApart() {
        #expect(SQLIdentifier.derivedName(["Post", "authorId"], suffix: "idx", for: .postgresql) == "Post_authorId_idx")
        let table = String(repeating: "Très_long_nom_de_table_", count: 3)
        let a = SQLIdentifier.derivedName([table, "authorId"], suffix: "idx", for: .postgresql)
        let b = SQLIdentifier.derivedName([table, "editorId"], suffix: "idx", for: .postgresql)
        #expect(a.utf8.count <= SQLIdentifier.postgresNameLimit && b.utf8.count <= SQLIdentifier.postgresNameLimit)
        #expect(a != b)
        #expect(a.hasPrefix("Très_long_nom_de_table_"))
        // SQLite has no limit: the name is whole.
        #expect(SQLIdentifier.derivedName([table, "authorId"], suffix: "idx", for: .sqlite) == table + "_authorId_idx")
        #expect(SQLIdentifier.fitted("abc", ending: "_2", limit: 63) == "abc_2")
        #expect(SQLIdentifier.fnv1a("") == "811c9dc5")
    }
}

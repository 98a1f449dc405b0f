import StrataCore
import StrataSyntax
import Testing

/// When a deleted applied migration and a new one are the same migration under another name.
@Suite("Migration renames")
struct MigrationRenamesTests {
    /// The file `strata new` writes, filled in: every migration of a project shares all but
    /// its name and statements.
    func templated(_ name: String, up: String, down: String) -> String {
        """
        -- @name: \(name)
        -- @description: \(name)
        -- @timestamp: 2025-03-01T09:00:00Z
        -- @rollbackSafe: true
        -- @performanceImpact: low
        -- @dependencies: []

        -- UP MIGRATION
        \(up)

        -- DOWN MIGRATION
        \(down)

        """
    }

    func input(_ fileName: String, _ text: String, layout: LayoutKind = .strata) -> MigrationInput {
        MigrationInput(id: layout.layout.id(forRelativePath: fileName), path: fileName, bytes: Array(text.utf8))
    }

    func pair(_ gone: [MigrationInput], _ added: [MigrationInput], layout: LayoutKind = .strata,
              dialect: Dialect = .sqlite) -> [String: String] {
        MigrationRenames.pair(gone: gone, added: added, layout: layout.layout, dialect: dialect)
    }

    var items: String { templated("create items", up: "CREATE TABLE items (id INTEGER PRIMARY KEY);", down: "DROP TABLE items;") }

    @Test func templateAlikeMigrationsAreNotARename() {
        // Twelve of fourteen lines alike: git's similarity pairs these two; they are not one migration.
        let feature = templated("create items", up: "CREATE TABLE features (id INTEGER PRIMARY KEY);", down: "DROP TABLE features;")
        #expect(pair([input("0003_items.sql", items)], [input("0006_feature.sql", feature)]).isEmpty)
    }

    @Test func theSameBytesAreARename() {
        #expect(pair([input("0003_items.sql", items)], [input("0006_items.sql", items)]) == ["0006_items": "0003_items"])
    }

    /// What the applier's checksum does not see (a byte order mark, CRLF line endings, even
    /// inside a string literal where the tokens differ) does not stop a rename.
    @Test func theSameChecksumIsARename() {
        let literal = "INSERT INTO notes VALUES ('two\nlines');"
        let applied = templated("seed", up: literal, down: "DELETE FROM notes;")
        let crlf = [0xEF, 0xBB, 0xBF] + Array(applied.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        #expect(ChecksumText.normalized(crlf) == Array(applied.utf8))
        let new = MigrationInput(id: "0002_seed_notes", path: "0002_seed_notes.sql", bytes: crlf)
        #expect(pair([input("0002_seed.sql", applied)], [new]) == ["0002_seed_notes": "0002_seed"])
        // A lone CR in the literal is content.
        let loneCR = applied.replacingOccurrences(of: "two\nlines", with: "two\rlines")
        #expect(pair([input("0002_seed.sql", applied)], [input("0002_seed_notes.sql", loneCR)]).isEmpty)
    }

    @Test func commentsWhitespaceAndMetadataCommentsDoNotCount() {
        let reworded = items
            .replacingOccurrences(of: "-- @name: create items", with: "-- @name: Items, the catalogue")
            .replacingOccurrences(of: "CREATE TABLE items (id INTEGER PRIMARY KEY);",
                                  with: "-- one row per item\nCREATE TABLE items (\n    id INTEGER PRIMARY KEY /* rowid */\n);")
        #expect(pair([input("0003_items.sql", items)], [input("0003_catalogue.sql", reworded)]) == ["0003_catalogue": "0003_items"])
        // A behaviour key changed on the way is still a rename (edited-applied-migration reports it).
        let noTransaction = items.replacingOccurrences(of: "-- @dependencies: []", with: "-- @dependencies: []\n-- @transaction: false")
        #expect(pair([input("0003_items.sql", items)], [input("0003_catalogue.sql", noTransaction)]) == ["0003_catalogue": "0003_items"])
    }

    @Test func anSQLEditOrAMovedSectionIsNotARename() {
        let edited = items.replacingOccurrences(of: "id INTEGER PRIMARY KEY", with: "id BIGINT PRIMARY KEY")
        #expect(pair([input("0003_items.sql", items)], [input("0003_catalogue.sql", edited)]).isEmpty)
        // The same tokens in the same order, but DROP TABLE moved from DOWN to UP.
        let moved = items.replacingOccurrences(of: "\n\n-- DOWN MIGRATION\nDROP TABLE items;", with: "\nDROP TABLE items;\n\n-- DOWN MIGRATION")
        #expect(moved != items)
        #expect(pair([input("0003_items.sql", items)], [input("0003_catalogue.sql", moved)]).isEmpty)
        // Keywords in another case are other tokens (as for edited-applied-migration): not a rename.
        #expect(pair([input("0003_items.sql", items)], [input("0003_catalogue.sql", items.replacingOccurrences(of: "DROP TABLE", with: "drop table"))]).isEmpty)
    }

    @Test func pairsAreOneToOne() {
        let tags = templated("create tags", up: "CREATE TABLE tags (id INTEGER PRIMARY KEY);", down: "DROP TABLE tags;")
        // Two applied files of the same SQL, one new copy: one rename. The same number wins,
        // then the same name, then the first by id.
        let twins = [input("0001_items.sql", items), input("0002_items_again.sql", items)]
        #expect(pair(twins, [input("0002_catalogue.sql", items)]) == ["0002_catalogue": "0002_items_again"])
        #expect(pair(twins, [input("0007_items_again.sql", items)]) == ["0007_items_again": "0002_items_again"])
        #expect(pair(twins, [input("0009_catalogue.sql", items)]) == ["0009_catalogue": "0001_items"])
        // One applied file, two new copies: one rename, and the other copy is new.
        #expect(pair([input("0003_items.sql", items)], [input("0004_b.sql", items), input("0003_a.sql", items)]) == ["0003_a": "0003_items"])
        // Two and two: each pairs with its own content, whatever the names suggest.
        #expect(pair([input("0001_items.sql", items), input("0002_tags.sql", tags)],
                     [input("0001_tags.sql", tags), input("0002_items.sql", items)]) == ["0001_tags": "0002_tags", "0002_items": "0001_items"])
        // An exact copy is taken before a copy that differs only in comments.
        let commented = "-- kept\n" + items
        #expect(pair([input("0001_items.sql", commented), input("0002_items.sql", items)], [input("0001_renamed.sql", items)])
                == ["0001_renamed": "0002_items"])
    }

    /// Layouts with a separate DOWN file: the migration is UP and DOWN together.
    @Test func aSeparateDownFileCounts() {
        func migration(_ id: String, up: String, down: String) -> MigrationInput {
            MigrationInput(id: id, path: id + ".up.sql", bytes: Array(up.utf8), down: .init(path: id + ".down.sql", bytes: Array(down.utf8)))
        }
        let applied = migration("3_items", up: "CREATE TABLE items (id INT);\n", down: "DROP TABLE items;\n")
        #expect(pair([applied], [migration("3_catalogue", up: "CREATE TABLE items (id INT);\n", down: "-- gone\nDROP TABLE items;\n")],
                     layout: .golangMigrate) == ["3_catalogue": "3_items"])
        #expect(pair([applied], [migration("3_catalogue", up: "CREATE TABLE items (id INT);\n", down: "DROP TABLE IF EXISTS items;\n")],
                     layout: .golangMigrate).isEmpty)
        #expect(pair([applied], [MigrationInput(id: "3_catalogue", path: "3_catalogue.up.sql", bytes: Array("CREATE TABLE items (id INT);\n".utf8))],
                     layout: .golangMigrate).isEmpty, "its DOWN file lost on the way")
    }

    /// The dialect decides what a comment is: a nested block comment is one only in PostgreSQL.
    @Test func theDialectReadsTheComments() {
        let applied = "CREATE TABLE t (id INT);\n"
        let nested = "/* outer /* inner */ still a comment */\nCREATE TABLE t (id INT);\n"
        #expect(pair([input("1_t.sql", applied, layout: .plain)], [input("2_t.sql", nested, layout: .plain)], layout: .plain, dialect: .postgresql)
                == ["2_t": "1_t"])
        #expect(pair([input("1_t.sql", applied, layout: .plain)], [input("2_t.sql", nested, layout: .plain)], layout: .plain, dialect: .sqlite).isEmpty)
    }
}

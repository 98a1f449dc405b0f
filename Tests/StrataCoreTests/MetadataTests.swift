import StrataCore
import StrataSyntax
import Testing

@Suite("Metadata values")
struct MetadataValueTests {
    @Test(arguments: ["2024-01-01T00:00:00Z", "2024-02-29T23:59:59Z", "2024-01-01T09:30:00+02:00",
                      "2024-01-01T09:30:00.123-05:30", "1999-12-31t23:59:60z"])
    func validTimestamps(_ value: String) {
        #expect(MetadataValue.isISO8601Timestamp(value))
    }

    @Test(arguments: ["2024-01-01", "2024-01-01T00:00:00", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
                      "2024-01-32T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01 00:00:00Z", "yesterday",
                      "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+2:00", ""])
    func invalidTimestamps(_ value: String) {
        #expect(!MetadataValue.isISO8601Timestamp(value))
    }

    @Test func dependencies() throws {
        #expect(try MetadataValue.parseDependencies("[]") == [])
        #expect(try MetadataValue.parseDependencies("[\"0001_a\", \"0002_b\"]") == ["0001_a", "0002_b"])
        #expect(throws: MetadataValue.DependencyError.notJSONArray) { try MetadataValue.parseDependencies("0001_a") }
        #expect(throws: MetadataValue.DependencyError.notJSONArray) { try MetadataValue.parseDependencies("[\"a\"") }
        #expect(throws: MetadataValue.DependencyError.notJSONArray) { try MetadataValue.parseDependencies("{\"a\": 1}") }
        #expect(throws: MetadataValue.DependencyError.notString(index: 1)) { try MetadataValue.parseDependencies("[\"a\", 2]") }
        #expect(throws: MetadataValue.DependencyError.notString(index: 0)) { try MetadataValue.parseDependencies("[null]") }
    }

    @Test func booleansAreLowerCaseOnly() {
        #expect(MetadataValue.parseBool("true") == true)
        #expect(MetadataValue.parseBool("false") == false)
        #expect(MetadataValue.parseBool("True") == nil)
        #expect(MetadataValue.parseBool("yes") == nil)
    }
}

@Suite("Strata layout")
struct StrataLayoutTests {
    func parse(_ sql: String, id: String = "0001_x") -> MigrationFile {
        StrataLayout().parse(MigrationInput(id: id, path: "\(id).sql", bytes: Array(sql.utf8)), dialect: .sqlite, statements: true)
    }

    @Test func readsHeaderAndSections() {
        let file = parse("""
            -- @name: Create example
            -- @description:   Adds the example table  \r
            -- @dependencies: ["0000_base"]
            -- not metadata
            --@rollbackSafe:true

            -- UP MIGRATION (forward changes)
            CREATE TABLE example (id TEXT PRIMARY KEY);
            CREATE INDEX idx_example ON example (id);

            -- down migration: undo
            DROP TABLE example;
            """)
        #expect(file.metadata.map(\.key) == ["name", "description", "dependencies", "rollbackSafe"])
        #expect(file.value("description") == "Adds the example table")
        #expect(file.value("rollbackSafe") == "true")
        #expect(file.dependencies == ["0000_base"])
        #expect(file.up?.statements.count == 2)
        #expect(file.up?.statements[1].range.start.line == 9)
        #expect(file.down?.statements.count == 1)
        #expect(file.down?.statements[0].range.start == SourcePosition(offset: file.down!.statements[0].range.start.offset, line: 12, column: 1))
        #expect(file.markers.map(\.kind) == [.up, .down])
        #expect(file.strayStatements.isEmpty)
        let entry = file.entries("name")[0]
        #expect(entry.keyRange.start.line == 1 && entry.keyRange.start.column == 4)
        #expect(entry.valueRange.start.column == 11)
    }

    @Test func markerMustStartItsLine() {
        let file = parse("-- @name: x\n-- UP MIGRATION\nSELECT 1; -- DOWN MIGRATION\nSELECT 2;\n")
        #expect(file.markers.count == 1)
        #expect(file.down == nil)
        #expect(file.up?.statements.count == 2)
    }

    @Test func withoutUpMarkerTheBodyIsUp() {
        let file = parse("-- @name: x\nCREATE TABLE t (id INT);\n-- DOWN MIGRATION\nDROP TABLE t;\n")
        #expect(file.up?.statements.count == 1)
        #expect(file.up?.marker == nil)
        #expect(file.down?.statements.count == 1)
        #expect(file.metadata.count == 1)
    }

    @Test func metadataAfterUpMarkerIsIgnored() {
        let file = parse("-- @name: x\n-- UP MIGRATION\n-- @name: y\nSELECT 1;\n")
        #expect(file.metadata.count == 1)
    }

    @Test func binaryFileIsNotText() {
        let bytes: [UInt8] = [0x2D, 0x2D, 0x20, 0x40, 0xFF, 0xFE, 0x00, 0x41]
        let file = StrataLayout().parse(MigrationInput(id: "b", path: "b.sql", bytes: bytes), dialect: .sqlite, statements: true)
        #expect(file.notText?.position.offset == 4)
        #expect(file.notText?.reason.contains("0xFF") == true)
        #expect(file.up == nil)
    }

    @Test(arguments: [
        "-- @name: a\r\n-- @dependencies: [\"x\"]\r\n\r\n  -- UP MIGRATION (forward)\r\nSELECT 1;\n",
        "-- @name: a\nSELECT 0;\n-- @dependencies: [\"x\"]\n-- UP MIGRATION\nSELECT 1;\n",
        "/* block */\n-- @dependencies: [\"x\"]\n-- UP MIGRATION\n",
        "-- @dependencies: [\"x\"]\n-- DOWN MIGRATION\nDROP TABLE t;\n-- UP MIGRATION\n",
        "-- @dependencies: [\"x\"]\n-- no markers at all\n",
        "",
        "-- @dependencies [\"x\"] \t\r\n-- @dependencies: [\"second\"]\n-- UP MIGRATION\n",
        "  --@dependencies:[\"a\",\"b\"]\n--UP MIGRATION\n",
        "-- @dependencies: not json\n-- UP MIGRATION\n",
    ])
    func headerOnlyReadAgreesWithTheFullRead(_ sql: String) {
        let input = MigrationInput(id: "x", path: "x.sql", bytes: Array(sql.utf8))
        let header = StrataLayout().parse(input, dialect: .postgresql, statements: false)
        let full = StrataLayout().parse(input, dialect: .postgresql, statements: true)
        #expect(header.metadata == full.metadata)
        #expect(header.dependencies == full.dependencies)
        #expect(StrataLayout().dependencies(of: input, dialect: .postgresql) == full.dependencies)
    }

    @Test func headerOnlyPassReadsNoStatements() {
        let sql = "-- @dependencies: [\"a\"]\n-- UP MIGRATION\nSELECT 1;\n"
        let file = StrataLayout().parse(MigrationInput(id: "x", path: "x.sql", bytes: Array(sql.utf8)), dialect: .sqlite, statements: false)
        #expect(file.dependencies == ["a"])
        #expect(file.up == nil)
    }
}

@Suite("Plain layout")
struct PlainLayoutTests {
    @Test func everyStatementIsForward() {
        let sql = "-- UP MIGRATION\nCREATE TABLE t (id INT);\n-- DOWN MIGRATION\nDROP TABLE t;\n"
        let file = PlainLayout().parse(MigrationInput(id: "x", path: "x.sql", bytes: Array(sql.utf8)), dialect: .postgresql, statements: true)
        #expect(file.up?.statements.count == 2)
        #expect(file.down == nil)
        #expect(file.metadata.isEmpty)
        #expect(PlainLayout().id(forRelativePath: "2019_init/up.sql") == "2019_init/up")
    }
}

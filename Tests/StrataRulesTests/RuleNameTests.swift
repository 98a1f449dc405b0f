import Foundation
import StrataCore
import StrataRules
import Testing

/// A rule's type is named after its id, and its file after its type, so the id in a report
/// leads to the code: `grep`-free, from `drop-table` to `Sources/StrataRules/*/DropTableRule.swift`.
///
/// The name is the id's words, each with a capital first letter, then `Rule`
/// (`add-column-serial` → `AddColumnSerialRule`), except the words in `spelled`, which Swift
/// names write as below (`sqlite-fk-pragma-in-tx` → `SQLiteForeignKeyPragmaInTransactionRule`).
@Suite("Rule names")
struct RuleNameTests {
    /// Acronyms written in capitals, and the abbreviations of ids written out in full.
    static let spelled = ["sqlite": "SQLite", "json": "JSON", "fk": "ForeignKey", "tx": "Transaction"]

    static func typeName(forID id: String) -> String {
        id.split(separator: "-").map { word in
            spelled[String(word)] ?? word.prefix(1).uppercased() + word.dropFirst()
        }.joined() + "Rule"
    }

    static let rulesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/StrataRules")

    /// Every `.swift` file below Sources/StrataRules, by its path below that folder.
    static func sourceFiles() throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: rulesFolder.path))
        return enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted()
    }

    @Test func theMappingIsTheDocumentedOne() {
        #expect(Self.typeName(forID: "drop-table") == "DropTableRule")
        #expect(Self.typeName(forID: "sqlite-fk-pragma-in-tx") == "SQLiteForeignKeyPragmaInTransactionRule")
        #expect(Self.typeName(forID: "json-column") == "JSONColumnRule")
    }

    @Test func everyRuleTypeIsNamedAfterItsID() {
        for type in AllRules.types {
            let id = type.description.id
            #expect(String(describing: type) == Self.typeName(forID: id), "rule \(id) is \(type): name it \(Self.typeName(forID: id))")
        }
    }

    /// Each rule in a file of its own name, in the folder of its family
    /// (`Sources/StrataRules/<Family>/<Name>Rule.swift`), which declares it.
    @Test func everyRuleFileIsNamedAfterItsType() throws {
        let files = try Self.sourceFiles()
        for type in AllRules.types {
            let name = String(describing: type)
            let found = files.filter { ($0 as NSString).lastPathComponent == name + ".swift" }
            #expect(found.count == 1, "\(name): files \(found)")
            guard let path = found.first else { continue }
            #expect(path.split(separator: "/").count == 2, "\(path) is not in a family folder of Sources/StrataRules")
            let text = try String(contentsOf: Self.rulesFolder.appendingPathComponent(path), encoding: .utf8)
            #expect(text.contains("struct \(name):"), "\(path) does not declare \(name)")
        }
        // And no file is named after a rule that is not one (left behind by a rename).
        let names = Set(AllRules.types.map { String(describing: $0) })
        for path in files where path.hasSuffix("Rule.swift") {
            let name = String(((path as NSString).lastPathComponent as NSString).deletingPathExtension)
            if !names.contains(name) { Issue.record("\(path) is named like a rule that AllRules does not list") }
        }
    }
}

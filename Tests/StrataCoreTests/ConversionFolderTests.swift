import Foundation
import StrataCore
import Testing

/// `Conversion.plan` and `Conversion.write`, what `strata convert` calls: a real folder of
/// another tool's files converted, and the refusals that leave it as it was.
@Suite("converting a folder")
struct ConversionFolderTests {
    /// A folder of its own holding `files`.
    final class Folder {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-convert-\(UUID().uuidString)").path
        init(_ files: [String: String]) throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name)) }
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
    }

    static let dbmate = [
        "20240101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n",
        "20240102000000_notes.sql": "-- migrate:up\nCREATE TABLE notes (id int);\n\n-- migrate:down\nDROP TABLE notes;\n",
    ]

    @Test func aDbmateFolderBecomesStrataFilesInPlace() throws {
        let folder = try Folder(Self.dbmate)
        let outputs = try Conversion.plan(folder: folder.path, shown: folder.path, layout: .dbmate, dialect: .postgresql)
        #expect(outputs.map(\.fileName) == ["20240101000000_users.sql", "20240102000000_notes.sql"])
        #expect(folder.names == Self.dbmate.keys.sorted(), "planning writes nothing")
        try Conversion.write(outputs, into: folder.path)
        #expect(folder.names == ["20240101000000_users.sql", "20240102000000_notes.sql"])
        let text = try String(contentsOfFile: folder.path + "/20240101000000_users.sql", encoding: .utf8)
        #expect(text.contains("-- UP MIGRATION") && text.contains("CREATE TABLE users (id int);"))
        #expect(text.contains("-- DOWN MIGRATION") && text.contains("DROP TABLE users;"))
        #expect(!text.contains("migrate:up"))
    }

    /// A goose Go migration cannot be held in an SQL file: refused (exit 1), nothing written.
    @Test func aGoMigrationIsRefusedAndNothingIsWritten() throws {
        let folder = try Folder([
            "00001_users.sql": "-- +goose Up\nCREATE TABLE users (id int);\n-- +goose Down\nDROP TABLE users;\n",
            "00002_backfill.go": "package migrations\n",
        ])
        let error = try #require(throws: CommandFailure.self) {
            try Conversion.plan(folder: folder.path, shown: folder.path, layout: .goose, dialect: .postgresql)
        }
        #expect(error.exitStatus == .refused)
        #expect(error.userMessage.contains("00002_backfill.go is a Go migration"), "\(error.userMessage)")
        #expect(folder.names == ["00001_users.sql", "00002_backfill.go"])
    }
}

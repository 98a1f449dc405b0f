import Foundation
import StrataApply
import StrataCore
import StrataRules
import Testing

/// `ApplySession`, where every database command gets its applier: the folder's files read
/// whole or streamed, the connection, and the lint `up` refuses on; on real databases.
@Suite("apply session")
struct ApplySessionTests {
    static let good = "-- @name: Users\n-- UP MIGRATION\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n-- DOWN MIGRATION\nDROP TABLE users;\n"
    static let notes = "-- @name: Notes\n-- UP MIGRATION\nCREATE TABLE notes (id INTEGER PRIMARY KEY);\n-- DOWN MIGRATION\nDROP TABLE notes;\n"

    /// A migrations folder holding `files`, beside the scratch database.
    func folder(_ scratch: ScratchDatabase, _ files: [String: String]) throws -> String {
        let folder = scratch.folder.path("migrations")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        return folder
    }

    func request(_ scratch: ScratchDatabase, _ folder: String, streaming: Bool = false, linter: Linter? = nil) throws -> ApplySession.Request {
        var request = ApplySession.Request(folder: folder, layout: .strata, url: try DatabaseURL(scratch.url), command: "test")
        request.streaming = streaming
        request.linter = linter
        return request
    }

    /// Read whole or streamed, the same files give the same plan and the same applied rows.
    @Test(arguments: Backend.all, [false, true])
    func wholeAndStreamedSessionsApplyTheSame(_ backend: Backend, _ streaming: Bool) throws {
        let scratch = try ScratchDatabase(backend)
        let folder = try folder(scratch, ["0001_users.sql": Self.good, "0002_notes.sql": Self.notes])
        let session = try ApplySession(try request(scratch, folder, streaming: streaming))
        #expect(session.lint == nil)
        let outcome = try session.applier.up(UpRequest(singleTransaction: streaming))
        #expect(outcome.success?.applied.map(\.id) == ["0001_users", "0002_notes"])
        #expect(session.files.map(\.id) == ["0001_users", "0002_notes"])
        #expect(session.filesByID["0002_notes"]?.path == folder + "/0002_notes.sql")
        #expect(try scratch.rows(on: session.applier.database) == [["0001_users", "applied"], ["0002_notes", "applied"]])
    }

    /// With a linter, `up` refuses a file with an error-level finding before anything runs.
    @Test(arguments: [false, true])
    func theLintGateRefusesAFileWithAnError(_ streaming: Bool) throws {
        let scratch = try ScratchDatabase(.sqlite)
        let unsafe = "-- @name: Drop\n-- @rollbackSafe: true\n-- UP MIGRATION\nDROP TABLE users;\n-- DOWN MIGRATION\nSELECT 1;\n"
        let folder = try folder(scratch, ["0001_users.sql": Self.good, "0002_drop.sql": unsafe])
        let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .strata)
        let session = try ApplySession(try request(scratch, folder, streaming: streaming, linter: linter))
        #expect(session.lint != nil)
        let outcome = try session.applier.up(UpRequest(singleTransaction: streaming), lint: session.lint)
        let refusal = try #require(outcome.failure)
        #expect(refusal.reasons.joined().contains("0002_drop"), "\(refusal.reasons)")
        #expect(try scratch.rows(on: session.applier.database).isEmpty)
        #expect(try !scratch.tableExists("users", on: session.applier.database))
    }

    /// A folder that does not exist ends the command before the database is touched.
    @Test func aMissingFolderIsAnErrorAndCreatesNoDatabase() throws {
        let scratch = try ScratchDatabase(.sqlite)
        let error = try #require(throws: CommandFailure.self) {
            try ApplySession(try request(scratch, scratch.folder.path("nope")))
        }
        #expect(error.userMessage == scratch.folder.path("nope") + ": no such folder; set `migrations:` in strata.yml")
        #expect(error.exitStatus == .environment)
        #expect(!FileManager.default.fileExists(atPath: scratch.folder.path("app.db")))
    }

    /// A file whose name is not UTF-8 cannot be tracked by its id: an error naming it (bytes
    /// escaped), before the database is touched.
    @Test func aFileNameThatIsNotUTF8IsAnErrorNamingIt() throws {
        let scratch = try ScratchDatabase(.sqlite)
        let folder = try folder(scratch, ["0001_users.sql": Self.good])
        let name = Array((folder + "/0002_caf").utf8) + [0xE9] + Array(".sql".utf8) + [0]
        let descriptor = name.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
        }
        try #require(descriptor >= 0)
        close(descriptor)
        let error = try #require(throws: InputError.self) { try ApplySession(try request(scratch, folder)) }
        #expect(error.userMessage.contains("0002_caf\\xE9.sql"), "\(error.userMessage)")
        #expect(error.userMessage.contains("not valid UTF-8"))
        #expect(!FileManager.default.fileExists(atPath: scratch.folder.path("app.db")))
    }
}

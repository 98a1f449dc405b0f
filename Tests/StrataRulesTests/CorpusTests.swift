import Foundation
import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// The real-world corpus beside the checkout (`../shared/corpus`), read through FILES.tsv.
enum Corpus {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus")

    struct Entry { var path: String; var dialect: Dialect }

    /// Every file with the dialect it runs on (portable files: PostgreSQL when it runs there).
    static var entries: [Entry] {
        guard let tsv = try? String(contentsOf: root.appendingPathComponent("FILES.tsv"), encoding: .utf8) else { return [] }
        return tsv.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 4 else { return nil }
            let dialect: Dialect = columns[2] == "postgresql" || (columns[2] == "portable" && columns[3].contains("postgresql"))
                ? .postgresql : .sqlite
            return Entry(path: root.appendingPathComponent(String(columns[0])).path, dialect: dialect)
        }
    }
}

@Suite("Real-world corpus")
struct CorpusTests {
    @Test(.enabled(if: !Corpus.entries.isEmpty, "../shared/corpus is not present"), arguments: Dialect.allCases)
    func lintsEveryFileWithoutCrashing(_ dialect: Dialect) throws {
        let files = Corpus.entries.filter { $0.dialect == dialect }.map(\.path)
        #expect(files.count > 500)
        let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: dialect, layout: .plain)
        let result = try linter.lint(paths: files)
        #expect(result.fileCount == files.count)
        // Real, deployed migrations are text with closed literals: a parse error here would be
        // a lexer bug (squawk and libpg_query parse all but one of these files).
        let parseErrors = result.diagnostics.filter { $0.rule == "parse-error" }
        #expect(parseErrors.isEmpty, "\(parseErrors.prefix(5).map { "\($0.file):\($0.line):\($0.column) \($0.message)" })")
    }

    @Test(.enabled(if: !Corpus.entries.isEmpty, "../shared/corpus is not present"))
    func strataLayoutOnForeignFilesDoesNotCrash() throws {
        let files = Corpus.entries.prefix(400).map(\.path)
        let result = try Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .strata).lint(paths: files)
        #expect(result.fileCount == 400)
        #expect(result.diagnostics.contains { $0.rule == "missing-metadata" })
    }
}

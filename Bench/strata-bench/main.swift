import Foundation
import StrataSyntax

/// Tokenizer and statement-reader throughput on one core, over every file of a corpus folder
/// loaded in memory first (so no I/O is measured). Used by `make bench`.
func sqlFiles(in root: String) -> [[UInt8]] {
    var result: [[UInt8]] = []
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    for case let path as String in walker where path.hasSuffix(".sql") || path.hasSuffix(".sql.postgres") || path.hasSuffix(".sql.sqlite") {
        if let data = FileManager.default.contents(atPath: root + "/" + path) { result.append(Array(data)) }
    }
    return result
}

func throughput(_ label: String, _ files: [[UInt8]], seconds: Double = 2, _ body: ([UInt8]) -> Int) -> String {
    let bytes = files.reduce(0) { $0 + $1.count }
    var rounds = 0
    var sink = 0
    let start = DispatchTime.now().uptimeNanoseconds
    var elapsed = 0.0
    repeat {
        for file in files { sink &+= body(file) }
        rounds += 1
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    } while elapsed < seconds
    let mbps = Double(bytes * rounds) / 1e6 / elapsed
    return "\(label): \(String(format: "%.0f", mbps)) MB/s on one core (\(files.count) files, \(bytes) bytes, \(rounds) rounds, checksum \(sink % 997))"
}

let root = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "../shared/corpus"
let files = sqlFiles(in: root)
guard !files.isEmpty else {
    FileHandle.standardError.write(Data("strata-bench: no .sql files under \(root)\n".utf8))
    exit(2)
}
print(throughput("tokenizer", files) { Lexer.tokenize($0, dialect: .postgresql).tokens.count })
print(throughput("tokenizer + splitter + reader", files) { bytes in
    let source = SourceText(bytes: bytes, dialect: .postgresql)
    return StatementSplitter.split(source).reduce(0) { count, range in
        if case .other = StatementReader.read(source, tokens: range).kind { return count }
        return count + 1
    }
})

/// Shapes that once risked quadratic time (a reader that rescans lines or lists): their MB/s
/// should stay near the corpus figure above. These replaced timed unit tests.
func readAll(_ bytes: [UInt8]) -> Int {
    let source = SourceText(bytes: bytes, dialect: .postgresql)
    return StatementSplitter.split(source).reduce(0) { count, range in
        count + (StatementReader.read(source, tokens: range).range.end.offset > 0 ? 1 : 0)
    }
}
let wideTable = "CREATE TABLE wide (" + (0..<5_000).map { "c\($0) varchar(20) NOT NULL DEFAULT 'x'" }.joined(separator: ", ") + ")"
print(throughput("reader, one CREATE TABLE of 5,000 columns on one line", [Array(wideTable.utf8)], seconds: 1, readAll))
let bigInsert = "INSERT INTO big (a, b) VALUES " + (0..<20_000).map { "(\($0), 'value \($0)')" }.joined(separator: ", ")
print(throughput("reader, one INSERT of 20,000 rows", [Array(bigInsert.utf8)], seconds: 1, readAll))

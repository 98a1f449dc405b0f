// strata-fuzz: feeds arbitrary bytes to the lexer, the statement splitter, the statement
// reader, the migration-file parser of each layout and the lint engine with every rule, in both
// dialects, and traps when an invariant breaks.
//
// Fuzzing build (libFuzzer; see the Makefile's `fuzz` target):
//   swift build --product strata-fuzz --scratch-path .build-fuzz \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/strata-fuzz -max_total_time=60 CORPUS_DIR
// Plain build (`swift build`): replays files instead, so a crash found by the fuzzer can be
// re-run and debugged without the sanitizers:
//   strata-fuzz FILE_OR_DIR...
// Both builds: `strata-fuzz --write-seeds DIR` writes a small seed corpus into DIR.

import Foundation
import StrataCore
import StrataRules
import StrataSyntax
#if FUZZING
import CFuzzerDriver
#endif

// MARK: - The fuzz target

let fuzzRules = AllRules.instances()

/// Runs everything on one input. Never returns normally when an invariant is broken.
func fuzzOne(_ input: [UInt8]) {
    for dialect in Dialect.allCases {
        let source = SourceText(bytes: input, dialect: dialect)
        checkTokens(source)

        let statements = StatementSplitter.split(source)
        checkStatements(source, statements)

        for range in statements {
            // The reader is another component: a crash inside it is its own, not the lexer's.
            let statement = StatementReader.read(source, tokens: range)
            check(statement.range.start.offset >= 0
                  && statement.range.start.offset <= statement.range.end.offset
                  && statement.range.end.offset <= input.count,
                  "StatementReader: range \(statement.range.byteRange) outside the file", dialect)
        }

        // The migration-file parser of both layouts, then the whole engine with every rule
        // (schema replay, suppressions, reporters' inputs) on the same bytes.
        for layout in LayoutKind.allCases {
            let file = layout.layout.parse(MigrationInput(id: "0001_fuzz", path: "0001_fuzz.sql", bytes: input),
                                           dialect: dialect, statements: true)
            check(layout.layout.dependencies(of: MigrationInput(id: "0001_fuzz", path: "0001_fuzz.sql", bytes: input), dialect: dialect)
                  == file.dependencies, "dependencies: the header scan and the full parse disagree", dialect)
            let statements = file.strayStatements + (file.up?.statements ?? []) + (file.down?.statements ?? [])
            for statement in statements {
                check(statement.range.end.offset <= input.count, "MigrationFile: statement outside the file", dialect)
            }
            let result = Linter(rules: fuzzRules, settings: [:], dialect: dialect, layout: layout)
                .lint([MigrationInput(id: "0001_fuzz", path: "0001_fuzz.sql", bytes: input)])
            for diagnostic in result.diagnostics {
                check(diagnostic.line >= 1 && diagnostic.column >= 1 && diagnostic.range.start.offset <= input.count,
                      "Linter: \(diagnostic.rule) finding outside the file", dialect)
            }
        }
    }
}

@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, _ dialect: Dialect) {
    if !condition() { fatalError("strata-fuzz (\(dialect)): \(message())") }
}

/// Tokens are non-empty and contiguous, re-join to the input, carry the right line and column,
/// and at most one is unterminated (the last), with its issue.
func checkTokens(_ source: SourceText) {
    let bytes = source.bytes
    let tokens = source.tokens
    let dialect = source.dialect
    var joined: [UInt8] = []
    joined.reserveCapacity(bytes.count)
    // Expected position of the next token, advanced byte by byte (newline = LF; a column is a
    // character, i.e. a byte that is not a UTF-8 continuation byte).
    var line = 1, column = 1, offset = 0
    var lineStarts = [0]
    for (index, token) in tokens.enumerated() {
        check(token.length > 0, "token \(index) is empty", dialect)
        check(token.offset == offset, "token \(index) starts at \(token.offset), expected \(offset)", dialect)
        check(token.endOffset <= bytes.count, "token \(index) ends past the input", dialect)
        check(token.start.line == line && token.start.column == column,
              "token \(index) at \(token.start), expected \(line):\(column)", dialect)
        check(token.kind != .unterminated || index == tokens.count - 1, "unterminated token \(index) is not last", dialect)
        joined.append(contentsOf: bytes[token.byteRange])
        for i in token.byteRange {
            if bytes[i] == 0x0A {
                line += 1; column = 1; lineStarts.append(i + 1)
            } else if bytes[i] & 0xC0 != 0x80 {
                column += 1
            }
        }
        offset = token.endOffset
    }
    check(offset == bytes.count, "tokens end at \(offset) of \(bytes.count)", dialect)
    check(joined == bytes, "tokens do not re-join to the input", dialect)
    check(source.lineStarts == lineStarts, "lineStarts differ from the newlines", dialect)
    if let last = tokens.last, last.kind == .unterminated {
        check(source.issues.count == 1 && source.issues[0].position == last.start,
              "issues \(source.issues) for an unterminated token at \(last.start)", dialect)
    } else {
        check(source.issues.isEmpty, "issues without an unterminated token: \(source.issues)", dialect)
    }
}

/// Statement ranges are ascending, disjoint, non-empty, start and end on non-trivia tokens,
/// and leave out nothing but trivia and `;`.
func checkStatements(_ source: SourceText, _ ranges: [Range<Int>]) {
    let tokens = source.tokens
    let dialect = source.dialect
    var covered = 0
    for range in ranges {
        check(!range.isEmpty && range.lowerBound >= covered && range.upperBound <= tokens.count,
              "statement range \(range) empty or out of order (after \(covered))", dialect)
        for i in covered..<range.lowerBound {
            check(tokens[i].kind.isTrivia || tokens[i].kind == .semicolon, "token \(i) is in no statement", dialect)
        }
        let first = tokens[range.lowerBound].kind, last = tokens[range.upperBound - 1].kind
        check(!first.isTrivia && first != .semicolon, "statement \(range) starts with \(first)", dialect)
        check(!last.isTrivia, "statement \(range) ends with \(last)", dialect)
        covered = range.upperBound
    }
    for i in covered..<tokens.count {
        check(tokens[i].kind.isTrivia || tokens[i].kind == .semicolon, "token \(i) is in no statement", dialect)
    }
}

// MARK: - Seeds

let seeds: [String] = [
    "SELECT 1;\nSELECT 'it''s', \"a\"\"b\", X'0A', 1.5e-3, .5, 0x1F, ?1, :name, @p, $v;\n",
    "-- header é\r\n/* block /* nested */ comment */ CREATE TABLE t (id int PRIMARY KEY, \"end\" text);\r\n",
    "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 1; RETURN NEW; END; $$ LANGUAGE plpgsql;\n",
    "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN a END + b; END;\n",
    "SELECT E'it\\'s', U&'d\\0061t', U&\"x\", N'n', B'101', $tag$ ; $a$ $tag$, $1::int, a[1:2], j->>'k' @> '{}';\n",
    "CREATE TRIGGER t AFTER UPDATE ON x BEGIN UPDATE x SET end = NEW.start; SELECT CASE WHEN 1 THEN 2 END; END;\n",
    "SELECT [bracket;id], `back``tick` FROM t WHERE a == 1 AND b <> 2 || 'x';\n",
    "BEGIN;\nALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';\nCREATE INDEX CONCURRENTLY i ON users (lower(email));\nCOMMIT;\n",
    "-- @id: 0001\n-- UP MIGRATION\nCREATE TABLE a (id bigint);\n-- DOWN MIGRATION\nDROP TABLE a;\n",
    "SELECT 'unterminated\n",
    "/* unterminated comment\n",
    "SELECT $$ unterminated dollar\n",
]

func writeSeeds(to directory: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (index, seed) in seeds.enumerated() {
        let url = URL(fileURLWithPath: directory).appendingPathComponent("seed-\(index).sql")
        try Data(seed.utf8).write(to: url)
    }
    print("wrote \(seeds.count) seeds to \(directory)")
}

// MARK: - Entry point

let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "--write-seeds" {
    do { try writeSeeds(to: arguments[2]) } catch {
        FileHandle.standardError.write(Data("strata-fuzz: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

#if FUZZING
/// libFuzzer's per-input entry point. The link pulls in libFuzzer's own `main` too (it references
/// this symbol) whatever SwiftPM does with ours, so it must exist; both entries run `fuzzOne`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOne(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    fuzzOne(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
})
#else
/// Replay mode: run the target on each file given, or each file in each folder given.
var files: [String] = []
for path in arguments.dropFirst() {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        FileHandle.standardError.write(Data("strata-fuzz: no such file: \(path)\n".utf8))
        exit(1)
    }
    if isDirectory.boolValue {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        files += names.sorted().map { "\(path)/\($0)" }
    } else {
        files.append(path)
    }
}
if files.isEmpty {
    print("usage: strata-fuzz FILE_OR_DIR...   (replays inputs; build with -DFUZZING to fuzz)")
    exit(2)
}
for file in files {
    guard let data = FileManager.default.contents(atPath: file) else { continue }
    fuzzOne([UInt8](data))
}
print("strata-fuzz: \(files.count) input(s) ran clean")
#endif

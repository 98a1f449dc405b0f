/// The files beside a migration that tell its tool whether to run it in a transaction:
/// diesel's `metadata.toml` in the migration's folder (`run_in_transaction = false`, for both
/// directions), Flyway's script configuration file, the script's name with `.conf` added
/// (`executeInTransaction=false`; an undo script has its own). Only that one key is read.
///
/// The file is carried beside the SQL (`MigrationInput.settings`), never in its content: a
/// checksum stays the bytes of the SQL files, so adding one to an applied migration does not
/// make it look edited to the databases' records.
extension MigrationInput {
    public struct SettingsFile: Sendable, Hashable {
        public enum Format: String, Sendable, Hashable {
            /// diesel's `metadata.toml`: TOML, of which the top-level `run_in_transaction`.
            case dieselMetadata
            /// Flyway's `<script>.sql.conf`: Java properties lines, of which `executeInTransaction`.
            case flywayScriptConfig
            /// sqitch's `sqitch.plan`, carried with each change for its place and dependencies;
            /// it says nothing about transactions.
            case sqitchPlan
        }

        public var format: Format
        public var path: String
        public var bytes: [UInt8]

        public init(format: Format, path: String, bytes: [UInt8]) {
            self.format = format
            self.path = path
            self.bytes = bytes
        }

        /// What the file says about running in a transaction; nil when it says nothing (a
        /// Flyway configuration without `executeInTransaction`). Throws, naming the line, when
        /// the file cannot be read as its tool reads it.
        public func transactionSetting() throws(InputError) -> TransactionSetting? {
            switch format {
            case .dieselMetadata: try DieselMetadataReader(self).read()
            case .flywayScriptConfig: try FlywayScriptConfigReader(self).read()
            case .sqitchPlan: nil
            }
        }

        /// `transactionSetting()`, nil when the file is malformed: for content already checked
        /// when it was read (`FileDiscovery.input`), or read from history, where a file diesel
        /// could not read was ignored by diesel too.
        public var readableTransactionSetting: TransactionSetting? { try? transactionSetting() }

        /// The name after the last `/`.
        var name: String { path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path }
    }
}

/// What a settings file says: in a transaction or not, and how, for reasons and messages.
public struct TransactionSetting: Sendable, Hashable {
    public var runsInTransaction: Bool
    /// The settings file.
    public var path: String
    /// The key's line; nil when the tool's default for a file without the key applies.
    public var line: Int?
    /// In the tool's words: `run_in_transaction = false in metadata.toml`.
    public var declaration: String

    public init(runsInTransaction: Bool, path: String, line: Int?, declaration: String) {
        self.runsInTransaction = runsInTransaction
        self.path = path
        self.line = line
        self.declaration = declaration
    }
}

extension LayoutKind {
    /// Whether the layout reads a settings file beside its migrations.
    public var readsSettingsFiles: Bool { self == .diesel || self == .flyway || self == .sqitch }

    /// Whether a file name (not a path) is a settings file this layout reads beside its
    /// migrations: `metadata.toml` for diesel, `*.sql.conf` for Flyway.
    public func readsSettingsFile(named name: some Collection<UInt8>) -> Bool {
        switch self {
        case .diesel: name.elementsEqual("metadata.toml".utf8)
        case .flyway: name.count > 9 && name.reversed().starts(with: "fnoc.lqs.".utf8)
        case .sqitch: name.elementsEqual("sqitch.plan".utf8)
        default: false
        }
    }

    /// The settings file of the migration whose UP file is `upPath` (diesel's `metadata.toml`
    /// in its folder, Flyway's `V3__x.sql.conf`), for layouts that read one.
    public func settingsPath(besideUpFile upPath: String) -> (path: String, format: MigrationInput.SettingsFile.Format)? {
        switch self {
        case .diesel:
            let folder = upPath.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(upPath[...$0]) } ?? ""
            return (folder + "metadata.toml", .dieselMetadata)
        case .flyway:
            return (upPath + ".conf", .flywayScriptConfig)
        case .sqitch:
            // The plan beside the `deploy/` folder the script is in.
            guard let root = SqitchLayout.root(ofScript: upPath) else { return nil }
            return (root + "sqitch.plan", .sqitchPlan)
        default:
            return nil
        }
    }

    /// Whether a separate DOWN file has a settings file of its own, which decides for it
    /// (Flyway's undo script); otherwise DOWN runs as UP is declared to.
    public var downFileHasOwnSettings: Bool { self == .flyway || self == .sqitch }

    /// The settings file of a separate DOWN file, when it has one of its own (a Flyway undo
    /// script's `U3__x.sql.conf`); diesel's `metadata.toml` serves both directions.
    public func settingsPath(besideDownFile downPath: String) -> (path: String, format: MigrationInput.SettingsFile.Format)? {
        self == .flyway ? (downPath + ".conf", .flywayScriptConfig) : nil
    }
}

/// Lines of a settings file, without their line break (LF or CRLF), numbered from 1; a
/// leading UTF-8 byte order mark is dropped.
private func settingsLines(_ file: MigrationInput.SettingsFile) throws(InputError) -> [(number: Int, text: Substring)] {
    var bytes = file.bytes[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw InputError(path: file.path, message: "is not UTF-8 text; it is read for whether the migration runs in a transaction")
    }
    // "\r\n" is one Character in Swift: split on both.
    return text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated().map { index, line in
        (index + 1, line)
    }
}

private extension Substring {
    /// Without leading and trailing spaces and tabs (and a form feed, which properties allow).
    var trimmingSpace: Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
        guard let start = firstIndex(where: { !blank($0) }) else { return self[endIndex...] }
        let end = lastIndex(where: { !blank($0) })!
        return self[start...end]
    }
}

/// diesel's `metadata.toml`, read as far as `run_in_transaction` needs: comments, blank lines,
/// `key = value` lines (bare, quoted or dotted keys), table headers (keys after one belong to
/// the table, not to the top level diesel reads), and values that run over several lines
/// (arrays, inline tables, multi-line strings), which are skipped. A line that is none of these
/// is an error, as is a `run_in_transaction` that is not a TOML boolean: diesel cannot read
/// such a file, ignores it, and runs the migration in a transaction after all.
///
/// diesel reads a `metadata.toml` it can read but that has no top-level `run_in_transaction`
/// as `false` (its field's default, not the `true` of a folder without the file): that file
/// runs outside a transaction, as diesel runs it.
private struct DieselMetadataReader {
    let file: MigrationInput.SettingsFile
    static let key = "run_in_transaction"

    init(_ file: MigrationInput.SettingsFile) { self.file = file }

    func failure(_ line: Int, _ column: Int, _ message: String) -> InputError {
        InputError(path: file.path, message: message + "; diesel cannot read this file, ignores it, and runs the migration in a transaction",
                   line: line, column: column)
    }

    func read() throws(InputError) -> TransactionSetting? {
        var found: (value: Bool, line: Int)? = nil
        var inTable = false
        /// Inside a value that spans lines: the closing `"""`/`'''`, or the open brackets' depth.
        var openString: String? = nil
        var openBrackets = 0
        for (number, raw) in try settingsLines(file) {
            if let closing = openString {
                if raw.contains(closing) { openString = nil }
                continue
            }
            if openBrackets > 0 {
                openBrackets += Self.bracketBalance(raw)
                continue
            }
            let line = raw.trimmingSpace
            if line.isEmpty || line.hasPrefix("#") { continue }
            let column = raw.distance(from: raw.startIndex, to: line.startIndex) + 1
            if line.hasPrefix("[") {
                guard Self.withoutComment(line).trimmingSpace.hasSuffix("]") else {
                    throw failure(number, column, "not a TOML table header: `\(line)` has no closing `]`")
                }
                inTable = true
                continue
            }
            guard let (key, valueStart) = Self.keyAndValueStart(line) else {
                throw failure(number, column, "not a TOML `key = value` line: `\(line)`")
            }
            let value = Self.withoutComment(line[valueStart...]).trimmingSpace
            let valueColumn = raw.distance(from: raw.startIndex, to: value.startIndex) + 1
            if value.isEmpty { throw failure(number, valueColumn, "`\(key)` has no value") }
            for delimiter in ["\"\"\"", "'''"] where value.hasPrefix(delimiter) {
                if !value.dropFirst(3).contains(delimiter) { openString = delimiter }
            }
            if openString == nil, value.hasPrefix("[") || value.hasPrefix("{") {
                openBrackets = Self.bracketBalance(value)
                if openBrackets > 0 { continue }
            }
            guard !inTable, key == Self.key else { continue }
            if let first = found {
                throw failure(number, column, "`\(Self.key)` is given twice (first on line \(first.line))")
            }
            switch value {
            case "true": found = (true, number)
            case "false": found = (false, number)
            default:
                throw failure(number, valueColumn, "`\(Self.key)` must be true or false (a TOML boolean: lower case, no quotes), not `\(value)`")
            }
        }
        let name = file.name
        guard let found else {
            return TransactionSetting(runsInTransaction: false, path: file.path, line: nil,
                                      declaration: "\(name) without \(Self.key), which diesel reads as false")
        }
        return TransactionSetting(runsInTransaction: found.value, path: file.path, line: found.line,
                                  declaration: "\(Self.key) = \(found.value) in \(name)")
    }

    /// The key of a `key = value` line (quotes taken off a quoted key; a dotted key kept as
    /// written, which is never the top-level key) and where its value starts.
    static func keyAndValueStart(_ line: Substring) -> (String, Substring.Index)? {
        var key = ""
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if c == "\"" || c == "'" {
                guard let close = line[line.index(after: i)...].firstIndex(of: c) else { return nil }
                key += line[line.index(after: i)..<close]
                i = line.index(after: close)
            } else if c == "=" {
                break
            } else if c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." {
                key.append(c)
                i = line.index(after: i)
            } else if c == " " || c == "\t" {
                i = line.index(after: i)
            } else {
                return nil
            }
        }
        guard i < line.endIndex, !key.isEmpty else { return nil }
        return (key, line.index(after: i))
    }

    /// A value without a trailing `# comment` (a `#` inside a string is not one).
    static func withoutComment(_ text: Substring) -> Substring {
        var quote: Character? = nil
        var escaped = false
        for i in text.indices {
            let c = text[i]
            if let open = quote {
                if escaped { escaped = false } else if c == "\\" && open == "\"" { escaped = true } else if c == open { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return text[..<i]
            }
        }
        return text
    }

    /// Brackets and braces opened minus closed, outside strings and comments.
    static func bracketBalance(_ text: Substring) -> Int {
        var depth = 0
        for c in withoutComment(text) {
            if c == "[" || c == "{" { depth += 1 } else if c == "]" || c == "}" { depth -= 1 }
        }
        return depth
    }
}

/// Flyway's script configuration file, read as Flyway reads it (Java properties): `key=value`,
/// `key: value` or `key value` lines, `#` and `!` comments, blanks around the separator; a
/// line ending in `\` continues on the next. The last `executeInTransaction` counts, as in
/// properties; Flyway refuses any value but `true` or `false`, and so does Strata.
private struct FlywayScriptConfigReader {
    let file: MigrationInput.SettingsFile
    static let key = "executeInTransaction"

    init(_ file: MigrationInput.SettingsFile) { self.file = file }

    func read() throws(InputError) -> TransactionSetting? {
        var found: (value: Bool, line: Int)? = nil
        var continued: (number: Int, text: String)? = nil
        for (number, raw) in try settingsLines(file) {
            // A logical line: lines ending in an odd number of backslashes continue.
            let text = (continued?.text ?? "") + String(continued == nil ? raw : raw.trimmingSpace)
            let start = continued?.number ?? number
            let trailing = text.reversed().prefix { $0 == "\\" }.count
            if trailing % 2 == 1 {
                continued = (start, String(text.dropLast()))
                continue
            }
            continued = nil
            let line = Substring(text).trimmingSpace
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            let keyEnd = line.firstIndex { $0 == "=" || $0 == ":" || $0 == " " || $0 == "\t" || $0 == "\u{0C}" } ?? line.endIndex
            guard line[..<keyEnd] == Self.key else { continue }
            var rest = line[keyEnd...].trimmingSpace
            if rest.hasPrefix("=") || rest.hasPrefix(":") { rest = rest.dropFirst().trimmingSpace }
            let column = text.distance(from: text.startIndex, to: rest.startIndex) + 1
            switch rest {
            case "true": found = (true, start)
            case "false": found = (false, start)
            default:
                throw InputError(path: file.path, message: "`\(Self.key)` must be true or false, not `\(rest)`: Flyway refuses any other value",
                                 line: start, column: start == number ? column : 1)
            }
        }
        guard let found else { return nil }
        return TransactionSetting(runsInTransaction: found.value, path: file.path, line: found.line,
                                  declaration: "\(Self.key)=\(found.value) in \(file.name)")
    }
}

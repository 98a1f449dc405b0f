import CLibPQ
import Foundation
import StrataSyntax

/// A connection to a PostgreSQL server through libpq.
public final class PostgresDatabase: Database {
    let connection: OpaquePointer
    let url: DatabaseURL

    public let dialect = Dialect.postgresql

    /// Seconds to wait for a server to answer, unless the URL sets `connect_timeout`.
    public static let connectTimeoutSeconds = 10

    public var serverVersion: String {
        let v = Int(PQserverVersion(connection))
        return v >= 100_000 ? "\(v / 10_000).\(v % 10_000)" : "\(v / 10_000).\(v / 100 % 100).\(v % 100)"
    }

    /// `applicationName`, when given, names the session in `pg_stat_activity` (and so in
    /// Strata's "held by" messages); it is a connection parameter, never SQL text, and it is
    /// what `RESET ALL` returns to.
    public init(url: DatabaseURL, applicationName: String? = nil) throws(ApplyError) {
        guard case .postgres(let connectionString) = url.target else {
            throw ApplyError(.invalidURL, "\(url.redacted) is not a PostgreSQL URL")
        }
        self.url = url
        // The URL goes in as `dbname` with expansion, after a default connect timeout that the
        // URL's own `connect_timeout` overrides; the application name comes after it, so it
        // names the session whatever the URL says.
        var keywords = ["connect_timeout", "dbname", "fallback_application_name"]
        var values = ["\(Self.connectTimeoutSeconds)", connectionString, "strata"]
        if let applicationName {
            keywords.append("application_name")
            values.append(applicationName)
        }
        let conn = withCStrings(keywords) { k in
            withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(conn)
            throw ApplyError(.connection, "cannot connect to \(url.redacted): \(url.scrub(Self.tidy(message)))")
        }
        connection = conn
        // Server notices (e.g. "table does not exist, skipping") would go to stderr otherwise.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(connection) }

    public func execute(_ sql: String) throws(ApplyError) {
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    @discardableResult
    public func query(_ sql: String, _ parameters: [DatabaseValue]) throws(ApplyError) -> [[DatabaseValue]] {
        // Text format for every value except blobs (binary), so no type OIDs are needed.
        let texts: [[UInt8]?] = parameters.map { value in
            switch value {
            case .null: nil
            case .integer(let v): Array("\(v)".utf8) + [0]
            case .double(let v): Array("\(v)".utf8) + [0]
            case .text(let v): Array(v.utf8) + [0]
            case .blob(let v): v
            }
        }
        let lengths = parameters.enumerated().map { i, value -> Int32 in
            if case .blob(let v) = value { return Int32(v.count) }
            return Int32(max(0, (texts[i]?.count ?? 1) - 1))
        }
        let formats: [Int32] = parameters.map { if case .blob = $0 { 1 } else { 0 } }
        // Without parameters, the simple protocol: one message that may hold several
        // statements (the rows are the last one's).
        let result: OpaquePointer? = parameters.isEmpty ? PQexec(connection, sql) : withPointers(texts) { pointers in
            PQexecParams(connection, sql, Int32(parameters.count), nil, pointers, lengths, formats, 0)
        }
        defer { PQclear(result) }
        try check(result, sql)
        return result.map(Self.rows(of:)) ?? []
    }

    /// A result's rows, each value typed from its column's type.
    static func rows(of result: OpaquePointer) -> [[DatabaseValue]] {
        var rows: [[DatabaseValue]] = []
        let rowCount = PQntuples(result), columnCount = PQnfields(result)
        rows.reserveCapacity(Int(rowCount))
        for r in 0..<rowCount {
            var row: [DatabaseValue] = []
            for c in 0..<columnCount {
                if PQgetisnull(result, r, c) == 1 { row.append(.null); continue }
                let text = String(cString: PQgetvalue(result, r, c))
                switch PQftype(result, c) {
                case 20, 21, 23: row.append(Int64(text).map(DatabaseValue.integer) ?? .text(text))   // int8, int2, int4
                case 700, 701: row.append(Double(text).map(DatabaseValue.double) ?? .text(text))     // float4, float8
                case 16: row.append(.integer(text == "t" ? 1 : 0))                                   // bool
                default: row.append(.text(text))
                }
            }
            rows.append(row)
        }
        return rows
    }

    public func placeholder(_ n: Int) -> String { "$\(n)" }

    /// All units in one simple-protocol message (one round trip, as `psql -f` or dbmate send a
    /// file), read back result by result: the server answers each statement in turn and stops
    /// at the first error, so the results before it tell which statement failed (a block's
    /// statements each have their own), and the error's position, when it has one, where.
    /// Several units only inside a transaction: outside one, the server would wrap the message
    /// in an implicit transaction, which statements such as CREATE INDEX CONCURRENTLY refuse.
    /// A single block goes the same way, in one message as goose sends it; so does a single
    /// statement (the same as `PQexec`), so its error position is read too.
    public func execute(units: [SQLUnit]) -> ExecutionFailure? {
        guard !units.isEmpty else { return nil }
        // A newline before each `;` ends a trailing line comment.
        let message = units.map(\.sql).joined(separator: Self.separator)
        guard PQsendQuery(connection, message) == 1 else {
            return ExecutionFailure(unit: 0, error: ApplyError(.statement, url.scrub(Self.tidy(String(cString: PQerrorMessage(connection)))),
                                                               statement: units[0].sql))
        }
        var succeeded = 0
        var failure: ExecutionFailure?
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            switch status {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                succeeded += 1
            case PGRES_EMPTY_QUERY:
                break
            case PGRES_COPY_IN:
                // No data to send: end the copy with an error, which the server then reports.
                PQputCopyEnd(connection, "strata runs COPY ... FROM STDIN with no input; load data another way")
            case PGRES_COPY_OUT:
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(connection, &buffer, 0) > 0 { PQfreemem(buffer) }
            default:
                if failure == nil { failure = locate(result, succeeded: succeeded, units: units, message: message) }
            }
        }
        return failure
    }

    private static let separator = "\n;\n"

    /// The failure `result` reports: the statement after the `succeeded` ones, counted through
    /// the units' statements; or, when the server gives the error's position in the message,
    /// the unit and the place in it that position falls on.
    private func locate(_ result: OpaquePointer, succeeded: Int, units: [SQLUnit], message: String) -> ExecutionFailure {
        var unit = 0, statement = succeeded
        while unit < units.count - 1, statement >= units[unit].statements {
            statement -= units[unit].statements
            unit += 1
        }
        var offset: Int? = nil
        if let field = PQresultErrorField(result, Int32(UInt8(ascii: "P"))), let position = Int(String(cString: field)),
           let byte = Self.byteOffset(ofCharacter: position - 1, in: message) {
            var start = 0
            for (n, candidate) in units.enumerated() {
                let length = candidate.sql.utf8.count
                if byte >= start && byte < start + length {
                    if n != unit { (unit, statement) = (n, 0) }
                    offset = byte - start
                    break
                }
                start += length + Self.separator.utf8.count
            }
        }
        return ExecutionFailure(unit: unit, statement: statement, offset: offset, error: error(of: result, units[unit].sql))
    }

    /// The byte offset of the character at `index` (0-based, counting characters as PostgreSQL
    /// counts its error positions) in `text`'s UTF-8.
    static func byteOffset(ofCharacter index: Int, in text: String) -> Int? {
        guard index >= 0 else { return nil }
        var characters = -1
        for (offset, byte) in text.utf8.enumerated() where byte & 0xC0 != 0x80 {
            characters += 1
            if characters == index { return offset }
        }
        return nil
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws(ApplyError) {
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK, status != PGRES_EMPTY_QUERY else { return }
        throw error(of: result, sql)
    }

    /// The error a failed result reports, with its SQLSTATE.
    func error(of result: OpaquePointer?, _ sql: String) -> ApplyError {
        let message = result.flatMap(Self.serverMessage) ?? result.map { String(cString: PQresultErrorMessage($0)) }
            ?? String(cString: PQerrorMessage(connection))
        let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        return ApplyError(.statement, url.scrub(Self.tidy(message)), statement: sql, code: sqlState)
    }

    /// The server's error from its fields: severity and message, then DETAIL, HINT and CONTEXT
    /// when present. Not libpq's text, which adds a `LINE n:` excerpt of the text Strata sent:
    /// its line counts that text (several statements joined), not the file, and the applier
    /// names the file's line and column of the error itself. Nil without a primary message.
    static func serverMessage(_ result: OpaquePointer) -> String? {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let primary = field("M") else { return nil }
        var lines = ["\(field("S") ?? "ERROR"):  \(primary)"]
        if let detail = field("D") { lines.append("DETAIL:  \(detail)") }
        if let hint = field("H") { lines.append("HINT:  \(hint)") }
        if let context = field("W") { lines.append("CONTEXT:  \(context)") }
        return lines.joined(separator: "\n")
    }

    /// libpq messages end with a newline and may span lines; keep them on one.
    static func tidy(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }
}

/// Runs `body` with C strings for `strings`, NULL-terminated as libpq's keyword arrays expect.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Runs `body` with pointers to each byte array (nil for SQL NULL).
private func withPointers<R>(_ values: [[UInt8]?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies: [UnsafeMutablePointer<UInt8>?] = values.map { value in
        guard let value else { return nil }
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, value.count))
        copy.initialize(from: value, count: value.count)
        return copy
    }
    defer { copies.forEach { $0?.deallocate() } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}

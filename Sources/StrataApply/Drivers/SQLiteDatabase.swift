import CSQLite
import Foundation
import StrataSyntax

/// SQLITE_TRANSIENT is a macro Swift does not import: -1 cast to a destructor, telling SQLite
/// to copy bound values.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A connection to an SQLite database file (created, with its folder, when missing).
public final class SQLiteDatabase: Database {
    let handle: OpaquePointer
    let path: String
    /// Prepared statements of `query`, by SQL text: the applier runs the same few tracking
    /// statements once per migration, and preparing one costs about as much as running it.
    private var prepared: [String: OpaquePointer] = [:]
    private static let preparedLimit = 32

    public let dialect = Dialect.sqlite
    public var serverVersion: String { String(cString: sqlite3_libversion()) }

    /// Milliseconds a statement waits for another connection's write lock before failing.
    public static let busyTimeoutMilliseconds: Int32 = 5_000

    /// Set once per process, before SQLite is first used: Strata reads none of SQLite's memory
    /// statistics, and keeping them costs a global lock per allocation (see the shim).
    static let configured: Void = { _ = strata_sqlite3_disable_memory_statistics() }()

    /// `readOnly` opens without writing anything: a missing file is read as an empty database
    /// (status and dry runs must not create it).
    public init(path: String, readOnly: Bool = false) throws(ApplyError) {
        Self.configured
        self.path = path
        let missing = path != ":memory:" && !FileManager.default.fileExists(atPath: path)
        if readOnly && missing {
            var db: OpaquePointer?
            sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
            guard let db else { throw ApplyError(.connection, "cannot open an in-memory SQLite database") }
            handle = db
            return
        }
        if path != ":memory:", !readOnly {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw ApplyError(.connection, "cannot create the folder of SQLite database \(path): \(error.localizedDescription)")
                }
            }
        }
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(db)
            throw ApplyError(.connection, "cannot open SQLite database \(path): \(message)", code: "\(code)")
        }
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Self.busyTimeoutMilliseconds)
        handle = db
        // A file that is not a database fails only at first use: find out now.
        do {
            try query("SELECT count(*) FROM sqlite_schema")
        } catch {
            throw ApplyError(.connection, "cannot open SQLite database \(path): \(error.message)", code: error.code)
        }
    }

    deinit {
        for statement in prepared.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    public func execute(_ sql: String) throws(ApplyError) {
        if let (_, error) = run(sql) { throw error }
    }

    /// Each unit in turn; a failure names the statement of the unit that failed.
    public func execute(units: [SQLUnit]) -> ExecutionFailure? {
        for (index, unit) in units.enumerated() {
            if let (statement, error) = run(unit.sql) { return ExecutionFailure(unit: index, statement: statement, error: error) }
        }
        return nil
    }

    /// Runs the statements of `sql` one after the other, each prepared from where the one
    /// before it ended (as `sqlite3_exec` does); nil when all ran, else the index of the one
    /// that failed (text with no statement, such as a comment after the last `;`, is not
    /// counted) and its error.
    private func run(_ sql: String) -> (Int, ApplyError)? {
        sql.utf8CString.withUnsafeBufferPointer { buffer -> (Int, ApplyError)? in
            guard let base = buffer.baseAddress else { return nil }
            let end = base + (buffer.count - 1)
            var rest = base
            var index = 0
            while rest < end {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let code = sqlite3_prepare_v2(handle, rest, Int32(end - rest), &statement, &tail)
                guard code == SQLITE_OK else {
                    let error = failure(sql, code)
                    sqlite3_finalize(statement)
                    return (index, error)
                }
                guard let tail, tail > rest else { sqlite3_finalize(statement); break }
                rest = tail
                // Nothing but blanks or comments.
                guard let statement else { continue }
                var stepped: Int32
                repeat { stepped = sqlite3_step(statement) } while stepped == SQLITE_ROW
                let error = stepped == SQLITE_DONE ? nil : failure(sql, stepped)
                sqlite3_finalize(statement)
                if let error { return (index, error) }
                index += 1
            }
            return nil
        }
    }

    @discardableResult
    public func query(_ sql: String, _ parameters: [DatabaseValue]) throws(ApplyError) -> [[DatabaseValue]] {
        let statement = try statement(for: sql)
        defer {
            // A cached statement is reset (ending its read) and kept; any other is finalized.
            if prepared[sql] == statement {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            } else {
                sqlite3_finalize(statement)
            }
        }
        for (i, value) in parameters.enumerated() {
            let index = Int32(i + 1)
            let code: Int32 = switch value {
            case .null: sqlite3_bind_null(statement, index)
            case .integer(let v): sqlite3_bind_int64(statement, index, v)
            case .double(let v): sqlite3_bind_double(statement, index, v)
            case .text(let v): Self.bindText(v, to: statement, at: index)
            case .blob(let v): v.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
            }
            guard code == SQLITE_OK else { throw failure(sql, code) }
        }
        var rows: [[DatabaseValue]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw failure(sql, code) }
            let columns = sqlite3_column_count(statement)
            var row: [DatabaseValue] = []
            row.reserveCapacity(Int(columns))
            for c in 0..<columns {
                switch sqlite3_column_type(statement, c) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, c)))
                case SQLITE_FLOAT: row.append(.double(sqlite3_column_double(statement, c)))
                case SQLITE_TEXT: row.append(.text(String(cString: sqlite3_column_text(statement, c))))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(statement, c))
                    let bytes = sqlite3_column_blob(statement, c).map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
                    row.append(.blob(bytes))
                default: row.append(.null)
                }
            }
            rows.append(row)
        }
    }

    public func placeholder(_ n: Int) -> String { "?\(n)" }

    /// SQLite's data version of the main database (SQLITE_FCNTL_DATA_VERSION): the pager's
    /// count of changes to the file, this connection's commits included; another
    /// connection's commit is counted when this one next locks the file (BEGIN IMMEDIATE).
    public func dataVersion() -> UInt32? {
        var version: UInt32 = 0
        return sqlite3_file_control(handle, "main", SQLITE_FCNTL_DATA_VERSION, &version) == SQLITE_OK ? version : nil
    }

    /// Binds `text` with its byte count, straight from the string's storage (no C string is
    /// made, and a NUL inside the text is kept).
    private static func bindText(_ text: String, to statement: OpaquePointer, at index: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return sqlite3_bind_text(statement, index, "", 0, SQLITE_TRANSIENT) }
            return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(statement, index, $0, Int32(bytes.count), SQLITE_TRANSIENT)
            }
        }
    }

    /// The cached statement for `sql`, else a new one (cached while there is room). SQLite
    /// prepares a cached statement again by itself when the schema has changed.
    private func statement(for sql: String) throws(ApplyError) -> OpaquePointer {
        if let cached = prepared[sql] { return cached }
        var statement: OpaquePointer?
        let keep = prepared.count < Self.preparedLimit
        let code = sql.utf8CString.withUnsafeBufferPointer {
            sqlite3_prepare_v3(handle, $0.baseAddress, Int32($0.count - 1), keep ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &statement, nil)
        }
        guard code == SQLITE_OK else {
            sqlite3_finalize(statement)
            throw failure(sql, code)
        }
        guard let statement else { throw ApplyError(.statement, "no SQL statement to run", statement: sql) }
        if keep { prepared[sql] = statement }
        return statement
    }

    private func failure(_ sql: String, _ code: Int32) -> ApplyError {
        ApplyError(.statement, String(cString: sqlite3_errmsg(handle)), statement: sql, code: "\(code)")
    }
}

import CLibPQ

extension PostgresDatabase {
    /// Runs `sql` (statements without parameters) in one message, as `query` does, but returns
    /// the rows of its first statement (nil when that one failed) with the first error of any:
    /// the trace reads a statement's locks and commits in one round trip.
    func firstRows(_ sql: String) -> (rows: [[DatabaseValue]]?, error: ApplyError?) {
        guard PQsendQuery(connection, sql) == 1 else {
            return (nil, ApplyError(.connection, url.scrub(Self.tidy(String(cString: PQerrorMessage(connection)))), statement: sql))
        }
        var rows: [[DatabaseValue]]?
        var failure: ApplyError?
        var first = true
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                if first { rows = Self.rows(of: result) }
            case PGRES_EMPTY_QUERY:
                break
            default:
                if failure == nil {
                    let message = Self.serverMessage(result) ?? String(cString: PQresultErrorMessage(result))
                    let code = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
                    failure = ApplyError(.statement, url.scrub(Self.tidy(message)), statement: sql, code: code)
                }
            }
            first = false
        }
        return (rows, failure)
    }

    /// A result's rows, typed as `query` types them.
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
                case 20, 21, 23: row.append(Int64(text).map(DatabaseValue.integer) ?? .text(text))
                case 700, 701: row.append(Double(text).map(DatabaseValue.double) ?? .text(text))
                case 16: row.append(.integer(text == "t" ? 1 : 0))
                default: row.append(.text(text))
                }
            }
            rows.append(row)
        }
        return rows
    }
}

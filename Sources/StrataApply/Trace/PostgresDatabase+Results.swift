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
                if failure == nil { failure = error(of: result, sql) }
            }
            first = false
        }
        return (rows, failure)
    }
}

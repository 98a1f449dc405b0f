import Foundation
import StrataCore

/// A database problem, as users see it. Messages never hold a password: URLs in them are
/// redacted (`DatabaseURL.redacted`) and driver messages are scrubbed of the password.
public struct ApplyError: Error, LocalizedError, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The database URL cannot be used (scheme, syntax).
        case invalidURL
        /// Connecting failed: unreachable host, wrong credentials, missing database or file.
        case connection
        /// A statement failed.
        case statement
        /// The operation does not apply to the database's state (exit 1, nothing changed).
        case refused
        /// This Strata cannot use the tracking tables: no schema to keep them in, a tracking
        /// schema from a newer Strata, or tables that are not its tracking schema.
        case trackingTables
        /// A backup could not be written, read, restored or checked: its files, or the
        /// PostgreSQL client programs (pg_dump, pg_restore, psql) that take and restore it.
        case backup
        /// The event log (`--log-json`) or the metrics file (`--output`) cannot be written.
        case monitoringFile
        /// A migration file could not be read (`up` reading the files while it runs).
        case migrationFile
    }

    public var kind: Kind
    public var message: String
    /// The SQL that failed, when a statement failed.
    public var statement: String?
    /// SQLSTATE (PostgreSQL) or the result code (SQLite), when known.
    public var code: String?

    public init(_ kind: Kind, _ message: String, statement: String? = nil, code: String? = nil) {
        self.kind = kind
        self.message = message
        self.statement = statement
        self.code = code
    }

    public var errorDescription: String? { message }
}

extension ApplyError: UserError {
    /// A refused operation changed nothing (exit 1); every other kind is a database, file or
    /// configuration problem (exit 2).
    public var exitStatus: ExitStatus { kind == .refused ? .refused : .environment }
    public var userMessage: String { message }
}

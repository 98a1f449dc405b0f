import StrataSyntax

/// What `strata trace` saw PostgreSQL do, migration by migration and statement by statement:
/// the locks each statement took on objects that existed before its migration, the tables and
/// indexes it rewrote (their relfilenode changed), what it created, altered or dropped, and how
/// long it took. Values only: `Tracer` fills them in, the CLI and reporters print them.
public struct TraceReport: Sendable, Equatable {
    public var migrations: [TracedMigration]
    /// The server the trace ran on (`15.18`).
    public var serverVersion: String
    /// Rows added to each table before the traced migrations ran (`--rows`), 0 when none.
    public var rowsPerTable: Int

    public init(migrations: [TracedMigration] = [], serverVersion: String = "", rowsPerTable: Int = 0) {
        self.migrations = migrations
        self.serverVersion = serverVersion
        self.rowsPerTable = rowsPerTable
    }
}

public struct TracedMigration: Sendable, Equatable {
    public var id: String
    /// The file as the user named it (relative to the working directory where it can be).
    public var file: String
    /// Ran in a transaction of its own (false: marked non-transactional, each statement on
    /// its own; locks are then read while each statement's own transaction is open where the
    /// statement may run in one, and not at all where it may not: `TracedStatement.locksSeen`).
    public var transactional: Bool
    /// Only built the schema (older than `--git-diff REF`): run, not reported.
    public var reported: Bool
    public var statements: [TracedStatement]
    /// Where it failed, when it did: the trace stops there (later migrations depend on it).
    public var error: String?
    /// Where in the file PostgreSQL placed the failure (or where the failing statement starts).
    public var errorPosition: SourcePosition?

    public init(id: String, file: String, transactional: Bool, reported: Bool = true,
                statements: [TracedStatement] = [], error: String? = nil) {
        self.id = id
        self.file = file
        self.transactional = transactional
        self.reported = reported
        self.statements = statements
        self.error = error
    }
}

public struct TracedStatement: Sendable, Equatable {
    /// Where the statement starts in the file.
    public var start: SourcePosition
    public var sql: String
    public var durationMilliseconds: Double
    /// New locks on objects that existed before the migration, in the order PostgreSQL listed
    /// them (by object, then mode strength).
    public var locks: [TracedLock]
    /// `schema.table` (or `schema.index`) whose storage was rewritten.
    public var rewrites: [String]
    public var changes: [SchemaChange]
    /// False when the statement could not run inside a transaction (CREATE INDEX
    /// CONCURRENTLY...), so its locks were released before they could be read.
    public var locksSeen: Bool
    /// The session's lock_timeout in milliseconds while the statement ran (0: none): a strong
    /// lock taken with a timeout fails fast instead of queueing every query behind it.
    public var lockTimeoutMilliseconds: Int = 0

    public init(start: SourcePosition, sql: String, durationMilliseconds: Double, locks: [TracedLock] = [],
                rewrites: [String] = [], changes: [SchemaChange] = [], locksSeen: Bool = true) {
        self.start = start
        self.sql = sql
        self.durationMilliseconds = durationMilliseconds
        self.locks = locks
        self.rewrites = rewrites
        self.changes = changes
        self.locksSeen = locksSeen
    }

    public var line: Int { start.line }
}

public struct TracedLock: Sendable, Equatable, Hashable {
    public var schema: String
    public var object: String
    /// `table`, `index`, `sequence`, `view`, `materialized view`, `partitioned table`, ...
    public var kind: String
    /// As PostgreSQL names it: `AccessExclusiveLock`, `ShareLock`, `RowExclusiveLock`...
    public var mode: String

    public init(schema: String, object: String, kind: String, mode: String) {
        self.schema = schema
        self.object = object
        self.kind = kind
        self.mode = mode
    }

    /// `schema.object`.
    public var qualifiedName: String { "\(schema).\(object)" }

    /// The mode as a strength to compare; nil for a name PostgreSQL does not give a table lock.
    public var lockMode: PostgresLockMode? { PostgresLockMode(name: mode) }
}

/// One thing a statement created, altered or dropped, as the catalog showed it.
public struct SchemaChange: Sendable, Equatable, Hashable {
    public enum Action: String, Sendable { case created, altered, dropped }
    /// `table`, `column`, `index`, `constraint`, `sequence`, `view`...
    public var kind: String
    public var action: Action
    /// As a user writes it: `public.users`, `public.users.nickname`, `public.idx_users_email`.
    public var object: String
    /// What changed, for `altered` (`type integer -> bigint`, `not null added`), else the
    /// definition when there is one short enough to show (`text not null`).
    public var detail: String?

    public init(kind: String, action: Action, object: String, detail: String? = nil) {
        self.kind = kind
        self.action = action
        self.object = object
        self.detail = detail
    }
}

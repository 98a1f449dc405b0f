import Foundation
import StrataCore

/// Something `up`, `rollback`, `repair` or `backup` did, told as it happens: the applier hands
/// each to `Applier.onEvent`, and the command adds its own (a run starting and ending, a
/// refusal, a backup). `EventLog` writes them as JSON lines for log shippers.
public struct ApplyEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Encodable {
        case runStarted = "run_started"
        /// The run's end: `outcome` (`ok`, `refused` or `failed`), `exit_code`, `applied`,
        /// `rolled_back`, `error`.
        case runFinished = "run_finished"
        /// `up` refused (`reasons`): its plan (nothing applied), or a migration it
        /// reached that another run left failed or interrupted (what it applied before stays).
        case refused
        case migrationStarted = "migration_started"
        /// Applied and committed.
        case applied
        /// A statement failed (`error`): in a transaction nothing was kept; outside
        /// one the row is left `failed` for `strata repair`.
        case failed
        /// A statement waited longer than the lock timeout for a table's lock (PostgreSQL): the
        /// attempt (`attempt` of `attempts`) was rolled back, or outside a transaction the
        /// statement cancelled, and it runs again after `wait_ms`; `table` when PostgreSQL named
        /// it, `error` the database's words. A last attempt that fails is `failed`.
        case lockTimeout = "lock_timeout"
        /// Another run applied it first.
        case alreadyApplied = "already_applied"
        case rollbackStarted = "rollback_started"
        case rolledBack = "rolled_back"
        case rollbackFailed = "rollback_failed"
        case alreadyRolledBack = "already_rolled_back"
        case repaired
        /// `strata mark-applied`: recorded as applied, not run (`file`, `checksum`).
        case markedApplied = "marked_applied"
        case backupCreated = "backup_created"
        case backupRestored = "backup_restored"
    }

    /// What else an event says, each on its line of the log by the key its `CodingKeys` give
    /// (a nil one is left out); never a password.
    public struct Details: Encodable, Sendable, Equatable {
        /// `run_started`: the release that wrote the log.
        public var strataVersion: String?
        /// `refused`: why, one reason a line.
        public var reasons: String?
        /// The migration's file (`migration_started`, `marked_applied`) or the backup's.
        public var file: String?
        /// Whether it runs in a transaction (`migration_started`, `rollback_started`).
        public var transaction: Bool?
        /// The error's first line (`failed`, `rollback_failed`, `run_finished`).
        public var error: String?
        /// `rolled_back`: its risk, whether `--force` ran it, why, and the backup taken.
        public var risk: String?
        public var forced: Bool?
        public var reason: String?
        public var backupPath: String?
        /// `marked_applied`: the checksum recorded.
        public var checksum: String?
        /// `repaired`: `applied` or `retry`.
        public var action: String?
        /// `backup_created`, `backup_restored`: the backup's size, SHA-256 and how many applied
        /// migrations it holds.
        public var sizeBytes: Int64?
        public var sha256: String?
        public var appliedMigrations: Int?
        /// `run_finished`: `ok`, `refused` or `failed`; the exit code; how many migrations were
        /// applied and rolled back.
        public var outcome: String?
        public var exitCode: Int32?
        public var applied: Int?
        public var rolledBack: Int?
        /// `lock_timeout`: which attempt failed, of how many at most, how long until the next
        /// one, and the table PostgreSQL named (when it did).
        public var attempt: Int?
        public var attempts: Int?
        public var waitMilliseconds: Int64?
        public var table: String?

        enum CodingKeys: String, CodingKey {
            case reasons, file, transaction, error, risk, forced, reason, checksum, action, sha256, outcome, applied
            case strataVersion = "strata_version", backupPath = "backup_path", sizeBytes = "size_bytes"
            case appliedMigrations = "applied_migrations", exitCode = "exit_code", rolledBack = "rolled_back"
            case attempt, attempts, table, waitMilliseconds = "wait_ms"
        }

        public init(strataVersion: String? = nil, reasons: String? = nil, file: String? = nil, transaction: Bool? = nil,
                    error: String? = nil, risk: String? = nil, forced: Bool? = nil, reason: String? = nil, backupPath: String? = nil,
                    checksum: String? = nil, action: String? = nil, sizeBytes: Int64? = nil, sha256: String? = nil,
                    appliedMigrations: Int? = nil, outcome: String? = nil, exitCode: Int32? = nil, applied: Int? = nil,
                    rolledBack: Int? = nil, attempt: Int? = nil, attempts: Int? = nil, waitMilliseconds: Int64? = nil,
                    table: String? = nil) {
            self.strataVersion = strataVersion
            self.reasons = reasons
            self.file = file
            self.transaction = transaction
            self.error = error
            self.risk = risk
            self.forced = forced
            self.reason = reason
            self.backupPath = backupPath
            self.checksum = checksum
            self.action = action
            self.sizeBytes = sizeBytes
            self.sha256 = sha256
            self.appliedMigrations = appliedMigrations
            self.outcome = outcome
            self.exitCode = exitCode
            self.applied = applied
            self.rolledBack = rolledBack
            self.attempt = attempt
            self.attempts = attempts
            self.waitMilliseconds = waitMilliseconds
            self.table = table
        }
    }

    public var kind: Kind
    public var time: Date
    public var migration: String?
    public var durationMilliseconds: Int64?
    public var details: Details

    public init(_ kind: Kind, migration: String? = nil, durationMilliseconds: Int64? = nil,
                details: Details = Details(), time: Date = Date()) {
        self.kind = kind
        self.time = time
        self.migration = migration
        self.durationMilliseconds = durationMilliseconds
        self.details = details
    }

    /// The first line of an error's message: the place and the database's words, without the
    /// SQL the message quotes after them (a statement may hold values that belong in no log).
    public static func summary(of error: ApplyError) -> String {
        String(error.message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }
}

extension ApplyEvent {
    /// `backup_created`: the file, its size, SHA-256 and how many applied migrations it holds.
    public static func backupCreated(_ backup: BackupRecord, milliseconds: Int64) -> ApplyEvent {
        ApplyEvent(.backupCreated, durationMilliseconds: milliseconds, details: details(of: backup))
    }

    /// `backup_restored`: the same, of the backup that replaced the database.
    public static func backupRestored(_ backup: BackupRecord, milliseconds: Int64) -> ApplyEvent {
        ApplyEvent(.backupRestored, durationMilliseconds: milliseconds, details: details(of: backup))
    }

    private static func details(of backup: BackupRecord) -> Details {
        Details(file: backup.path, sizeBytes: backup.manifest.size, sha256: backup.manifest.sha256,
                appliedMigrations: backup.manifest.appliedMigrations.count)
    }
}

import Foundation

/// Something `up`, `rollback`, `repair` or `backup` did, told as it happens: the applier hands
/// each to `Applier.onEvent`, and the command adds its own (a run starting and ending, a
/// refusal, a backup). `EventLog` writes them as JSON lines for log shippers.
public struct ApplyEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case runStarted = "run_started"
        /// The run's end: `outcome` (`ok`, `refused` or `failed`), `exit_code`, `applied`,
        /// `rolled_back`, `error`.
        case runFinished = "run_finished"
        /// `up` refused (`details["reasons"]`): its plan (nothing applied), or a migration it
        /// reached that another run left failed or interrupted (what it applied before stays).
        case refused
        case migrationStarted = "migration_started"
        /// Applied and committed.
        case applied
        /// A statement failed (`details["error"]`): in a transaction nothing was kept; outside
        /// one the row is left `failed` for `strata repair`.
        case failed
        /// Another run applied it first.
        case alreadyApplied = "already_applied"
        case rollbackStarted = "rollback_started"
        case rolledBack = "rolled_back"
        case rollbackFailed = "rollback_failed"
        case alreadyRolledBack = "already_rolled_back"
        case repaired
        /// `strata mark-applied`: recorded as applied, not run (`details["file"]`, `details["checksum"]`).
        case markedApplied = "marked_applied"
        case backupCreated = "backup_created"
        case backupRestored = "backup_restored"
    }

    /// A detail's value: JSON text, a whole number or a boolean.
    public enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int64)
        case bool(Bool)
    }

    public var kind: Kind
    public var time: Date
    public var migration: String?
    public var durationMilliseconds: Int64?
    /// What else there is to say (`reason`, `risk`, `error`, `file`...); never a password.
    public var details: [String: Value]

    public init(_ kind: Kind, migration: String? = nil, durationMilliseconds: Int64? = nil,
                details: [String: Value] = [:], time: Date = Date()) {
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

    private static func details(of backup: BackupRecord) -> [String: Value] {
        ["file": .text(backup.path), "size_bytes": .integer(backup.manifest.size), "sha256": .text(backup.manifest.sha256),
         "applied_migrations": .integer(Int64(backup.manifest.appliedMigrations.count))]
    }
}

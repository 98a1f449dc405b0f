import Foundation
import StrataCore

/// What `strata metrics` reports about one database: its migrations by state, slow ones, the
/// last apply, rollbacks and the latest backup, read once, as Prometheus text or JSON.
public struct MigrationMetrics: Sendable, Equatable {
    /// The last migration applied (from the history: a migration rolled back since still
    /// counts, since the apply happened).
    public struct LastApply: Encodable, Sendable, Equatable {
        public var migration: String
        /// ISO-8601 UTC with milliseconds, and the same as Unix seconds.
        public var at: String
        public var timestamp: Double
        public var milliseconds: Int64

        enum CodingKeys: String, CodingKey {
            case migration, at, timestamp, milliseconds = "duration_ms"
        }
    }

    public struct LatestBackup: Encodable, Sendable, Equatable {
        public var file: String
        public var createdAt: String
        public var timestamp: Double
        public var ageSeconds: Double

        enum CodingKeys: String, CodingKey {
            case file, timestamp, createdAt = "created_at", ageSeconds = "age_seconds"
        }
    }

    /// The database's URL, password as `***`: the `database` label of every sample.
    public var database: String
    public var counts: [MigrationState.Kind: Int]
    public var slowMilliseconds: Int64
    /// Migrations whose recorded run took longer than `slowMilliseconds`, in status order.
    public var slow: [String]
    public var lastApply: LastApply?
    public var rollbacks: Int
    /// Attempts that failed on a lock timeout and were tried again (PostgreSQL's lock_timeout,
    /// `postgres.lock_retries`), as recorded in the database.
    public var lockRetries: Int
    /// Usable backups of this database in the backups folder (same kind and database name).
    public var backups: Int
    public var latestBackup: LatestBackup?

    /// The states every migration can be in, in the order they are reported.
    public static let states: [MigrationState.Kind] = [.applied, .pending, .failed, .changed, .missing]

    /// Reads the database (status, history) and the backups folder, never writing to either.
    public static func collect(_ applier: Applier, url: DatabaseURL, backups store: BackupStore,
                               slowMilliseconds: Int64, now: Date = Date()) throws(ApplyError) -> MigrationMetrics {
        let states = try applier.status()
        let history = try applier.history()
        let name = try databaseName(applier.database, url)
        let ours = try store.list().backups.filter { $0.manifest.databaseKind == url.dialect.rawValue && $0.manifest.databaseName == name }
        return MigrationMetrics(states: states, history: history, backups: ours, database: url.redacted,
                                slowMilliseconds: slowMilliseconds, now: now)
    }

    /// From what was read: `backups` newest first.
    public init(states: [MigrationState], history: History, backups: [BackupRecord], database: String,
                slowMilliseconds: Int64, now: Date) {
        self.database = database
        self.slowMilliseconds = slowMilliseconds
        counts = Dictionary(grouping: states, by: \.kind).mapValues(\.count)
        slow = states.filter { $0.isSlow(above: slowMilliseconds) }.map(\.id)
        lastApply = history.events.last { $0.kind == .applied }.map { event in
            LastApply(migration: event.migrationID, at: event.occurredAt, timestamp: Ledger.date(event.occurredAt)?.timeIntervalSince1970 ?? 0,
                      milliseconds: event.executionMilliseconds ?? 0)
        }
        rollbacks = history.events.filter { $0.kind == .rolledBack }.count
        lockRetries = history.events.filter { $0.kind == .lockTimeout }.count
        self.backups = backups.count
        latestBackup = backups.first.map { backup in
            let created = Ledger.date(backup.manifest.createdAt) ?? now
            return LatestBackup(file: backup.fileName, createdAt: backup.manifest.createdAt, timestamp: created.timeIntervalSince1970,
                                ageSeconds: max(0, now.timeIntervalSince(created)))
        }
    }

    /// The name `BackupStore` gives this database in its manifests: the SQLite file's name
    /// without its extension, PostgreSQL's `current_database()`.
    static func databaseName(_ database: any Database, _ url: DatabaseURL) throws(ApplyError) -> String {
        switch url.target {
        case .sqlite(let path): ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        case .postgres: try database.query("SELECT current_database()").first?.first?.text ?? ""
        }
    }

    // MARK: - Prometheus

    /// The Prometheus text format; families without a value (no apply yet, no backup) have
    /// their HELP and TYPE lines and no sample.
    public func prometheus() -> String {
        var text = PrometheusText()
        let label = ["database": database]
        text.family("strata_migrations", .gauge, help: "Migrations by state: applied, pending, failed (stopped midway), changed (edited after it was applied), missing (applied, file gone).")
        for state in Self.states { text.sample("strata_migrations", label.merging(["state": state.rawValue]) { a, _ in a }, Double(counts[state] ?? 0)) }
        text.family("strata_slow_migrations", .gauge, help: "Migrations whose recorded run took longer than monitoring.slow_ms.")
        text.sample("strata_slow_migrations", label, Double(slow.count))
        text.family("strata_slow_threshold_seconds", .gauge, help: "monitoring.slow_ms of strata.yml, in seconds.")
        text.sample("strata_slow_threshold_seconds", label, Double(slowMilliseconds) / 1000)
        text.family("strata_last_apply_timestamp_seconds", .gauge, help: "When the last migration was applied, in Unix time. No sample when none was ever applied.")
        if let lastApply { text.sample("strata_last_apply_timestamp_seconds", label, lastApply.timestamp) }
        text.family("strata_last_apply_duration_seconds", .gauge, help: "How long the last migration applied took to run. No sample when none was ever applied.")
        if let lastApply { text.sample("strata_last_apply_duration_seconds", label, Double(lastApply.milliseconds) / 1000) }
        text.family("strata_rollbacks_total", .counter, help: "Migrations rolled back, as recorded in the database.")
        text.sample("strata_rollbacks_total", label, Double(rollbacks))
        text.family("strata_lock_retries_total", .counter, help: "Migration attempts that failed on a lock timeout and were tried again, as recorded in the database.")
        text.sample("strata_lock_retries_total", label, Double(lockRetries))
        text.family("strata_backups", .gauge, help: "Usable backups of this database in the backups folder.")
        text.sample("strata_backups", label, Double(backups))
        text.family("strata_latest_backup_timestamp_seconds", .gauge, help: "When the latest backup of this database was taken, in Unix time. No sample when there is no backup.")
        if let latestBackup { text.sample("strata_latest_backup_timestamp_seconds", label, latestBackup.timestamp) }
        text.family("strata_latest_backup_age_seconds", .gauge, help: "Age of the latest backup of this database when the metrics were taken. No sample when there is no backup.")
        if let latestBackup { text.sample("strata_latest_backup_age_seconds", label, latestBackup.ageSeconds) }
        return text.output
    }

    // MARK: - JSON

    /// The metrics as `strata metrics --format json` prints them (`age_seconds` to the millisecond).
    public func document() -> MetricsDocument {
        var latest = latestBackup
        if let age = latest?.ageSeconds { latest?.ageSeconds = (age * 1000).rounded() / 1000 }
        return MetricsDocument(database: database, migrations: MigrationCounts(counts),
                               slow: .init(thresholdMilliseconds: slowMilliseconds, migrations: slow), lastApply: lastApply,
                               rollbacks: rollbacks, lockRetries: lockRetries, backups: .init(count: backups, latest: latest))
    }
}

/// `strata metrics --format json`: the same facts as the Prometheus text, `timestamp`s in Unix
/// seconds; `last_apply` and `backups.latest` are `null` when there is none.
public struct MetricsDocument: Encodable, Sendable, Equatable {
    public struct Slow: Encodable, Sendable, Equatable {
        public var thresholdMilliseconds: Int64
        public var migrations: [String]

        enum CodingKeys: String, CodingKey {
            case migrations, thresholdMilliseconds = "threshold_ms"
        }
    }

    public struct Backups: Encodable, Sendable, Equatable {
        public var count: Int
        @ExplicitNull public var latest: MigrationMetrics.LatestBackup?
    }

    public var database: String
    public var migrations: MigrationCounts
    public var slow: Slow
    @ExplicitNull public var lastApply: MigrationMetrics.LastApply?
    public var rollbacks: Int
    public var lockRetries: Int
    public var backups: Backups

    enum CodingKeys: String, CodingKey {
        case database, migrations, slow, rollbacks, backups, lastApply = "last_apply", lockRetries = "lock_retries"
    }
}

/// How many migrations are in each state, every state named (0 when none).
public struct MigrationCounts: Encodable, Sendable, Equatable {
    public var applied: Int
    public var pending: Int
    public var failed: Int
    public var changed: Int
    public var missing: Int

    public init(_ counts: [MigrationState.Kind: Int]) {
        applied = counts[.applied] ?? 0
        pending = counts[.pending] ?? 0
        failed = counts[.failed] ?? 0
        changed = counts[.changed] ?? 0
        missing = counts[.missing] ?? 0
    }
}

extension MigrationState {
    /// Whether its recorded run took longer than `milliseconds` (a pending one has none).
    public func isSlow(above milliseconds: Int64) -> Bool { (executionMilliseconds ?? 0) > milliseconds }
}

extension Ledger {
    /// The moment a timestamp of the tracking tables (`2026-12-02T09:14:03.512Z`) names.
    public static func date(_ timestamp: String) -> Date? {
        let digits = Array(timestamp.utf8)
        guard digits.count >= 20, digits[4] == UInt8(ascii: "-"), digits[10] == UInt8(ascii: "T") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int32? { Int32(String(decoding: digits[from..<from + count], as: UTF8.self)) }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        let milliseconds = digits.count >= 24 && digits[19] == UInt8(ascii: ".") ? number(20, 3) ?? 0 : 0
        return Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000)
    }
}

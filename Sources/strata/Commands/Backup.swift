import ArgumentParser
import Foundation
import StrataApply
import StrataCore
import StrataProject

/// `strata backup --create | --list | --restore FILE [--yes]`, and the same as subcommands
/// (`backup create`, `backup list`, `backup restore FILE`).
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take, list and restore database backups.",
        discussion: """
            Backups go to the backups folder (--dir, else backups.directory in strata.yml, else \
            ./backups) as backup_<database>_<UTC time>.sqlite (SQLite's online backup) or .dump \
            (pg_dump custom format; PostgreSQL needs pg_dump, pg_restore and psql), mode 0600, each \
            with a .manifest.json holding its SHA-256 and applied migrations. A restore verifies the \
            SHA-256, replaces the whole database, and checks __migrations__ against the manifest. \
            Exit 1 when a restore is refused (corrupted file, no manifest, outside the backups \
            folder without --yes, another kind of database): nothing is restored.

            Examples:
              strata backup create
              strata backup list --format json
              strata backup restore backup_app_20260105T091244Z.sqlite
            """,
        subcommands: [Create.self, List.self, Restore.self])

    @Flag(name: .long, help: "Take a backup.")
    var create = false

    @Flag(name: .long, help: "List the backups, newest first.")
    var list = false

    @Option(name: .long, help: ArgumentHelp("Restore this backup: a file name in the backups folder, or a path.", valueName: "FILE"))
    var restore: String?

    @Flag(name: .long, help: "With --restore: restore a file outside the backups folder.")
    var yes = false

    @OptionGroup var output: FormatOptions

    @OptionGroup var options: BackupOptions

    func run() throws {
        // Checked here, not in validate(): the parser validates this command on the way to a
        // subcommand too, where none of these flags is given.
        guard [create, list, restore != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("say what to do: --create, --list or --restore FILE (or: backup create | list | restore FILE)")
        }
        if yes, restore == nil { throw ValidationError("--yes goes with --restore FILE") }
        if output.isJSON, !list { throw ValidationError("--format json goes with --list") }
        if create { try options.create() }
        if list { try options.list(json: output.isJSON) }
        if let restore { try options.restore(restore, outsideAllowed: yes) }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Take a backup.",
            discussion: """
            Examples:
              strata backup create
              strata backup create --dir /var/backups/strata
            """)
        @OptionGroup var options: BackupOptions
        func run() throws { try options.create() }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the backups, newest first.",
            discussion: """
            Examples:
              strata backup list
              strata backup list --format json
            """)
        @OptionGroup var output: FormatOptions
        @OptionGroup var options: BackupOptions
        func run() throws { try options.list(json: output.isJSON) }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore", abstract: "Verify a backup and restore it, replacing the whole database.",
            discussion: """
            Examples:
              strata backup restore backup_app_20260105T091244Z.sqlite
              strata backup restore /mnt/old/backup_app_20260105T091244Z.sqlite --yes
            """)
        @Argument(help: ArgumentHelp("A file name in the backups folder, or a path.", valueName: "FILE"))
        var file: String
        @Flag(name: .long, help: "Restore a file outside the backups folder.")
        var yes = false
        @OptionGroup var options: BackupOptions
        func run() throws { try options.restore(file, outsideAllowed: yes) }
    }
}

/// The options every form of `strata backup` takes, and what each form does.
struct BackupOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: the nearest strata.yml above the working directory).")
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Backups folder (default: backups.directory in strata.yml, else ./backups).", valueName: "FOLDER"))
    var dir: String?

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var log: LogOptions

    /// The store for the configured folder, with the database options' waits.
    private func store(_ context: Project) throws -> BackupStore {
        var store = BackupStore(directory: dir ?? context.configuration.backupsDirectory)
        store.lockTimeout = try database.lockTimeoutDuration
        store.connectWait = try database.waitDuration
        return store
    }

    /// The configuration, read as every command reads it (`--config`, else the nearest strata.yml).
    private func context() throws -> Project {
        try Project(ProjectOptions.parse(config.map { ["--config", $0] } ?? []))
    }

    func create() throws {
        let context = try context()
        let url = try database.url(context)
        try RunLog.open(log.logJSON, command: "backup create", url: url)
        let store = try store(context)
        print("database: \(url.redacted)")
        let started = ContinuousClock.now
        let backup = try perform(store, context) { () throws(ApplyError) in try store.create(url: url) }
        RunLog.record(.backupCreated(backup, milliseconds: milliseconds(since: started)))
        let applied = backup.manifest.appliedMigrations
        print("created \(Self.display(backup.path, context)) (\(Self.size(backup.manifest.size)), \(Self.migrations(applied)))")
        print("sha256 \(backup.manifest.sha256)")
    }

    func list(json: Bool) throws {
        // Listing changes nothing, so there is nothing to log.
        if log.logJSON != nil { throw ValidationError("--log-json goes with create and restore, not list") }
        let context = try context()
        let store = try store(context)
        let found = try perform(store, context) { () throws(ApplyError) in try store.list() }
        let folder = Self.display(store.directory, context)
        if json { return try JSONDocument.print(found.document(folder: folder)) }
        guard !found.backups.isEmpty || !found.unusable.isEmpty else {
            print("no backups in \(folder)")
            return
        }
        print("\(found.backups.count) backup\(found.backups.count == 1 ? "" : "s") in \(folder), newest first:")
        let width = found.backups.map(\.fileName.count).max() ?? 0
        for backup in found.backups {
            let manifest = backup.manifest
            let name = backup.fileName.padding(toLength: width, withPad: " ", startingAt: 0)
            let kind = manifest.databaseKind.padding(toLength: 10, withPad: " ", startingAt: 0)
            let size = Self.size(manifest.size).padding(toLength: 9, withPad: " ", startingAt: 0)
            print("\(name)  \(manifest.createdAt)  \(kind)  \(size)  \(Self.migrations(manifest.appliedMigrations))")
        }
        for (path, reason) in found.unusable {
            print("\((path as NSString).lastPathComponent)  cannot be restored: \(reason)")
        }
    }

    func restore(_ file: String, outsideAllowed: Bool) throws {
        let context = try context()
        let url = try database.url(context)
        try RunLog.open(log.logJSON, command: "backup restore", url: url)
        let store = try store(context)
        // A file outside the folder is refused unless --yes: say so with the refusal.
        let outside = !outsideAllowed && !store.contains(store.path(for: file))
        let backup = try perform(store, context, hint: outside ? "pass --yes to restore it anyway" : nil) { () throws(ApplyError) in
            try store.locate(file, allowOutside: outsideAllowed)
        }
        print("database: \(url.redacted)")
        let started = ContinuousClock.now
        let report = try perform(store, context) { () throws(ApplyError) in try store.restore(backup, to: url) }
        RunLog.record(.backupRestored(backup, milliseconds: milliseconds(since: started)))
        print("verified \(Self.display(backup.path, context)): its SHA-256 matches the manifest")
        print("restored it (taken \(backup.manifest.createdAt)); \(Ledger.table) matches the manifest: \(Self.migrations(report.appliedMigrations))")
    }

    /// Runs library code: a refusal (only a restore has them) is exit 1 with nothing restored,
    /// other errors exit 2. Files in the backups folder are named as the folder is shown.
    private func perform<T>(_ store: BackupStore, _ context: Project, hint: String? = nil,
                            _ body: () throws(ApplyError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            let folder = Self.display(store.directory, context)
            let message = folder == store.directory ? error.message
                : error.message.replacingOccurrences(of: store.directory + "/", with: folder + "/")
            guard error.kind == .refused else { throw CommandFailure(message) }
            let text = "strata: restore refused, nothing restored: \(message)\(hint.map { "; \($0)" } ?? "")\n"
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode(1)
        }
    }

    /// A path as the user should see it: relative to the working directory when below it.
    private static func display(_ path: String, _ context: Project) -> String {
        Project.relative(path, from: context.workingDirectory)
    }

    /// `3 applied migrations, last 0003_cleanup`.
    static func migrations(_ ids: [String]) -> String {
        switch ids.count {
        case 0: "no applied migrations"
        case 1: "1 applied migration, \(ids[0])"
        default: "\(ids.count) applied migrations, last \(ids[ids.count - 1])"
        }
    }

    /// `812 B`, `24.0 KiB`, `1.3 MiB`.
    static func size(_ bytes: Int64) -> String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        for unit in ["KiB", "MiB", "GiB"] {
            if value < 1024 || unit == "GiB" { return String(format: "%.1f", value) + " " + unit }
            value /= 1024
        }
        return "\(bytes) B"
    }
}

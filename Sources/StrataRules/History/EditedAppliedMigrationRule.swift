import StrataCore
import StrataSyntax

public struct EditedAppliedMigrationRule: Rule {
    public init() {}

    static let applied = ExampleFile.migration("CREATE TABLE users (id INT PRIMARY KEY);", down: "DROP TABLE users;")

    public static let description = RuleDescription(
        id: "edited-applied-migration",
        summary: "A migration that already ran (it is on the protected branch) was edited",
        rationale: """
            Databases that ran the migration before the edit keep the old version; databases \
            created after it get the new one, and nothing tells them apart. Flyway and sqlx notice \
            only at deploy time, goose and dbmate never. An edit that only touches comments or \
            whitespace is reported as a warning; a change to @dependencies, @rollbackSafe or \
            @transaction changes what the applier does and stays an error, as does a change to \
            what a diesel metadata.toml or a Flyway .sql.conf beside the migration says about \
            running it in a transaction (the file is not part of the checksum, so the databases' \
            records would not notice), while @name, @description or @performanceImpact wording \
            is a warning.
            """,
        help: "restore the applied file and put the change in a new migration (`strata new`)",
        defaultSeverity: .error,
        bulkSuppressible: false,
        needsHistory: true,
        readsNonSQLFiles: true,
        triggeringExamples: [
            // The finding points at the first changed statement token, the changed metadata
            // value, or the first changed line.
            Example(applied.replacingOccurrences(of: "id INT PRIMARY KEY", with: "id ↓BIGINT PRIMARY KEY"),
                    fileName: "0001_users.sql", history: ExampleHistory(applied: [("0001_users.sql", applied)])),
            Example(applied.replacingOccurrences(of: "-- DOWN MIGRATION\n", with: "").replacingOccurrences(of: "-- UP MIGRATION", with: "-- UP MIGRATION\n↓-- DOWN MIGRATION"),
                    fileName: "0001_users.sql", history: ExampleHistory(applied: [("0001_users.sql", applied)])),
            Example(applied.replacingOccurrences(of: "@rollbackSafe: true", with: "@rollbackSafe: ↓false"),
                    fileName: "0001_users.sql", history: ExampleHistory(applied: [("0001_users.sql", applied)])),
            Example(applied.replacingOccurrences(of: "CREATE TABLE", with: "↓-- the first table\nCREATE TABLE"),
                    fileName: "0001_users.sql", history: ExampleHistory(applied: [("0001_users.sql", applied)])),
            // Renamed (the same SQL) with a behaviour change on the way: compared with the applied file.
            Example(applied.replacingOccurrences(of: "@rollbackSafe: true", with: "@rollbackSafe: ↓false"),
                    fileName: "0001_accounts.sql", history: ExampleHistory(applied: [("0001_users.sql", applied)])),
        ],
        nonTriggeringExamples: [
            Example(applied, fileName: "0001_users.sql", history: ExampleHistory(applied: [("0001_users.sql", applied)])),
            Example(ExampleFile.migration("CREATE TABLE posts (id INT PRIMARY KEY);", down: "DROP TABLE posts;"),
                    fileName: "0002_posts.sql", earlier: [("0001_users.sql", applied)],
                    history: ExampleHistory(applied: [("0001_users.sql", applied)])),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let file = context.file
        // A renamed applied migration is compared with what it held under its old name: the
        // rename is reported by renamed-applied-migration, an edit besides it here.
        guard let history = context.history,
              let appliedID = history.applied[file.id] != nil ? file.id : history.renamedFrom[file.id],
              let old = history.appliedInput(appliedID, path: file.path, downPath: file.downFile?.path),
              let current = file.source,
              old.content != (file.partContent ?? current.bytes) || old.settingsTransactions != [file.transactionSetting, file.downTransactionSetting].map({ $0?.runsInTransaction })
        else { return [] }
        let since = "it was applied (on \(history.baseName) since \(history.mergeBase))"
        if file.nonSQL != nil {
            // Not SQL: any change of its bytes changes what its tool runs, and its checksum.
            let offset = zip(old.content, current.bytes).prefix { $0 == $1 }.count
            let line = current.position(at: min(offset, current.bytes.count)).line
            return [Violation(at: current.position(at: Self.lineStart(current.bytes, before: offset)),
                              message: "applied migration edited: the file changed from line \(line) since \(since)")]
        }
        let before = file.layout.layout.parse(old, dialect: context.dialect, statements: true)
        guard var edit = MigrationEdit.classify(before: before, after: file) else { return [] }
        // Lines of a separate DOWN file are counted from its own start, as the finding's are.
        if let down = file.downFile, edit.position.offset >= down.offset {
            let shift = down.line - 1
            edit.changedLines = edit.changedLines.map { max(1, $0.lowerBound - shift)...max(1, $0.upperBound - shift) }
            edit.removedAfterLine = edit.removedAfterLine.map { max(0, $0 - shift) }
        }
        switch edit.kind {
        case .sql:
            return [Violation(at: edit.position, message: "applied migration edited: its SQL changed on \(edit.linesDescription) since \(since)")]
        case .behaviourMetadata(let key, let was, let now):
            return [Violation(at: edit.position, message: "applied migration edited: @\(key) changed from \(was ?? "nothing") to \(now ?? "nothing") on \(edit.linesDescription) since \(since)")]
        case .transactionSetting(let down, let was, let now):
            let what = down ? "its undo script's settings file" : "the settings file beside it"
            return [Violation(at: edit.position, message: "applied migration edited: \(what) changed whether it runs in a transaction, from \(was.map { "`\($0)`" } ?? "no setting") to \(now.map { "`\($0)`" } ?? "no setting"), since \(since)",
                              help: "restore the settings file as it was applied; databases that ran the migration ran it the old way, and a new migration can do what the change meant")]
        case .cosmetic:
            return [Violation(at: edit.position, message: "applied migration edited: only comments, whitespace or descriptive metadata changed on \(edit.linesDescription)",
                              help: "harmless to databases, but the file's checksum changes; restore it unless the applier's records are updated",
                              severity: .warning)]
        }
    }

    /// Where the line holding byte `offset` starts.
    static func lineStart(_ bytes: [UInt8], before offset: Int) -> Int {
        var start = min(offset, bytes.count)
        while start > 0, bytes[start - 1] != 0x0A { start -= 1 }
        return start
    }
}

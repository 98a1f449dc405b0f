/// What the repository says about the migrations, for the history rules: which were applied
/// (present at the merge base of the checked commit and the protected branch), what they held
/// then, what the base branch holds now, and what was renamed or deleted since. Built by
/// `StrataGit`; rules only read it. Migrations are keyed by id (the layout's id of their path).
public struct HistoryFacts: Sendable {
    /// How the base was named (`origin/main`) and the merge base's short id, for messages.
    public var baseName: String
    public var mergeBase: String
    /// Applied migrations: id → content at the merge base (`MigrationInput.content`: for a
    /// separate DOWN file, the UP file, a line break and the DOWN file).
    public var applied: [String: [UInt8]]
    /// For applied migrations with a separate DOWN file: where the DOWN file starts in `applied`.
    public var appliedDownOffset: [String: Int] = [:]
    /// The settings files applied migrations had beside them at the merge base (diesel's
    /// `metadata.toml`, Flyway's `.sql.conf`; kept apart from `applied`, as from checksums),
    /// and a Flyway undo script's own.
    public var appliedSettings: [String: MigrationInput.SettingsFile] = [:]
    public var appliedDownSettings: [String: MigrationInput.SettingsFile] = [:]
    /// Ids of the migrations on the base branch's tip (some may be newer than the merge base).
    public var baseTip: Set<String>
    /// Current id → the applied id it was renamed from.
    public var renamedFrom: [String: String]
    /// Applied ids whose file is gone (and was not renamed), with the path to show.
    public var deleted: [String: String]

    public init(baseName: String, mergeBase: String, applied: [String: [UInt8]] = [:], baseTip: Set<String> = [],
                renamedFrom: [String: String] = [:], deleted: [String: String] = [:]) {
        self.baseName = baseName
        self.mergeBase = mergeBase
        self.applied = applied
        self.baseTip = baseTip
        self.renamedFrom = renamedFrom
        self.deleted = deleted
    }

    /// The applied content of `id` as the input its layout parses (the DOWN file split off
    /// again), with the settings files it had.
    public func appliedInput(_ id: String, path: String, downPath: String?) -> MigrationInput? {
        guard let bytes = applied[id] else { return nil }
        guard let offset = appliedDownOffset[id], offset > 0, offset <= bytes.count else {
            return MigrationInput(id: id, path: path, bytes: bytes, settings: appliedSettings[id])
        }
        return MigrationInput(id: id, path: path, bytes: Array(bytes[..<(offset - 1)]),
                              down: .init(path: downPath ?? path, bytes: Array(bytes[offset...]), settings: appliedDownSettings[id]),
                              settings: appliedSettings[id])
    }

    /// Whether a migration is new on this branch: neither applied nor a renamed applied one.
    public func isNew(_ id: String) -> Bool { applied[id] == nil && renamedFrom[id] == nil }

    /// Whether the file differs from what the base knows: new, renamed, or edited.
    public func isNewOrChanged(_ id: String, bytes: [UInt8]) -> Bool {
        guard let old = applied[id] else { return true }
        return old != bytes
    }

    /// Whether the migration differs from what the base knows: new, renamed, its SQL edited,
    /// or its settings files now deciding otherwise whether it runs in a transaction (a
    /// comment added to one changes nothing).
    public func isNewOrChanged(_ input: MigrationInput) -> Bool {
        guard let old = applied[input.id] else { return true }
        return old != input.content || appliedSettingsTransactions(input.id) != input.settingsTransactions
    }

    /// `MigrationInput.settingsTransactions` of the applied migration `id`.
    public func appliedSettingsTransactions(_ id: String) -> [Bool?] {
        [appliedSettings[id]?.readableTransactionSetting?.runsInTransaction,
         appliedDownSettings[id]?.readableTransactionSetting?.runsInTransaction]
    }
}

/// A finding about a file that is not among the files linted (a deleted migration).
public struct ElsewhereViolation: Sendable {
    public var path: String
    public var violation: Violation

    public init(path: String, violation: Violation) {
        self.path = path
        self.violation = violation
    }
}

/// A rule that also reports on migrations that no longer have a file. The engine calls
/// `checkHistory` once per run when history facts are present.
public protocol HistoryRule: Rule {
    func checkHistory(_ history: HistoryFacts) -> [ElsewhereViolation]
}

import CGit2
import Foundation
import StrataCore
import StrataSyntax

/// What `strata check` asks of the repository.
public struct HistoryRequest: Sendable {
    public enum Source: Sendable, Equatable {
        case workingTree
        case index
        case revision(String)
    }

    /// Where the command runs (the repository is found from here).
    public var workingDirectory: String
    /// The migrations folder, absolute.
    public var migrationsDirectory: String
    /// The folder as reports show it (`migrations`).
    public var displayDirectory: String
    public var layout: LayoutKind
    /// How the files are read when a new migration is compared with a deleted applied one.
    public var dialect: Dialect
    /// `--base`, else `history.base` of strata.yml; nil to try the usual names.
    public var base: String?
    public var source: Source
    /// The index `.index` reads instead of the repository's: GIT_INDEX_FILE, which git sets
    /// for pre-commit hooks (see `Repository.indexFile`).
    public var indexFile: String?

    public init(workingDirectory: String, migrationsDirectory: String, displayDirectory: String,
                layout: LayoutKind, dialect: Dialect = .sqlite, base: String?, source: Source, indexFile: String? = nil) {
        self.indexFile = indexFile
        self.dialect = dialect
        self.workingDirectory = workingDirectory
        self.migrationsDirectory = migrationsDirectory
        self.displayDirectory = displayDirectory
        self.layout = layout
        self.base = base
        self.source = source
    }

    /// Tried in order when no base is configured.
    public static let defaultBases = ["origin/HEAD", "origin/main", "origin/master", "main", "master"]
}

/// What the repository told: the content to check and, when a base was found, the history facts.
public struct HistoryContext: Sendable {
    /// The migration files of the checked content, in memory.
    public var inputs: [MigrationInput]
    /// Nil when history is unavailable; `reason` then says why.
    public var facts: HistoryFacts?
    /// Why there is no history (`not inside a git repository`), and what to do about it.
    public var reason: String?
    public var hint: String?

    public init(inputs: [MigrationInput], facts: HistoryFacts?, reason: String? = nil, hint: String? = nil) {
        self.inputs = inputs
        self.facts = facts
        self.reason = reason
        self.hint = hint
    }

    /// What to tell when checking without history.
    public var note: String? {
        reason.map { "\($0): checked without history" + (hint.map { "; \($0)" } ?? "") }
    }

    /// What to tell when history is required (`--require-base`) but unavailable.
    public var missingHistory: String? {
        reason.map { $0 + (hint.map { "; \($0)" } ?? "") }
    }
}

/// Reads the repository through libgit2 (never by running `git`).
public enum HistoryLoader {
    public static func load(_ request: HistoryRequest) throws(GitError) -> HistoryContext {
        let layout = request.layout.layout
        let repository: Repository
        do {
            // The repository holding the migrations, wherever the command runs from.
            let folderExists = FileManager.default.fileExists(atPath: request.migrationsDirectory)
            repository = try Repository(discoveringFrom: folderExists ? request.migrationsDirectory : request.workingDirectory)
        } catch where error.code == GIT_ENOTFOUND.rawValue {
            guard request.source == .workingTree else {
                throw GitError(message: "\(request.source == .index ? "--staged" : "--rev") needs a git repository, and \(request.workingDirectory) is not inside one")
            }
            return HistoryContext(inputs: try workingTreeInputs(request, layout: layout), facts: nil,
                                  reason: "not inside a git repository")
        }
        repository.indexFile = request.indexFile
        guard let workdir = repository.workdir else {
            throw GitError(message: "the repository has no working tree (bare repository)")
        }
        let folder = try relativeFolder(request.migrationsDirectory, in: workdir)

        // The commit whose content is checked (for the merge base) and the content itself.
        let checked: ObjectID?
        let inputs: [MigrationInput]
        var blobIDs: [ObjectID?] = []   // per input, when git already knows it
        switch request.source {
        case .workingTree:
            checked = try repository.headCommit()
            inputs = try workingTreeInputs(request, layout: layout)
            blobIDs = Array(repeating: nil, count: inputs.count)
        case .index:
            checked = try repository.headCommit()
            let staged = try repository.stagedFiles(in: folder, recursive: layout.recursive, include: migrationOrSettings(layout))
            (inputs, blobIDs) = try migrationInputs(staged, request, layout)
        case .revision(let revision):
            guard let commit = try repository.resolveCommit(revision) else {
                throw GitError(message: "unknown revision '\(revision)'\(repository.isShallow ? " (this is a shallow clone: fetch more history)" : "")")
            }
            checked = commit
            let files = try repository.files(in: folder, at: commit, recursive: layout.recursive, include: migrationOrSettings(layout))
            (inputs, blobIDs) = try migrationInputs(files, request, layout)
        }

        func withoutHistory(_ reason: String, hint: String? = nil) -> HistoryContext {
            HistoryContext(inputs: inputs, facts: nil, reason: reason, hint: hint)
        }
        guard let checked else { return withoutHistory("the repository has no commit yet") }
        guard let (baseName, baseTip) = try resolveBase(request.base, in: repository) else {
            let tried = request.base.map { "'\($0)'" } ?? HistoryRequest.defaultBases.joined(separator: ", ")
            // Name the branch to fetch: the configured one (without its remote), else main.
            let branch = request.base.map { $0.hasPrefix("origin/") ? String($0.dropFirst("origin/".count)) : $0 } ?? "main"
            let shallow = repository.isShallow ? "; this is a shallow clone, fetch the base branch (git fetch origin \(branch))" : ""
            return withoutHistory("no base branch found (tried \(tried))\(shallow)", hint: "name one with --base or history.base in strata.yml")
        }
        let found: ObjectID?
        do {
            found = try repository.mergeBase(checked, baseTip)
        } catch where repository.isShallow {
            // libgit2 (before 1.7) ignores .git/shallow: the walk stops at a missing parent.
            return withoutHistory("cannot find where \(baseName) and the checked commit diverge: this is a shallow clone, fetch more history (git fetch --unshallow)")
        }
        guard let mergeBase = found else {
            let shallow = repository.isShallow ? " (this is a shallow clone: fetch more history, e.g. git fetch --unshallow)" : ""
            return withoutHistory("\(baseName) and the checked commit share no history\(shallow)")
        }

        var facts = HistoryFacts(baseName: baseName, mergeBase: mergeBase.short)
        // Applied content: a file whose blob id is the same now is not read again from git.
        var current: [String: (id: ObjectID, bytes: [UInt8])] = [:]
        for (n, input) in inputs.enumerated() where input.down == nil {
            let blob = if let known = blobIDs[n] { known } else { try repository.blobID(of: input.bytes) }
            current[input.id] = (blob, input.bytes)
        }
        let baseFiles = try repository.files(in: folder, at: mergeBase, recursive: layout.recursive,
                                             include: migrationOrSettings(layout), content: false)
        let baseBlobs = Dictionary(baseFiles.map { ($0.path, $0.blob) }, uniquingKeysWith: { a, _ in a })
        var appliedPaths: [String: (up: String, down: String?)] = [:]
        for unit in try grouped(baseFiles.map(\.path).filter(isMigration(layout)), layout) {
            guard let upBlob = baseBlobs[unit.path] else { continue }
            if layout.kind == .liquibaseSQL {
                // Each changeset of the file is a migration applied with its own text.
                let whole = MigrationInput(id: unit.id, path: unit.path, bytes: try repository.blob(upBlob))
                for part in LiquibaseSQLLayout.parts(of: whole) {
                    appliedPaths[part.id] = (unit.path, nil)
                    facts.applied[part.id] = part.content
                }
                continue
            }
            appliedPaths[unit.id] = (unit.path, unit.down?.path)
            // The settings files it had (not part of its content, so not of what is compared
            // byte for byte): what they said is compared on its own (`isNewOrChanged`).
            func settings(_ found: (path: String, format: MigrationInput.SettingsFile.Format)?) throws(GitError) -> MigrationInput.SettingsFile? {
                guard let found, let blob = baseBlobs[found.path] else { return nil }
                return MigrationInput.SettingsFile(format: found.format, path: found.path, bytes: try repository.blob(blob))
            }
            facts.appliedSettings[unit.id] = try settings(layout.kind.settingsPath(besideUpFile: unit.path))
            facts.appliedDownSettings[unit.id] = try unit.down.flatMap { down throws(GitError) in
                try settings(layout.kind.settingsPath(besideDownFile: down.path))
            }
            if let down = unit.down, let downBlob = baseBlobs[down.path] {
                // A separate DOWN file: the content compared is UP, a line break, then DOWN.
                let applied = MigrationInput(id: unit.id, path: unit.path, bytes: try repository.blob(upBlob),
                                             down: .init(path: down.path, bytes: try repository.blob(downBlob)))
                facts.applied[unit.id] = applied.content
                facts.appliedDownOffset[unit.id] = applied.bytes.count + 1
            } else if let now = current[unit.id], now.id == upBlob {
                facts.applied[unit.id] = now.bytes
            } else {
                facts.applied[unit.id] = try repository.blob(upBlob)
            }
        }
        // Usually the branch starts at the base's tip, or the base changed nothing here since.
        if try repository.treeID(of: folder, at: baseTip) == repository.treeID(of: folder, at: mergeBase) {
            facts.baseTip = Set(facts.applied.keys)
        } else {
            if layout.kind == .liquibaseSQL {
                let tipFiles = try repository.files(in: folder, at: baseTip, recursive: layout.recursive, include: isMigration(layout), content: true)
                facts.baseTip = Set(tipFiles.flatMap { file in
                    LiquibaseSQLLayout.parts(of: MigrationInput(id: layout.id(forRelativePath: file.path), path: file.path, bytes: file.bytes)).map(\.id)
                })
            } else {
                facts.baseTip = Set(try grouped(try repository.files(in: folder, at: baseTip, recursive: layout.recursive, include: isMigration(layout),
                                                                     content: false).map(\.path), layout).map(\.id))
            }
        }
        // A deleted applied migration and a new one are a rename only when the SQL is the same
        // (not when git finds them similar: migrations written from one template are).
        let present = Set(inputs.map(\.id))
        let gone = facts.applied.keys.filter { !present.contains($0) }.compactMap { id in
            facts.appliedInput(id, path: appliedPaths[id]?.up ?? id + ".sql", downPath: appliedPaths[id]?.down)
        }
        facts.renamedFrom = MigrationRenames.pair(gone: gone, added: inputs.filter { facts.applied[$0.id] == nil },
                                                  layout: layout, dialect: request.dialect)
        let renamedAway = Set(facts.renamedFrom.values)
        for id in facts.applied.keys where !present.contains(id) && !renamedAway.contains(id) {
            facts.deleted[id] = displayPath(request, relative: appliedPaths[id]?.up ?? id + ".sql")
        }
        return HistoryContext(inputs: inputs, facts: facts)
    }

    // MARK: - Pieces

    static func isMigration(_ path: String) -> Bool { path.hasSuffix(".sql") }

    /// `.sql` files, and the files of the layout's migrations that are not SQL (goose's `.go`).
    static func isMigration(_ layout: any MigrationLayout) -> (String) -> Bool {
        let nonSQL = layout.nonSQLMigrations.keys.map { "." + $0 }
        guard !nonSQL.isEmpty else { return isMigration }
        return { path in isMigration(path) || nonSQL.contains(where: path.hasSuffix) }
    }

    /// Migration files and the settings files `layout` reads beside them (diesel's
    /// `metadata.toml`, Flyway's `*.sql.conf`), so that git content decides as files on disk do.
    static func migrationOrSettings(_ layout: any MigrationLayout) -> (String) -> Bool {
        let belongs = isMigration(layout)
        let kind = layout.kind
        guard kind.readsSettingsFiles else { return belongs }
        return { path in
            belongs(path) || kind.readsSettingsFile(named: path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last ?? [][...])
        }
    }

    /// The configured base, or the first of the usual names that exists, with its tip. Among
    /// the usual names, one that is the checked-out branch itself (`feature`, `origin/feature`,
    /// or `origin/HEAD` pointing at it, as in a clone made with `--branch feature`) is passed
    /// over: taken as the base, it would count every migration of the branch as applied, and
    /// nothing would be linted. When every name is the branch (checking the protected branch
    /// itself), the first is taken.
    static func resolveBase(_ configured: String?, in repository: Repository) throws(GitError) -> (String, ObjectID)? {
        if let configured {
            return try repository.resolveCommit(configured).map { (configured, $0) }
        }
        let own = repository.currentBranch().map { Set([$0, "origin/\($0)"]) } ?? []
        var first: (String, ObjectID)?
        for name in HistoryRequest.defaultBases {
            guard let commit = try repository.resolveCommit(name) else { continue }
            if first == nil { first = (name, commit) }
            if !own.contains(repository.symbolicTarget(name) ?? name) { return (name, commit) }
        }
        return first
    }

    /// `folder` relative to the repository's working directory ("" for the root).
    static func relativeFolder(_ folder: String, in workdir: String) throws(GitError) -> String {
        let real = { (path: String) -> String in
            URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        }
        let root = real(workdir), target = real(folder)
        if target == root { return "" }
        guard target.hasPrefix(root + "/") else {
            throw GitError(message: "the migrations folder \(folder) is outside the repository at \(workdir)")
        }
        return String(target.dropFirst(root.count + 1))
    }

    /// Joined as the working tree's files are (`.` gives `./0001_a.sql`), so a path reads the
    /// same whatever the content source.
    static func displayPath(_ request: HistoryRequest, relative: String) -> String {
        request.displayDirectory.isEmpty ? relative
            : (request.displayDirectory.hasSuffix("/") ? request.displayDirectory : request.displayDirectory + "/") + relative
    }

    /// Files of a git tree grouped into migrations as the layout pairs them.
    static func grouped(_ paths: [String], _ layout: any MigrationLayout) throws(GitError) -> [DiscoveredFile] {
        // One file a migration: no pairing to do (the common case, thousands of paths); a layout
        // with migrations that are not SQL leaves out the files of theirs that are not ones.
        guard layout.kind.keepsDownApart || !layout.nonSQLMigrations.isEmpty else {
            return paths.map { DiscoveredFile(path: $0, id: layout.id(forRelativePath: $0)) }
        }
        do {
            return try FileDiscovery.migrations(amongRelativePaths: paths, layout: layout)
        } catch {
            throw GitError(message: error.errorDescription ?? "\(error)")
        }
    }

    /// The migrations of a git tree's files, each with the blob id of its file when it is the
    /// whole migration (a migration with a separate DOWN file is compared by content).
    static func migrationInputs(_ files: [GitFile], _ request: HistoryRequest,
                                _ layout: any MigrationLayout) throws(GitError) -> ([MigrationInput], [ObjectID?]) {
        if layout.kind == .liquibaseSQL {
            // A file of changesets is several migrations, each compared by its own text.
            let inputs = files.flatMap { file in
                LiquibaseSQLLayout.parts(of: MigrationInput(id: layout.id(forRelativePath: file.path), path: displayPath(request, relative: file.path), bytes: file.bytes))
            }
            return (inputs, inputs.map { _ in nil })
        }
        // Files are grouped by the layout where it pairs them or leaves some out (goose's
        // `main.go`), as on disk.
        guard layout.kind.keepsDownApart || !layout.nonSQLMigrations.isEmpty else {
            return (files.map { MigrationInput(id: layout.id(forRelativePath: $0.path), path: displayPath(request, relative: $0.path), bytes: $0.bytes) },
                    files.map(\.blob))
        }
        let byPath = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        // A settings file read from git is checked as one on disk is (`FileDiscovery.input`).
        func settings(_ found: (path: String, format: MigrationInput.SettingsFile.Format)?) throws(GitError) -> MigrationInput.SettingsFile? {
            guard let found, let file = byPath[found.path] else { return nil }
            let settings = MigrationInput.SettingsFile(format: found.format, path: displayPath(request, relative: file.path), bytes: file.bytes)
            do {
                _ = try settings.transactionSetting()
            } catch {
                throw GitError(message: error.errorDescription ?? "\(error)")
            }
            return settings
        }
        var inputs: [MigrationInput] = []
        var blobs: [ObjectID?] = []
        for unit in try grouped(files.map(\.path).filter(isMigration(layout)), layout) {
            guard let up = byPath[unit.path] else { continue }
            var input = MigrationInput(id: unit.id, path: displayPath(request, relative: up.path), bytes: up.bytes)
            if let down = unit.down.flatMap({ byPath[$0.path] }) {
                input.down = .init(path: displayPath(request, relative: down.path), bytes: down.bytes,
                                   settings: try settings(layout.kind.settingsPath(besideDownFile: down.path)))
            }
            input.settings = try settings(layout.kind.settingsPath(besideUpFile: up.path))
            inputs.append(input)
            blobs.append(input.down == nil ? up.blob : nil)
        }
        return (inputs, blobs)
    }

    /// The files on disk, read into memory (they are compared with their applied content).
    static func workingTreeInputs(_ request: HistoryRequest, layout: any MigrationLayout) throws(GitError) -> [MigrationInput] {
        do {
            guard FileManager.default.fileExists(atPath: request.migrationsDirectory) else { return [] }
            let display = request.displayDirectory.hasSuffix("/") ? request.displayDirectory : request.displayDirectory + "/"
            return try FileDiscovery.discover([display], layout: layout).map { file throws(InputError) in
                try FileDiscovery.input(file)
            }
        } catch {
            throw GitError(message: error.errorDescription ?? "\(error)")
        }
    }
}

extension HistoryLoader {
    /// The protected branch `strata check` would compare with when none is configured, as
    /// `strata init` writes it (`origin/HEAD` written as the branch it points to); nil outside a
    /// repository or when none of the usual names exists.
    public static func defaultBase(workingDirectory: String) -> String? {
        guard let repository = try? Repository(discoveringFrom: workingDirectory),
              let (name, _) = try? resolveBase(nil, in: repository) else { return nil }
        return repository.symbolicTarget(name) ?? name
    }
}

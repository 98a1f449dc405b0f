import StrataSyntax

/// sqitch: the folder holding `sqitch.plan`, with a script a change in each of `deploy/`
/// (UP), `revert/` (DOWN) and `verify/` (run by `strata verify` after UP): `deploy/<change>.sql`.
/// The plan decides which scripts are changes and their order: each change depends on the one
/// before it in the plan and on its `[dependencies]` (`SqitchPlan`), so every command orders
/// them as sqitch deploys them. A reworked change's older occurrence is a change of its own,
/// `name@tag`, run from `deploy/name@tag.sql` in its place, as sqitch runs it.
///
/// sqitch runs a script as written (through psql or sqlite3), so a script wrapped in its own
/// `BEGIN; ... COMMIT;` is atomic: Strata runs what is between them in its own transaction,
/// with the tracking row, and leaves the two statements out (rules do not see them). A script
/// with any other BEGIN/COMMIT/ROLLBACK runs outside a transaction, statement by statement, as
/// sqitch runs it.
public struct SqitchLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .sqitch }
    public var capabilities: LayoutCapabilities { [.downSections] }
    /// Change names may hold `/` (`schema/table`): scripts sit in folders below `deploy/`.
    public var recursive: Bool { true }

    static let folders = ["deploy/", "revert/", "verify/"]

    /// The change's id from a script's path: `deploy/users.sql` → `users`,
    /// `revert/app/users@v1.0.sql` → `app/users@v1.0`.
    public func id(forRelativePath path: String) -> String {
        guard let (_, _, rest) = Self.split(path) else { return LayoutSupport.stem(path) }
        return FileDiscovery.droppingSQLExtension(String(rest))
    }

    /// A script's path as (project folder with its `/`, `deploy/`|`revert/`|`verify/`, the
    /// rest): the last `deploy`, `revert` or `verify` folder in it.
    static func split(_ path: String) -> (root: Substring, folder: String, rest: Substring)? {
        let full = Substring(path)
        var best: (Substring, String, Substring)? = nil
        var start = full.startIndex
        while start < full.endIndex {
            let segment = full[start...]
            for folder in folders where segment.hasPrefix(folder) {
                best = (full[..<start], folder, segment.dropFirst(folder.count))
            }
            guard let slash = segment.firstIndex(of: "/") else { break }
            start = full.index(after: slash)
        }
        return best
    }

    /// The project folder (with its `/`, empty for the current one) of a script's path.
    public static func root(ofScript path: String) -> String? { split(path).map { String($0.root) } }

    /// The verify script of a change's deploy script: `db/deploy/users.sql` → `db/verify/users.sql`.
    public static func verifyPath(ofDeployScript path: String) -> String? {
        guard let (root, folder, rest) = split(path), folder == "deploy/" else { return nil }
        return root + "verify/" + rest
    }

    /// Deploy scripts with their revert scripts; verify scripts and files outside the three
    /// folders are left out. In a folder on disk the plan is read too: a deploy script the plan
    /// does not name is left out (sqitch never runs it), a planned change without its deploy
    /// script is an error naming the plan's line, and the changes come in plan order.
    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        let paired = try FilePairing.pair(files) { file throws(InputError) in
            let relative = file.relative.isEmpty ? Substring(file.path) : file.relative
            guard let (_, folder, rest) = Self.split(String(relative)), folder != "verify/",
                  let (root, _, _) = Self.split(file.path) else { return nil }
            let id = FileDiscovery.droppingSQLExtension(String(rest))
            let isDown = folder == "revert/"
            return .init(key: id, id: id, isDown: isDown, partner: String(root) + (isDown ? "deploy/" : "revert/") + rest)
        }
        // The plan of a folder read from disk (not of a git tree's paths, not of files named alone).
        guard let first = files.first(where: { !$0.namedAlone && $0.path != String($0.relative) }),
              let (root, _, _) = Self.split(first.path) else { return paired }
        let planPath = String(root) + "sqitch.plan"
        guard FileDiscovery.fileExists(planPath) else { return paired }
        let plan = try SqitchPlan.read(planPath)
        if let problem = plan.problems.first {
            throw InputError(path: planPath, message: problem.message, line: problem.line, column: 1)
        }
        let byID = Dictionary(paired.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return try plan.changes.map { change throws(InputError) in
            guard let file = byID[change.id] else {
                throw InputError(path: planPath, message: "change \(change.id) has no deploy script (\(root)deploy/\(change.id).sql)",
                                 line: change.line, column: 1)
            }
            return file
        }
    }

    /// The deploy and revert scripts, placed by the plan carried as the settings file.
    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        var file = LayoutSupport.parsePair(input, layout: .sqitch, dialect: dialect, depth: depth)
        if let plan = input.settings, plan.format == .sqitchPlan,
           let change = String(validating: plan.bytes, as: UTF8.self).flatMap({ SqitchPlan(text: $0).change(input.id) }),
           !change.dependencies.isEmpty {
            let list = "[" + change.dependencies.map { JSONText.quote($0) }.joined(separator: ", ") + "]"
            file.metadata.append(MetadataEntry(key: MetadataKey.dependencies.rawValue, value: list,
                                               keyRange: SourceRange(start: .start, end: .start), valueRange: SourceRange(start: .start, end: .start)))
        }
        guard depth != .header, let source = file.source, file.notText == nil else { return file }
        file.transactionSetting = Self.ownTransaction(&file.up, source, path: input.path)
        file.downTransactionSetting = Self.ownTransaction(&file.down, source, path: input.down?.path ?? input.path)
        return file
    }

    /// A script's own transaction: a `BEGIN` first and a `COMMIT` last with no other
    /// transaction statement are left out of the section (Strata's transaction stands in for
    /// them; nil: runs as any migration does); any other transaction statement makes the
    /// script run outside a transaction, as written.
    static func ownTransaction(_ section: inout MigrationSection?, _ source: SourceText, path: String) -> TransactionSetting? {
        guard let statements = section?.statements else { return nil }
        let controls = statements.indices.filter { index in
            if case .transaction(let control) = statements[index].kind { return control == .begin || control == .commit || control == .rollback }
            return false
        }
        guard let firstControl = controls.first else { return nil }
        if controls == [0, statements.count - 1],
           case .transaction(.begin) = statements[0].kind, case .transaction(.commit) = statements[statements.count - 1].kind {
            section!.statements = Array(statements.dropFirst().dropLast())
            // From after BEGIN's `;` to COMMIT: what Conversion copies as the section's text.
            var start = statements[0].tokens.upperBound
            if start < source.tokens.count, source.tokens[start].kind == .semicolon { start += 1 }
            section!.tokens = start..<max(start, statements[statements.count - 1].tokens.lowerBound)
            return nil
        }
        return TransactionSetting(runsInTransaction: false, path: path, line: statements[firstControl].range.start.line,
                                  declaration: "its own BEGIN/COMMIT, run as sqitch runs the script")
    }
}

extension SqitchLayout {
    /// The verify script of the change whose deploy script is `path`, read and parsed, when
    /// there is one; its BEGIN/COMMIT/ROLLBACK statements are left out, as `strata verify` runs
    /// it in a transaction it rolls back.
    public static func verifyScript(ofDeployScript path: String, dialect: Dialect) throws(InputError) -> MigrationFile? {
        guard let verify = verifyPath(ofDeployScript: path), FileDiscovery.fileExists(verify) else { return nil }
        let input = MigrationInput(id: LayoutSupport.stem(verify), path: verify, bytes: try FileDiscovery.read(verify))
        var file = LayoutSupport.parsePair(input, layout: .sqitch, dialect: dialect, depth: .full)
        file.up?.statements.removeAll { statement in
            if case .transaction(let control) = statement.kind { return control == .begin || control == .commit || control == .rollback }
            return false
        }
        return file
    }
}

import Foundation
import StrataCore
import StrataSyntax

/// A problem `strata verify` found in a migration, where it is.
public struct VerifyFinding: Sendable, Equatable {
    /// `down-does-not-reverse-up`, `up-not-repeatable`, `up-fails`, or `verify-fails` (a sqitch
    /// change's verify script, which runs after UP).
    public var rule: String
    public var migration: String
    public var path: String
    public var line: Int
    public var column: Int
    public var message: String
    public var help: String

    public static let helps = [
        "down-does-not-reverse-up": "make DOWN undo each change of UP, in reverse order",
        "up-not-repeatable": "make DOWN remove what UP adds (rows included), so that UP runs again after a rollback",
        "up-fails": "fix the statement: it fails on a database built by the migrations before it",
        "verify-fails": "make the verify script pass once the deploy script has run: it must find what the change creates",
    ]
}

/// How one migration came out.
public struct VerifyOutcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        case passed, failed
        /// Not checked: a migration before it failed to apply.
        case notVerified = "not verified"
    }

    public var id: String
    public var path: String
    public var status: Status
}

/// Checks that DOWN undoes UP, on a scratch database: for each migration, everything before it
/// is applied, then the schema is read (`SchemaSnapshot`), UP runs, the schema is read, DOWN
/// runs and the schema must be the first again, UP runs again and the schema must be the
/// second again. One scratch serves a whole run; it is built again only after a migration
/// left it in a state its successors cannot trust.
public final class Verifier {
    public let scratch: VerifyScratch
    private let catalog: MigrationCatalog
    private let files: [String: MigrationFile]
    private let postgresMajor: Int?
    /// Called after each verified migration with its outcome and findings, as they come.
    public var progress: (VerifyOutcome, [VerifyFinding]) -> Void = { _, _ in }

    public init(scratch: VerifyScratch, catalog: MigrationCatalog, files: [MigrationFile], postgresMajor: Int? = nil) {
        self.scratch = scratch
        self.catalog = catalog
        self.files = Dictionary(files.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.postgresMajor = postgresMajor
    }

    /// Verifies `ids` (in the order the migrations apply), and returns every outcome and finding.
    public func verify(_ ids: Set<String>) throws(ApplyError) -> (outcomes: [VerifyOutcome], findings: [VerifyFinding]) {
        let entries = catalog.entries
        guard let last = entries.lastIndex(where: { ids.contains($0.id) }) else { return ([], []) }
        if scratch.kind == .postgresSchema { try refuseEscapes(entries[...last], ids) }
        var outcomes: [VerifyOutcome] = [], findings: [VerifyFinding] = []
        var applied = 0          // entries[0..<applied] are applied on the scratch
        var trusted = true       // and nothing else is
        for (index, entry) in entries.enumerated() where index <= last && ids.contains(entry.id) {
            if !trusted {
                try scratch.reset()
                (applied, trusted) = (0, true)
            }
            // Everything before it, as `strata up` would run it.
            while applied < index {
                let earlier = steps(of: entries[applied])
                if let (position, error) = run(earlier.up, transactional: earlier.upTransactional) {
                    let failure = finding("up-fails", earlier, at: position,
                                          "UP fails on a database built by the migrations before it: \(Self.tidy(error.message))")
                    findings.append(failure)
                    outcomes.append(VerifyOutcome(id: earlier.id, path: earlier.path, status: .failed))
                    progress(outcomes.last!, [failure])
                    // What comes after it cannot be built.
                    for rest in entries[(applied + 1)..<(last + 1)] where ids.contains(rest.id) {
                        outcomes.append(VerifyOutcome(id: rest.id, path: rest.path, status: .notVerified))
                        progress(outcomes.last!, [])
                    }
                    return (outcomes, findings)
                }
                applied += 1
            }
            let (unordered, stateIsAfterUp) = try verify(steps(of: entry))
            // In report order, as lint's: by position, then rule.
            let found = unordered.sorted { ($0.line, $0.column, $0.rule) < ($1.line, $1.column, $1.rule) }
            findings += found
            outcomes.append(VerifyOutcome(id: entry.id, path: entry.path, status: found.isEmpty ? .passed : .failed))
            progress(outcomes.last!, found)
            if found.contains(where: { $0.rule == "up-fails" }) {
                for rest in entries[(index + 1)..<(last + 1)] where ids.contains(rest.id) {
                    outcomes.append(VerifyOutcome(id: rest.id, path: rest.path, status: .notVerified))
                    progress(outcomes.last!, [])
                }
                return (outcomes, findings)
            }
            applied = index + 1
            trusted = stateIsAfterUp
        }
        return (outcomes, findings)
    }

    /// UP, DOWN, UP again on a scratch holding everything before the migration. Returns the
    /// findings, and whether the scratch holds the migration's UP applied once, as the next
    /// migration needs it.
    private func verify(_ migration: MigrationSteps) throws(ApplyError) -> ([VerifyFinding], Bool) {
        let schema = scratch.snapshotSchema
        let beforeUp = try SchemaSnapshot.take(of: scratch.database, schema: schema)
        if let (position, error) = run(migration.up, transactional: migration.upTransactional) {
            return ([finding("up-fails", migration, at: position,
                             "UP fails on a database built by the migrations before it: \(Self.tidy(error.message))")], false)
        }
        let afterUp = try SchemaSnapshot.take(of: scratch.database, schema: schema)
        var verified: [VerifyFinding] = []
        if let script = migration.verify, let (position, error) = runRolledBack(script.steps) {
            verified.append(VerifyFinding(rule: "verify-fails", migration: migration.id, path: script.path, line: position.line,
                                          column: position.column, message: "the verify script fails after UP: \(Self.tidy(error.message))",
                                          help: VerifyFinding.helps["verify-fails"] ?? ""))
        }
        let (found, stateIsAfterUp) = try verifyDown(migration, beforeUp: beforeUp, afterUp: afterUp)
        return (verified + found, stateIsAfterUp)
    }

    /// DOWN, then UP again, after UP ran once on a scratch whose schema was `beforeUp` and is
    /// `afterUp`.
    private func verifyDown(_ migration: MigrationSteps, beforeUp: SchemaSnapshot,
                            afterUp: SchemaSnapshot) throws(ApplyError) -> ([VerifyFinding], Bool) {
        let schema = scratch.snapshotSchema
        if migration.down.isEmpty {
            // Nothing to undo with: what UP changed is what DOWN leaves.
            let changes = afterUp.changes(from: beforeUp)
            return (changes.map { downFinding($0, migration, upChanges: changes) }, true)
        }
        if let (position, error) = run(migration.down, transactional: migration.downTransactional) {
            return ([finding("down-does-not-reverse-up", migration, at: position, "DOWN fails after UP: \(Self.tidy(error.message))")], false)
        }
        let afterDown = try SchemaSnapshot.take(of: scratch.database, schema: schema)
        let upChanges = afterUp.changes(from: beforeUp)
        var found = afterDown.changes(from: beforeUp).map { downFinding($0, migration, upChanges: upChanges) }
        if let (position, error) = run(migration.up, transactional: migration.upTransactional) {
            found.append(finding("up-not-repeatable", migration, at: position,
                                 "UP fails when run again after DOWN: \(Self.tidy(error.message))"))
            return (found, false)
        }
        let again = try SchemaSnapshot.take(of: scratch.database, schema: schema).changes(from: afterUp)
        for change in again {
            let message: String
            switch change.kind {
            case .added: message = "UP run again after DOWN leaves \(change.object), which its first run did not"
            case .removed: message = "UP run again after DOWN does not create \(change.object), which its first run did"
            case .changed: message = "UP run again after DOWN leaves \(change.object) \(Self.definitions(change, before: "first run"))"
            }
            found.append(finding("up-not-repeatable", migration, at: position(of: change, in: migration.up) ?? migration.downAnchor, message))
        }
        return (found, again.isEmpty)
    }

    /// A difference between the schema before UP and after DOWN, worded by what UP did to it.
    private func downFinding(_ change: SchemaSnapshot.Change, _ migration: MigrationSteps,
                             upChanges: [SchemaSnapshot.Change]) -> VerifyFinding {
        let byUp = upChanges.first { $0.object == change.object }?.kind
        let message: String
        var inDown = false
        switch change.kind {
        case .added where byUp == .added: message = "DOWN leaves \(change.object) that UP created"
        case .added: (message, inDown) = ("DOWN creates \(change.object), which did not exist before UP", true)
        case .removed where byUp == .removed: message = "DOWN does not restore \(change.object) that UP dropped"
        case .removed: (message, inDown) = ("DOWN drops \(change.object), which existed before UP", true)
        case .changed: message = "DOWN leaves \(change.object) \(Self.definitions(change, before: "before UP"))"
        }
        let at = inDown ? position(of: change, in: migration.down) ?? position(of: change, in: migration.up)
                        : position(of: change, in: migration.up) ?? position(of: change, in: migration.down)
        return finding("down-does-not-reverse-up", migration, at: at ?? migration.downAnchor, message)
    }

    /// `as bigint NOT NULL (before UP: integer NULL)`, or, for a long definition, that it differs.
    private static func definitions(_ change: SchemaSnapshot.Change, before label: String) -> String {
        guard let now = change.now, let was = change.before, now.count + was.count <= 200,
              !change.object.hasPrefix("function ") else { return "with another definition than \(label)" }
        return "as \(now) (\(label): \(was))"
    }

    /// The first statement that names every name of `change` as a word: where it was made.
    private func position(of change: SchemaSnapshot.Change, in steps: [SQLStep]) -> SourcePosition? {
        let names = change.names.map { $0.lowercased() }
        for step in steps {
            for part in step.parts {
                let text = step.text(of: part).lowercased()
                if names.allSatisfy({ Self.containsWord(text, $0.split(separator: ".").last.map(String.init) ?? $0) }) { return part.start }
            }
        }
        return nil
    }

    private static func containsWord(_ text: String, _ word: String) -> Bool {
        var search = text.startIndex..<text.endIndex
        while let found = text.range(of: word, range: search) {
            let before = found.lowerBound == text.startIndex ? nil : text[text.index(before: found.lowerBound)]
            let after = found.upperBound == text.endIndex ? nil : text[found.upperBound]
            let isPart = { (c: Character?) in c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
            if !isPart(before), !isPart(after) { return true }
            search = found.upperBound..<text.endIndex
        }
        return false
    }

    private func finding(_ rule: String, _ migration: MigrationSteps, at position: SourcePosition, _ message: String) -> VerifyFinding {
        VerifyFinding(rule: rule, migration: migration.id, path: migration.path, line: position.line, column: position.column,
                      message: message, help: VerifyFinding.helps[rule] ?? "")
    }

    /// A database message on one line, without PostgreSQL's `ERROR:` and without a closing
    /// period (findings carry none).
    static func tidy(_ message: String) -> String {
        var text = message.split(whereSeparator: \.isNewline).joined(separator: "; ")
        if text.hasPrefix("ERROR:") { text = String(text.dropFirst("ERROR:".count)).trimmingCharacters(in: .whitespaces) }
        for label in ["DETAIL:", "HINT:"] { text = text.replacingOccurrences(of: label + "  ", with: label + " ") }
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// In a scratch schema, refuses (before anything runs) a migration that would reach past
    /// it into the real database (`VerifyScratchGuard`).
    private func refuseEscapes(_ entries: ArraySlice<CatalogEntry>, _ ids: Set<String>) throws(ApplyError) {
        let rows = try scratch.database.query("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'")
        let schemas = Set(rows.compactMap { $0.first?.text }).subtracting([scratch.snapshotSchema ?? ""]).union(["public"])
        var statements: [(file: MigrationFile, statement: Statement)] = []
        for entry in entries {
            guard let file = files[entry.id] else { continue }
            statements += (file.up?.statements ?? []).map { (file, $0) }
            if ids.contains(entry.id) { statements += (file.down?.statements ?? []).map { (file, $0) } }
        }
        if let refusal = VerifyScratchGuard.firstEscape(in: statements, schemas: schemas) { throw refusal }
    }

    // MARK: - Running

    /// A migration's UP and DOWN statements with where they are, and how each section runs.
    struct MigrationSteps {
        var id: String
        var path: String
        var up: [SQLStep]
        var down: [SQLStep]
        var upTransactional: Bool
        var downTransactional: Bool
        /// Where a finding about DOWN as a whole points: its marker, else the file's start.
        var downAnchor: SourcePosition
        /// A sqitch change's verify script: run after UP, in a transaction rolled back.
        var verify: (path: String, steps: [SQLStep])? = nil
    }

    private func steps(of entry: CatalogEntry) -> MigrationSteps {
        guard let file = files[entry.id], let source = file.source else {
            return MigrationSteps(id: entry.id, path: entry.path, up: entry.up, down: [], upTransactional: entry.transactional,
                                  downTransactional: true, downAnchor: .start)
        }
        let down = file.down?.statements ?? []
        // DOWN runs as `rollback` runs it: as declared (`@transaction`, or its settings file),
        // else by whether a statement refuses a transaction.
        let downTransactional = file.downTransactionDeclared ?? !down.contains {
            MigrationFile.nonTransactionalReason($0, source, postgresMajor: postgresMajor) != nil
        }
        var steps = MigrationSteps(id: entry.id, path: entry.path, up: entry.up, down: SQLStep.steps(of: file.down, in: source),
                                   upTransactional: entry.transactional, downTransactional: downTransactional,
                                   downAnchor: file.down?.marker?.range.start ?? file.anchor)
        if file.layout == .sqitch, let script = try? SqitchLayout.verifyScript(ofDeployScript: file.path, dialect: scratch.database.dialect),
           let verifySource = script.source {
            steps.verify = (script.path, SQLStep.steps(of: script.up, in: verifySource))
        }
        return steps
    }

    /// Runs steps in a transaction and rolls it back whatever they do (a verify script must
    /// change nothing); where the database placed the error, and the error.
    private func runRolledBack(_ steps: [SQLStep]) -> (position: SourcePosition, error: ApplyError)? {
        let database = scratch.database
        guard let first = steps.first else { return nil }
        do { try database.execute("BEGIN") } catch { return (first.parts[0].start, error) }
        defer { try? database.execute("ROLLBACK") }
        if let stopped = database.execute(units: steps.map(\.unit)) {
            return (steps[stopped.unit].position(of: stopped), stopped.error)
        }
        return nil
    }

    /// Runs steps in one transaction, or one by one (as `strata up` runs them); where the
    /// database placed the error (else where the statement that failed starts), and the error.
    private func run(_ steps: [SQLStep], transactional: Bool) -> (position: SourcePosition, error: ApplyError)? {
        let database = scratch.database
        guard let first = steps.first, let last = steps.last else { return nil }
        func failed(_ step: SQLStep, _ stopped: ExecutionFailure) -> (SourcePosition, ApplyError) {
            (step.position(of: stopped), stopped.error)
        }
        guard transactional else {
            for step in steps {
                if let stopped = database.execute(units: [step.unit]) { return failed(step, stopped) }
            }
            return nil
        }
        do { try database.execute("BEGIN") } catch { return (first.parts[0].start, error) }
        if let stopped = database.execute(units: steps.map(\.unit)) {
            try? database.execute("ROLLBACK")
            return failed(steps[stopped.unit], stopped)
        }
        do {
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            return (last.parts[0].start, error)
        }
        return nil
    }
}

extension Applier {
    /// The migrations `strata verify` checks: those named (a file's path names its id), every
    /// one with `all`, else those the database has not applied. A name that is no migration is
    /// a usage error (exit 64) naming `folder`, the migrations folder as the user sees it.
    public func verifyTargets(_ names: [String], all: Bool, folder: String) throws -> [String] {
        if all { return catalog.entries.map(\.id) }
        if !names.isEmpty {
            let known = Set(catalog.entries.map(\.id))
            return try names.map { name in
                let id = name.hasSuffix(".sql") ? String((name as NSString).lastPathComponent.dropLast(4)) : name
                if !known.contains(id) { throw CommandFailure("no migration '\(id)' in \(folder)", .usage) }
                return id
            }
        }
        return try status().filter { $0.kind == .pending }.map(\.id)
    }
}

import Foundation
import StrataCore
import StrataSyntax

/// Which applied migrations a rollback undoes, in which order, and what stands in the way.
public enum RollbackSelection: Sendable, Equatable {
    /// The last `n` applied, in reverse apply order (1: the last one).
    case steps(Int)
    /// Everything applied after `id`; `id` stays applied.
    case target(String)
}

/// One migration of a rollback plan.
public struct RollbackStep: Sendable {
    public typealias Statement = SQLStep

    public var id: String
    public var path: String?
    public var applied: LedgerEntry
    /// The DOWN section's steps (a block is one); empty when there is none or no file.
    public var down: [Statement]
    /// Nil when the DOWN runs in one transaction with its tracking changes; otherwise why not
    /// (`@transaction: false`, DROP INDEX CONCURRENTLY, ...).
    public var nonTransactionalReason: String?
    /// Checks of the file and the plan (rollbackSafe, missing DOWN, dependents, changed file);
    /// `assess` adds what the DOWN would do to the data.
    public var risk: RollbackRisk
}

/// A rollback worked out from the tracking rows and the files, before anything runs.
public struct RollbackPlan: Sendable {
    public var steps: [RollbackStep]
    /// Why the plan cannot be made at all (unknown target, nothing applied, a failed row).
    public var refusal: String?
    /// The applied migration Strata cannot run the DOWN of (a goose Go migration) where the
    /// rollback stops: `steps` are those undone before it; nothing applied before it is undone.
    public var stoppedAt: CatalogEntry.Stop? = nil

    public var level: RollbackRisk.Level { steps.map(\.risk.level).max() ?? .low }
}

public enum RollbackPlanner {
    /// The plan for `selection` over the applied rows (`applied`, as the ledger lists them)
    /// and the parsed migration files by id.
    public static func plan(_ selection: RollbackSelection, applied rows: [LedgerEntry], files: [String: MigrationFile],
                            catalogOrder: [String]) -> RollbackPlan {
        if let failed = rows.first(where: { $0.status == .failed }) {
            return RollbackPlan(steps: [], refusal: "\(failed.id) failed midway and is neither applied nor undone: resolve it first with `strata repair \(failed.id)`")
        }
        // Apply order: by time, then by the order `up` applies in (a run can share a millisecond).
        let rank = Dictionary(catalogOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let ordered = rows.sorted {
            ($0.appliedAt, rank[$0.id] ?? Int.max, $0.id) < ($1.appliedAt, rank[$1.id] ?? Int.max, $1.id)
        }
        if ordered.isEmpty { return RollbackPlan(steps: [], refusal: "nothing is applied: nothing to roll back") }
        let chosen: ArraySlice<LedgerEntry>
        switch selection {
        case .steps(let n):
            guard n >= 1 else { return RollbackPlan(steps: [], refusal: "--steps must be 1 or more") }
            chosen = ordered.suffix(n)
        case .target(let id):
            guard let position = ordered.firstIndex(where: { $0.id == id }) else {
                let known = files[id] != nil ? "is not applied" : "is not a migration"
                return RollbackPlan(steps: [], refusal: "'\(id)' \(known): --target names the applied migration to keep")
            }
            chosen = ordered[(position + 1)...]
            if chosen.isEmpty { return RollbackPlan(steps: [], refusal: "nothing is applied after \(id): nothing to roll back") }
        }
        let undone = Set(chosen.map(\.id))
        let kept = ordered.filter { !undone.contains($0.id) }
        // Reverse apply order: the last applied is undone first; a migration Strata cannot run
        // (its DOWN is Go or Java code) stops the rollback before it.
        let reversed = Array(chosen.reversed())
        var stop: CatalogEntry.Stop? = nil
        var undoable = reversed[...]
        if let index = reversed.firstIndex(where: { files[$0.id]?.nonSQL != nil }), let file = files[reversed[index].id], let kind = file.nonSQL {
            undoable = reversed[..<index]
            stop = CatalogEntry.Stop(id: file.id, path: file.path, reason: "\(file.path) is a \(kind.language) migration, whose DOWN Strata cannot run: roll it back with \(kind.tool), then record that with `strata mark-applied --rolled-back \(file.id)`")
        }
        let steps = undoable.map { row in
            step(row, file: files[row.id], dependents: dependents(of: row.id, among: kept, files: files),
                 suggestion: suggestion(for: row.id, ordered: ordered, files: files))
        }
        return RollbackPlan(steps: steps, refusal: nil, stoppedAt: stop)
    }

    /// Still-applied migrations whose `@dependencies` name `id`, directly or through others.
    static func dependents(of id: String, among kept: [LedgerEntry], files: [String: MigrationFile]) -> [String] {
        var found: [String] = []
        var frontier: Set<String> = [id]
        var changed = true
        while changed {
            changed = false
            for row in kept where !found.contains(row.id) {
                let needs = files[row.id]?.dependencies ?? []
                if needs.contains(where: frontier.contains) {
                    found.append(row.id)
                    frontier.insert(row.id)
                    changed = true
                }
            }
        }
        return found
    }

    /// The smallest `--steps` that also undoes everything depending on `id` (a dependent
    /// applied before it, out of order, makes that more than the steps after it).
    static func suggestion(for id: String, ordered: [LedgerEntry], files: [String: MigrationFile]) -> Int? {
        let all = dependents(of: id, among: ordered.filter { $0.id != id }, files: files)
        guard !all.isEmpty else { return nil }
        let positions = ordered.indices.filter { all.contains(ordered[$0].id) || ordered[$0].id == id }
        return positions.min().map { ordered.count - $0 }
    }

    static func step(_ row: LedgerEntry, file: MigrationFile?, dependents: [String], suggestion: Int?) -> RollbackStep {
        var items: [RollbackRisk.Item] = []
        var statements: [RollbackStep.Statement] = []
        var reason: String? = nil
        if let file {
            if file.down != nil {
                statements = SQLStep.steps(of: file.down, in: file.source)
                reason = nonTransactionalDownReason(file)
            }
            if file.rollbackSafe == false {
                items.append(.init(kind: .rollbackUnsafe, level: .blocked, detail: "the file says @rollbackSafe: false"))
            }
            if statements.isEmpty {
                items.append(.init(kind: .missingDown, level: .blocked,
                                   detail: file.down == nil ? "the file has no DOWN section" : "the DOWN section is empty"))
            }
            if let checksum = file.source.map({ Checksum.of(file.partContent ?? $0.bytes) }), checksum != row.checksum {
                let downChanged = row.downChecksum == nil || MigrationCatalog.downChecksum(file) != row.downChecksum
                items.append(.init(kind: .changedSinceApplied, level: .medium,
                                   detail: downChanged ? "the file changed since it was applied, its DOWN too: it may not undo what UP did"
                                                       : "the file changed since it was applied (its DOWN did not)"))
            }
        } else {
            items.append(.init(kind: .missingDown, level: .blocked, detail: "no file for this applied migration: there is no DOWN to run"))
        }
        if !dependents.isEmpty {
            let how = suggestion.map { " (roll them back too: --steps \($0))" } ?? ""
            items.append(.init(kind: .dependents, level: .blocked,
                               detail: "still applied and depending on it: \(dependents.joined(separator: ", "))\(how)"))
        }
        return RollbackStep(id: row.id, path: file?.path, applied: row, down: statements, nonTransactionalReason: reason,
                            risk: RollbackRisk(items: items))
    }

    /// Why the DOWN section runs statement by statement: the header's `@transaction: false` (or
    /// the settings file that says so for DOWN: diesel's `metadata.toml`, a Flyway undo
    /// script's `.conf`), or a DOWN statement PostgreSQL refuses in a transaction (DROP INDEX
    /// CONCURRENTLY, ...).
    static func nonTransactionalDownReason(_ file: MigrationFile) -> String? {
        switch file.downTransactionDeclared {
        case false?: return file.downNoTransactionDeclaration
        case true?: return nil
        case nil: break
        }
        guard let source = file.source else { return nil }
        for statement in file.down?.statements ?? [] {
            if let reason = MigrationFile.nonTransactionalReason(statement, source) { return reason }
        }
        return nil
    }

    /// Adds what each step's DOWN would do to the data, measured on `database` (row counts).
    public static func assess(_ plan: inout RollbackPlan, files: [String: MigrationFile], database: any Database) {
        for i in plan.steps.indices {
            guard let file = files[plan.steps[i].id], let source = file.source, let down = file.down else { continue }
            plan.steps[i].risk.items += RollbackRiskAssessor.dataItems(down.statements, source: source, database: database)
        }
    }
}

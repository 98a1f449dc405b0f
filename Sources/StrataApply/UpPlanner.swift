import StrataCore

/// What `up` (and `deploy`, and their `--dry-run`) is asked to do.
public struct UpRequest: Sendable, Equatable {
    /// Apply up to and including this migration; nil: every pending one.
    public var target: String?
    /// Run even though applied migrations were edited or their files deleted.
    public var allowChanged: Bool
    /// Apply every pending migration in one all-or-nothing transaction.
    public var singleTransaction: Bool

    public init(target: String? = nil, allowChanged: Bool = false, singleTransaction: Bool = false) {
        self.target = target
        self.allowChanged = allowChanged
        self.singleTransaction = singleTransaction
    }
}

/// The one policy of `up`: which migrations run, in which order, or why none may. Every way
/// `up` runs plans through it (`Applier.plan`, and `Applier.up` in either transaction mode),
/// whether the files were read before planning or arrive one by one while the first
/// migrations run (`MigrationSource`).
///
/// - Order: dependencies first, ties in the source's order (the layout's order of ids), as
///   `MigrationOrder` orders them; migrations in a dependency cycle, and those depending on
///   one, follow all others.
/// - Pending: a migration with no tracking row, or one another live run is applying outside a
///   transaction (`up` waits for that run's outcome when it reaches it). A pending migration
///   lower than applied ones runs too (out of order): `check` reports it, `up` does not refuse.
/// - Target: up to and including it; nothing when it is applied; refused when it is unknown.
/// - A migration Strata cannot run (a goose Go migration) ends the plan: what comes before it
///   runs, and `up` stops there.
/// - Refused: an applied migration edited or its file gone (unless `allowChanged`), a row
///   failed midway or interrupted, a dependency neither applied nor planned before, lint errors
///   in a planned file.
///
/// It reads the migrations one at a time (`take`), in the source's order, and hands out each
/// one as soon as its place in the plan is settled (`next()`): a dependency pointing forward
/// holds a migration back until what it depends on has arrived, as Kahn's algorithm would
/// over the whole set (an arrival comes after every earlier one in the tie order, so the
/// smallest ready migration is always among those arrived).
struct UpPlanner {
    /// Rows claiming a migration that runs outside a transaction (`Applier+OutsideTransaction`).
    struct Claims {
        /// Claims of a run still alive: their migrations count as pending.
        var running: Set<String> = []
        /// Why `up` refuses each claim whose run is gone, by migration id.
        var abandoned: [String: String] = [:]
    }

    private let request: UpRequest
    private let rows: [String: LedgerEntry]
    private let claims: Claims
    /// Each announced id's place in the source's order.
    private let rank: [String: Int]
    /// Applied, or planned before the migration being planned: what a dependency may name.
    private var ready: Set<String>
    private var targetUnknown = false
    /// The plan has reached its target, or a migration Strata cannot run: nothing more joins it.
    private var cut = false
    /// Reasons, kept apart so that they read in the order `up` has always given them: the
    /// migrations' own (in plan order), rows whose file is gone, then dependencies.
    private var migrationReasons: [String] = []
    private let rowReasons: [String]
    private var dependencyReasons: [String] = []
    /// A failed row of a migration that will arrive: the plan will be refused.
    private let failedAhead: Bool
    /// The migrations planned, in order.
    private(set) var planned: [CatalogEntry] = []
    private var handedOut = 0
    /// Every id handed through `emit`, applied or not (what a waiting migration waits for).
    private var emitted: Set<String> = []
    /// Migrations whose dependencies have not all arrived, by rank, with how many are missing.
    private var waiting: [Int: (entry: CatalogEntry, missing: Int)] = [:]
    /// For each id, the ranks of the waiting migrations that depend on it.
    private var dependents: [String: [Int]] = [:]
    private(set) var isFinished = false
    /// How many migrations are pending by the ids and the rows, before the files arrive.
    private let estimate: Int

    /// `rows`: the tracking rows, in the order the table gives them. `ids`: every migration id
    /// the source will hand over, in its order.
    init(rows entries: [LedgerEntry], claims: Claims, ids: [String], request: UpRequest) {
        let rows = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let rank = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        self.request = request
        self.claims = claims
        self.rows = rows
        self.rank = rank
        ready = Set(entries.filter { $0.status != .failed }.map(\.id))
        var rowReasons: [String] = []
        for row in entries where rank[row.id] == nil {
            if row.status == .failed {
                if !claims.running.contains(row.id) { rowReasons.append(Self.failedReason(row.id, claims)) }
            } else if !request.allowChanged {
                rowReasons.append("\(row.id) is applied but its file is missing; restore it, or pass --allow-changed")
            }
        }
        self.rowReasons = rowReasons
        failedAhead = rows.values.contains { $0.status == .failed && rank[$0.id] != nil && !claims.running.contains($0.id) }
        estimate = ids.count { rows[$0] == nil || claims.running.contains($0) }
        if let target = request.target {
            targetUnknown = rank[target] == nil
            cut = rows[target].map { $0.status != .failed } ?? false
        }
    }

    // MARK: - Reading the migrations

    /// The source's next migration.
    mutating func take(_ entry: CatalogEntry) {
        var missing = Set<String>()
        for dependency in entry.dependencies where rank[dependency] != nil && !emitted.contains(dependency) {
            missing.insert(dependency)
        }
        guard let position = rank[entry.id], !missing.isEmpty else {
            emit(entry)
            release(entry.id)
            return
        }
        waiting[position] = (entry, missing.count)
        for dependency in missing { dependents[dependency, default: []].append(position) }
    }

    /// Every migration has arrived: those still waiting (in a cycle, or depending on one)
    /// follow, in the source's order.
    mutating func finish() {
        guard !isFinished else { return }
        isFinished = true
        for position in waiting.keys.sorted() {
            if let entry = waiting[position]?.entry { emit(entry) }
        }
        waiting = [:]
    }

    /// The next planned migration not handed out yet, in plan order.
    mutating func next() -> CatalogEntry? {
        guard handedOut < planned.count else { return nil }
        defer { handedOut += 1 }
        return planned[handedOut]
    }

    /// Whether the plan is sure to be refused already (whatever arrives later): `up` in one
    /// transaction then runs nothing more, and reads on only to give every reason.
    var willRefuse: Bool {
        targetUnknown || failedAhead || !migrationReasons.isEmpty || !rowReasons.isEmpty || !dependencyReasons.isEmpty
    }

    /// How many migrations the plan runs (not counting one where it stops): exact once every
    /// migration has arrived or the plan is cut, before that as many as are pending by the ids
    /// and rows (fewer when the plan will stop at a migration Strata cannot run).
    var count: Int {
        isFinished || cut ? planned.count - (planned.last?.nonSQL != nil ? 1 : 0) : estimate
    }

    /// Whether `count` is known: with a target, only once the plan has reached it (a migration
    /// past it may be pulled before it by a dependency).
    var countIsSettled: Bool { isFinished || cut || request.target == nil }

    /// The plan, or every reason it is refused; `lintErrors`: error-level findings per
    /// migration id (nil: not asked here). Only once finished.
    func verdict(lintErrors: [String: [String]]?) -> Result<[CatalogEntry], Refusal> {
        precondition(isFinished, "a plan is judged once every migration has arrived")
        if targetUnknown, let target = request.target { return .failure(Refusal(reasons: ["no migration '\(target)'"])) }
        let reasons = migrationReasons + rowReasons + Applier.lintReasons(planned, lintErrors ?? [:]) + dependencyReasons
        return reasons.isEmpty ? .success(planned) : .failure(Refusal(reasons: reasons))
    }

    // MARK: - Placing a migration

    /// Its dependencies that arrived are placed: it takes the next place, and its row decides.
    private mutating func emit(_ entry: CatalogEntry) {
        emitted.insert(entry.id)
        guard let row = rows[entry.id] else { return plan(entry) }
        if row.status == .failed {
            if claims.running.contains(entry.id) { plan(entry) } else { migrationReasons.append(Self.failedReason(entry.id, claims)) }
        } else if row.checksum != entry.checksum, !request.allowChanged {
            migrationReasons.append("\(entry.id) was edited after it was applied (checksum differs); restore it, or pass --allow-changed")
        }
    }

    private mutating func plan(_ entry: CatalogEntry) {
        guard !cut else { return }
        planned.append(entry)
        for dependency in entry.dependencies where !ready.contains(dependency) {
            dependencyReasons.append("\(entry.id) depends on \(dependency), which is neither applied nor pending before it")
        }
        ready.insert(entry.id)
        if entry.id == request.target || entry.nonSQL != nil { cut = true }
    }

    /// Places the waiting migrations `id` was the last missing dependency of, smallest rank
    /// first, and those they release in turn.
    private mutating func release(_ id: String) {
        var ready: [Int] = []
        func free(_ id: String) {
            for position in dependents.removeValue(forKey: id) ?? [] {
                guard var waiter = waiting[position] else { continue }
                waiter.missing -= 1
                waiting[position] = waiter
                if waiter.missing == 0 {
                    // Kept in descending order: the smallest rank is popped from the end.
                    ready.insert(position, at: ready.firstIndex { $0 < position } ?? ready.count)
                }
            }
        }
        free(id)
        while let position = ready.popLast() {
            guard let entry = waiting.removeValue(forKey: position)?.entry else { continue }
            emit(entry)
            free(entry.id)
        }
    }

    private static func failedReason(_ id: String, _ claims: Claims) -> String {
        claims.abandoned[id] ?? "\(id) failed midway in an earlier run; fix the database, then run `strata repair \(id)`"
    }
}

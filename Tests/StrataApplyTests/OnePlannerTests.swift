import Foundation
import StrataApply
import StrataCore
import StrataRules
import Testing

/// `up`, `up --single-transaction` (files streamed while the first migrations run), `deploy`
/// (`up` once its gate passed; with `--single-transaction`, on files read whole) and
/// `--dry-run` all plan through `UpPlanner`: for the same folder and database state they reach
/// the same plan (pending set, order, target cut) or the same refusal, on real files and
/// databases.
@Suite("One planner for up, up --single-transaction, deploy and --dry-run")
struct OnePlannerTests {
    /// One migration file: a full header, then UP and DOWN.
    struct File: Sendable {
        var id: String
        var up: String
        var dependencies: [String] = []
        var rollbackSafe = true
        var transaction = true

        var text: String {
            """
            -- @name: \(id)
            -- @description: \(id)
            -- @timestamp: 2024-01-01T00:00:00Z
            -- @rollbackSafe: \(rollbackSafe)
            -- @performanceImpact: low
            -- @dependencies: [\(dependencies.map { "\"\($0)\"" }.joined(separator: ", "))]
            \(transaction ? "" : "-- @transaction: false")

            -- UP MIGRATION
            \(up)

            -- DOWN MIGRATION
            SELECT 1;

            """
        }
    }

    /// A database state (`before` applied, migration by migration; a failure is kept as it
    /// leaves the database) and the folder `up` then reads.
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var before: [File] = []
        var files: [File]
        var request = UpRequest()
        /// What every way must reach.
        var expected: Reached
    }

    enum Reached: Equatable, Sendable {
        case ran([String])
        case refused([String])
    }

    /// The ways a command plans: `deploy` runs `up` once its gate has passed, so its plain run
    /// is `.up`; with `--single-transaction` it reads the files whole first.
    enum Way: CaseIterable, CustomStringConvertible {
        case dryRun, up, singleTransactionStreamed, singleTransactionReadWhole

        var description: String {
            switch self {
            case .dryRun: "up --dry-run"
            case .up: "up / deploy"
            case .singleTransactionStreamed: "up --single-transaction"
            case .singleTransactionReadWhole: "deploy --single-transaction"
            }
        }
    }

    static let base = File(id: "0001_base", up: "CREATE TABLE base (x INT);")
    static let view = File(id: "0002_view", up: "CREATE VIEW later_view AS SELECT y FROM later;", dependencies: ["0004_later"])
    static let mid = File(id: "0003_mid", up: "CREATE TABLE mid (x INT);")
    static let later = File(id: "0004_later", up: "CREATE TABLE later (y INT);")
    static let tail = File(id: "0005_tail", up: "CREATE TABLE tail (x INT);")
    static let forward = [base, view, mid, later, tail]

    static let cases: [Case] = [
        Case(description: "a dependency pointing forward", files: forward,
             expected: .ran(["0001_base", "0003_mid", "0004_later", "0002_view", "0005_tail"])),
        Case(description: "the target pulls what it depends on before it", files: forward, request: UpRequest(target: "0002_view"),
             expected: .ran(["0001_base", "0003_mid", "0004_later", "0002_view"])),
        Case(description: "an applied target", before: [base], files: forward, request: UpRequest(target: "0001_base"),
             expected: .ran([])),
        Case(description: "pending below applied ones", before: [base, mid], files: [base, File(id: "0002_b", up: "CREATE TABLE b (x INT);"), mid, tail],
             expected: .ran(["0002_b", "0005_tail"])),
        Case(description: "an applied file edited", before: [base], files: [File(id: "0001_base", up: "CREATE TABLE base (x INT, z INT);"), mid],
             expected: .refused(["0001_base was edited after it was applied (checksum differs); restore it, or pass --allow-changed"])),
        Case(description: "an applied file edited, allowed", before: [base],
             files: [File(id: "0001_base", up: "CREATE TABLE base (x INT, z INT);"), mid], request: UpRequest(allowChanged: true),
             expected: .ran(["0003_mid"])),
        Case(description: "an applied file gone", before: [base, mid], files: [mid, tail],
             expected: .refused(["0001_base is applied but its file is missing; restore it, or pass --allow-changed"])),
        Case(description: "a dependency on nothing", files: [base, File(id: "0002_x", up: "CREATE TABLE x (x INT);", dependencies: ["0009_nowhere"])],
             expected: .refused(["0002_x has lint errors:", "0002_x depends on 0009_nowhere, which is neither applied nor pending before it"])),
        Case(description: "a dependency cycle", files: [
            base,
            File(id: "0002_p", up: "CREATE TABLE p (x INT);", dependencies: ["0003_q"]),
            File(id: "0003_q", up: "CREATE TABLE q (x INT);", dependencies: ["0002_p"]),
        ], expected: .refused(["0002_p has lint errors:", "0003_q has lint errors:",
                               "0002_p depends on 0003_q, which is neither applied nor pending before it"])),
        Case(description: "an unknown target", files: forward, request: UpRequest(target: "0009_z"),
             expected: .refused(["no migration '0009_z'"])),
        Case(description: "a row failed midway", before: [base, File(id: "0002_nt", up: "CREATE TABLE nt (x INT);\nINSERT INTO nowhere VALUES (1);", transaction: false)],
             files: [base, File(id: "0002_nt", up: "CREATE TABLE nt (x INT);\nINSERT INTO nowhere VALUES (1);", transaction: false), mid],
             expected: .refused(["0002_nt failed midway in an earlier run; fix the database, then run `strata repair 0002_nt`"])),
        Case(description: "lint errors in a pending file", before: [base],
             files: [base, File(id: "0002_drop", up: "DROP TABLE base;", rollbackSafe: true), mid],
             expected: .refused(["0002_drop has lint errors:"])),
    ]

    static let arguments: [(Backend, Case)] = Backend.all.flatMap { backend in cases.map { (backend, $0) } }

    @Test(arguments: arguments)
    func everyWayReachesThePlan(_ backend: Backend, _ example: Case) throws {
        var rowsAfterRuns: [[[String]]] = []
        var progressWithoutTarget: [[String]] = []
        for way in Way.allCases {
            let scratch = try ScratchDatabase(backend)
            try Self.prepare(example.before, on: scratch)
            let before = try scratch.rows(on: scratch.connect())
            let folder = try TemporaryFolder()
            let (applier, lint) = try Self.applier(example.files, in: folder, on: scratch, streamed: way == .singleTransactionStreamed)
            var progress: [String] = []
            applier.progress = { progress.append(String($0.prefix { $0 != "." }).trimmingCharacters(in: .whitespaces)) }
            var request = example.request
            request.singleTransaction = way == .singleTransactionStreamed || way == .singleTransactionReadWhole
            let reached: Reached
            switch way {
            case .dryRun:
                switch try applier.plan(request, lint: lint) {
                case .success(let plan): reached = .ran(plan.map(\.id))
                case .failure(let refusal): reached = .refused(refusal.reasons)
                }
            case .up, .singleTransactionStreamed, .singleTransactionReadWhole:
                switch try applier.up(request, lint: lint) {
                case .success(let report): reached = .ran(report.applied.map(\.id))
                case .failure(let refusal): reached = .refused(refusal.reasons)
                }
            }
            #expect(Self.matches(reached, example.expected), "\(way): \(reached)")
            let rows = try scratch.rows(on: applier.database)
            switch (way, example.expected) {
            case (.dryRun, _), (_, .refused):
                #expect(rows == before, "\(way): nothing is kept")
            case (_, .ran(let ids)):
                #expect(Set(rows.map { $0[0] }) == Set(before.map { $0[0] } + ids), "\(way)")
            }
            if way != .dryRun {
                rowsAfterRuns.append(rows)
                if example.request.target == nil, Self.ran(example.expected) { progressWithoutTarget.append(progress) }
            }
        }
        #expect(Set(rowsAfterRuns.map { $0.description }).count == 1, "\(rowsAfterRuns)")
        #expect(Set(progressWithoutTarget).count <= 1, "\(progressWithoutTarget)")
    }

    // MARK: - Helpers

    /// Whether `reached` is `expected` (a lint refusal by the start of each reason).
    static func matches(_ reached: Reached, _ expected: Reached) -> Bool {
        guard case .refused(let reasons) = reached, case .refused(let starts) = expected else { return reached == expected }
        return reasons.count == starts.count && zip(reasons, starts).allSatisfy { $0.hasPrefix($1) }
    }

    static func ran(_ reached: Reached) -> Bool {
        if case .ran = reached { true } else { false }
    }

    /// Applies `files` (what was there before), migration by migration; a migration that fails
    /// leaves the database as it left it.
    static func prepare(_ files: [File], on scratch: ScratchDatabase) throws {
        guard !files.isEmpty else { return }
        let folder = try TemporaryFolder()
        let (applier, _) = try applier(files, in: folder, on: scratch, streamed: false, lints: false)
        _ = try? applier.up(UpRequest())
    }

    /// An applier on `files`, written to a `migrations` folder of `folder` and read whole or
    /// streamed, with the lint `up` refuses on (every rule at its default level).
    static func applier(_ files: [File], in folder: TemporaryFolder, on scratch: ScratchDatabase, streamed: Bool,
                        lints: Bool = true) throws -> (Applier, LintGate?) {
        let directory = folder.path("migrations")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in files { try file.text.write(toFile: directory + "/\(file.id).sql", atomically: true, encoding: .utf8) }
        let db = try scratch.connect()
        let layout = LayoutKind.strata
        let discovered = try FileDiscovery.discover([directory], layout: layout.layout)
        let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: db.dialect, layout: layout)
        if streamed {
            let stream = CatalogStream(discovered, layout: layout, dialect: db.dialect)
            return (try Applier(database: db, source: .stream(stream)), lints ? LintGate(linter, stream: stream) : nil)
        }
        let inputs = try discovered.map { file throws(InputError) in try FileDiscovery.input(file) }
        let parsed = MigrationCatalog.parse(inputs, layout: layout, dialect: db.dialect)
        let catalog = MigrationCatalog(parsed: parsed, inputs: inputs)
        return (try Applier(database: db, catalog: catalog), lints ? LintGate(linter, files: parsed) : nil)
    }
}

import Foundation
import StrataSyntax
import Testing
@testable import StrataCore

/// sqitch's plan and scripts, from fixtures written after sqitch's documentation.
@Suite struct SqitchLayoutTests {
    static let plan = """
        %syntax-version=1.0.0
        %project=widgets
        %uri=https://example.com/widgets/

        # A comment line
        users 2024-01-02T10:00:00Z Ann Planner <ann@example.com> # Users table.
        accounts [users] 2024-01-03T10:00:00Z Ann Planner <ann@example.com> # Accounts \\# one.
        @v1.0 2024-01-04T10:00:00Z Ann Planner <ann@example.com> # Release 1.0.
        names [users] 2024-01-05T10:00:00Z Ann Planner <ann@example.com> # A view.
        @v1.1 2024-01-06T10:00:00Z Ann Planner <ann@example.com> # Release 1.1.

        names [names@v1.1 accounts other:thing widgets:users !gone] 2024-01-07T10:00:00Z Ann Planner <ann@example.com> # Reworked.
        """

    @Test func thePlanGivesIdsDependenciesAndOrder() {
        let plan = SqitchPlan(text: Self.plan)
        #expect(plan.project == "widgets")
        #expect(plan.pragmas["syntax-version"] == "1.0.0")
        #expect(plan.problems.isEmpty)
        #expect(plan.changes.map(\.id) == ["users", "accounts", "names@v1.1", "names"])
        #expect(plan.changes.map(\.line) == [6, 7, 9, 12])
        #expect(plan.tags.map(\.name) == ["v1.0", "v1.1"])
        // Each change comes after the one before it; `names@v1.1` is the older occurrence;
        // another project's change is not among them; a conflict is not a dependency.
        #expect(plan.changes[1].dependencies == ["users"])
        #expect(plan.changes[2].dependencies == ["users", "accounts"])
        #expect(plan.changes[3].dependencies == ["names@v1.1", "accounts", "users"])
        #expect(plan.changes[3].conflicts == ["gone"])
        #expect(plan.changes[1].note == "Accounts \\# one.")
    }

    @Test func aLineThatIsNoChangeIsAProblem() {
        let plan = SqitchPlan(text: "%project=x\n[broken] 2024-01-01T00:00:00Z A <a@b>\n")
        #expect(plan.problems == [SqitchPlan.Problem(line: 2, message: "not a change, tag or pragma line")])
    }

    private func folder() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-sqitch-\(UUID().uuidString)").path
        func write(_ path: String, _ text: String) throws {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try write("sqitch.plan", Self.plan)
        try write("sqitch.conf", "[core]\n\tengine = pg\n")
        for id in ["users", "accounts", "names@v1.1", "names"] {
            try write("deploy/\(id).sql", "-- Deploy \(id)\nBEGIN;\nCREATE TABLE \(id.replacingOccurrences(of: "@v1.1", with: "_old")) (id int);\nCOMMIT;\n")
            try write("revert/\(id).sql", "BEGIN;\nDROP TABLE x;\nCOMMIT;\n")
            try write("verify/\(id).sql", "SELECT 1;\n")
        }
        try write("deploy/unplanned.sql", "SELECT 1;\n")
        try write("notes/readme.sql", "SELECT 1;\n")
        return root
    }

    @Test func aFolderIsReadInPlanOrderWithItsRevertScripts() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = try FileDiscovery.discover([root], layout: SqitchLayout())
        // Plan order, not name order; an unplanned script and other folders are left out.
        #expect(files.map(\.id) == ["users", "accounts", "names@v1.1", "names"])
        #expect(files[2].down?.path == root + "/revert/names@v1.1.sql")
        #expect(files.allSatisfy { $0.settings?.path == root + "/sqitch.plan" })
        let parsed = try files.map { SqitchLayout().parse(try FileDiscovery.input($0), dialect: .postgresql, depth: .full) }
        #expect(parsed[3].dependencies == ["names@v1.1", "accounts", "users"])
        let order = MigrationOrder(dependencies: Dictionary(uniqueKeysWithValues: parsed.map { ($0.id, $0.dependencies) }))
        #expect(order.ordered == ["users", "accounts", "names@v1.1", "names"])
        // The script's own BEGIN/COMMIT are left out: Strata's transaction stands in for them.
        #expect(parsed[0].up?.statements.count == 1)
        #expect(parsed[0].down?.statements.count == 1)
        #expect(parsed[0].nonTransactionalReason == nil)
        #expect(try LayoutDetector.detect([root]).layout == .sqitch)
        #expect(SqitchProject.dialect(inFolder: root)?.0 == .postgresql)
    }

    @Test func aPlannedChangeWithoutItsScriptIsAnErrorAtItsLine() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.removeItem(atPath: root + "/deploy/accounts.sql")
        try FileManager.default.removeItem(atPath: root + "/revert/accounts.sql")
        #expect(throws: InputError(path: root + "/sqitch.plan", message: "change accounts has no deploy script (\(root)/deploy/accounts.sql)", line: 7, column: 1)) {
            try FileDiscovery.discover([root], layout: SqitchLayout())
        }
    }

    private func parse(_ up: String) -> MigrationFile {
        SqitchLayout().parse(MigrationInput(id: "x", path: "deploy/x.sql", bytes: Array(up.utf8)), dialect: .postgresql, depth: .full)
    }

    @Test func aScriptRunsAsSqitchRunsIt() {
        // No transaction statement: Strata's own transaction, unless a statement refuses one.
        #expect(parse("CREATE TABLE t (id int);\n").nonTransactionalReason == nil)
        #expect(parse("CREATE INDEX CONCURRENTLY i ON t (id);\n").nonTransactionalReason == "CREATE INDEX CONCURRENTLY")
        // Any other BEGIN/COMMIT: outside a transaction, as written.
        let mixed = parse("BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (id);\n")
        #expect(mixed.transactionDeclared == false)
        #expect(mixed.up?.statements.count == 4)
        #expect(mixed.nonTransactionalReason == "its own BEGIN/COMMIT, run as sqitch runs the script")
        #expect(mixed.transactionSetting?.line == 1)
        #expect(parse("CREATE INDEX i ON t (id);\n").outsideTransactionAdvice(.postgresql).hasPrefix("remove the script's BEGIN and COMMIT"))
    }

    @Test func newWritesTheThreeScriptsAndThePlanLine() throws {
        let files = try LayoutTemplate.files(layout: .sqitch, slug: "add_widgets", up: "CREATE TABLE w (id int);", down: "DROP TABLE w;",
                                             existing: [], now: Date(timeIntervalSince1970: 0))
        #expect(files.map(\.path) == ["deploy/add_widgets.sql", "revert/add_widgets.sql", "verify/add_widgets.sql"])
        #expect(files[0].text.contains("BEGIN;\n\nCREATE TABLE w (id int);\n\nCOMMIT;\n"))
        let line = SqitchPlan.changeLine(name: "add_widgets", planner: "Ann Planner", email: "ann@example.com",
                                         at: Date(timeIntervalSince1970: 86_400), note: "Add widgets")
        #expect(line == "add_widgets 1970-01-02T00:00:00Z Ann Planner <ann@example.com> # Add widgets")
        #expect(SqitchPlan(text: "%project=p\n" + line).changes.map(\.name) == ["add_widgets"])
    }
}

import Foundation
import StrataCore
import StrataSyntax
import Testing

/// Every project of the real-world corpus beside the checkout (`../shared/corpus`), read with
/// `--layout auto`: the layout it is written for, how many migrations, how many with DOWN SQL.
/// The counts were taken from the file names with `find`/`ls` (diesel: folders holding up.sql;
/// golang-migrate: `.up.sql` files; popx: each database's UP file, and each database's DOWN
/// file that stands in for a generic UP's), not from Strata.
@Suite("Corpus layouts")
struct CorpusLayoutTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus")
    static var present: Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent("FILES.tsv").path) }

    struct Project: Sendable, CustomStringConvertible {
        var folder: String
        var layout: LayoutKind
        var migrations: Int
        var withDown: Int
        var description: String { folder }
    }

    static let projects: [Project] = [
        Project(folder: "LemmyNet__lemmy/migrations", layout: .diesel, migrations: 342, withDown: 342),
        Project(folder: "rust-lang__crates.io/migrations", layout: .diesel, migrations: 285, withDown: 285),
        Project(folder: "dani-garcia__vaultwarden/migrations/postgresql", layout: .diesel, migrations: 46, withDown: 46),
        Project(folder: "dani-garcia__vaultwarden/migrations/sqlite", layout: .diesel, migrations: 56, withDown: 56),
        Project(folder: "authelia__authelia/internal/storage/migrations/postgres", layout: .golangMigrate, migrations: 26, withDown: 26),
        Project(folder: "authelia__authelia/internal/storage/migrations/sqlite", layout: .golangMigrate, migrations: 26, withDown: 26),
        Project(folder: "goharbor__harbor/make/migrations/postgresql", layout: .golangMigrate, migrations: 39, withDown: 0),
        Project(folder: "supabase__postgres/migrations/db/migrations", layout: .dbmate, migrations: 30, withDown: 30),
        Project(folder: "ory__kratos/persistence/sql/migrations/sql", layout: .golangMigrate, migrations: 989, withDown: 989),
        Project(folder: "ory__hydra/persistence/sql/migrations", layout: .golangMigrate, migrations: 432, withDown: 432),
        Project(folder: "matrix-org__synapse/synapse/storage/schema", layout: .plain, migrations: 301, withDown: 0),
        Project(folder: "temporalio__temporal/schema", layout: .plain, migrations: 60, withDown: 0),
    ]

    @Test(.enabled(if: CorpusLayoutTests.present, "../shared/corpus is not present"), arguments: CorpusLayoutTests.projects)
    func readsTheProjectWithTheRightLayout(_ project: Project) throws {
        let folder = Self.root.appendingPathComponent(project.folder).path
        let detected = try LayoutDetector.detect([folder])
        #expect(detected.layout == project.layout, "\(detected.reason)")
        let units = try FileDiscovery.discover([folder], layout: detected.layout.layout)
        #expect(units.count == project.migrations)
        if project.layout.keepsDownApart { #expect(units.count { $0.down != nil } == project.withDown) }
        // Every migration's DOWN SQL, from its own file or after its marker, is what parsing reads
        // as its DOWN section.
        let dialect: Dialect = project.folder.contains("sqlite") ? .sqlite : .postgresql
        let parsedWithDown = try units.count { unit in
            detected.layout.layout.parse(try FileDiscovery.input(unit), dialect: dialect, depth: .forward).down != nil
        }
        #expect(parsedWithDown == project.withDown)
    }
}

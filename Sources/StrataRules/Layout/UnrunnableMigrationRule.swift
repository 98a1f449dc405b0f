import StrataCore
import StrataSyntax

public struct UnrunnableMigrationRule: Rule {
    public init() {}

    static let gooseGo = """
        package migrations

        import "github.com/pressly/goose/v3"

        func init() { goose.AddMigrationContext(upBackfill, downBackfill) }
        """

    static let flywayJava = """
        package db.migration;

        public class V2__Backfill extends org.flywaydb.core.api.migration.BaseJavaMigration {}
        """

    public static let description = RuleDescription(
        id: "unrunnable-migration",
        summary: "A migration in the order is not SQL (a goose Go or Flyway Java migration): Strata cannot run it",
        rationale: """
            goose runs Go migrations and Flyway Java and Kotlin ones in the same version order as \
            their SQL files, and the SQL after them may rely on what they did. Strata cannot run \
            them, but skipping one would run the later SQL on a database it was not written for. \
            So the file stays in the order: `strata up` applies the migrations before it and stops \
            there (exit 1) until it is recorded as applied. Run it with its tool, then record it \
            with `strata mark-applied <id>`: the tracking row then holds the file's checksum, and \
            an edit of it after it was applied is caught as any other.
            """,
        help: "when `strata up` stops at it, run it with its tool, then `strata mark-applied <id>`; or rewrite it in SQL",
        defaultSeverity: .warning,
        suppressible: false,
        readsNonSQLFiles: true,
        triggeringExamples: [
            Example("↓" + gooseGo, fileName: "00002_backfill.go",
                    earlier: [("00001_users.sql", "-- +goose Up\nCREATE TABLE users (id INT PRIMARY KEY);\n")], layout: .goose),
            Example("↓" + flywayJava, fileName: "V2__Backfill.java",
                    earlier: [("V1__users.sql", "CREATE TABLE users (id INT PRIMARY KEY);\n")], layout: .flyway),
        ],
        nonTriggeringExamples: [
            Example("-- +goose Up\nCREATE TABLE posts (id INT PRIMARY KEY);\n", fileName: "00003_posts.sql",
                    earlier: [("00002_backfill.go", gooseGo)], layout: .goose),
            Example("CREATE TABLE posts (id INT PRIMARY KEY);\n", fileName: "V3__posts.sql",
                    earlier: [("V2__Backfill.java", flywayJava)], layout: .flyway),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let file = context.file
        guard let kind = file.nonSQL else { return [] }
        let name = file.path.split(separator: "/").last.map(String.init) ?? file.path
        return [Violation(at: .start, message: "\(name) is a \(kind.language) migration, which Strata cannot run: `strata up` stops at it until it is recorded as applied",
                          help: kind.advice(id: file.id))]
    }
}

import StrataCore
import StrataSyntax

public struct AtlasSumMismatchRule: Rule {
    public init() {}

    /// `atlas.sum` for the files given, as `atlas migrate hash` writes it.
    private static func sum(_ files: [(String, String)]) -> String {
        AtlasSum.text(files.map { (name: $0.0, bytes: Array($0.1.utf8)) })
    }

    public static let description = RuleDescription(
        id: "atlas-sum-mismatch",
        summary: "An Atlas migration folder's files do not match its atlas.sum",
        rationale: """
            Atlas keeps a hash of every migration file in `atlas.sum` and refuses to apply a \
            folder whose files do not match it. A file edited after `atlas migrate hash` (or one \
            added without it, or a line of the sum whose file is gone) means the migrations \
            reviewed are not the ones Atlas would run: another branch's edit slipped in, or a \
            migration already applied somewhere was changed. Strata checks the sum as Atlas does, \
            so the deploy does not find out first.
            """,
        help: "if the change is meant, run `atlas migrate hash` and commit atlas.sum with it; if not, restore the file",
        defaultSeverity: .error,
        triggeringExamples: [
            // Edited after the sum was written.
            Example("↓CREATE TABLE posts (id bigint);\n", fileName: "20240102000000_posts.sql",
                    earlier: [("20240101000000_users.sql", "CREATE TABLE users (id bigint);\n"),
                              ("atlas.sum", sum([("20240101000000_users.sql", "CREATE TABLE users (id bigint);\n"),
                                                 ("20240102000000_posts.sql", "CREATE TABLE posts (id int);\n")]))],
                    layout: .atlas),
            // Added without re-hashing.
            Example("↓CREATE TABLE posts (id bigint);\n", fileName: "20240102000000_posts.sql",
                    earlier: [("20240101000000_users.sql", "CREATE TABLE users (id bigint);\n"),
                              ("atlas.sum", sum([("20240101000000_users.sql", "CREATE TABLE users (id bigint);\n")]))],
                    layout: .atlas),
        ],
        nonTriggeringExamples: [
            Example("CREATE TABLE posts (id bigint);\n", fileName: "20240102000000_posts.sql",
                    earlier: [("20240101000000_users.sql", "CREATE TABLE users (id bigint);\n"),
                              ("atlas.sum", sum([("20240101000000_users.sql", "CREATE TABLE users (id bigint);\n"),
                                                 ("20240102000000_posts.sql", "CREATE TABLE posts (id bigint);\n")]))],
                    layout: .atlas),
            // A file Atlas is told not to hash.
            Example("-- atlas:sum ignore\nCREATE TABLE scratch (id bigint);\n", fileName: "20240102000000_scratch.sql",
                    earlier: [("20240101000000_users.sql", "CREATE TABLE users (id bigint);\n"),
                              ("atlas.sum", sum([("20240101000000_users.sql", "CREATE TABLE users (id bigint);\n"),
                                                 ("20240102000000_scratch.sql", "-- atlas:sum ignore\nCREATE TABLE scratch (id int);\n")]))],
                    layout: .atlas),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        context.file.integrityProblems.map { Violation(at: .start, message: $0) }
    }
}

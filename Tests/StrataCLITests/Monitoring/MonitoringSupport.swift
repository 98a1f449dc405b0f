import Foundation
import StrataApply
import Testing

/// A project whose strata.yml sets `monitoring.slow_ms` to 100, with three migrations of
/// which the second is slow on purpose: `pg_sleep(0.3)` on PostgreSQL, a recursive CTE summing
/// two million numbers on SQLite (about half a second; far above 100 ms on any machine).
enum MonitoringFixture {
    static let slowMilliseconds = 100

    static func project(_ backend: Backend) throws -> ApplyProject {
        let p = try ApplyProject(backend)
        try p.write("strata.yml", "monitoring:\n  slow_ms: \(slowMilliseconds)\n")
        try p.write("migrations/0001_users.sql", Fixtures.migration(up: "CREATE TABLE users (id INT PRIMARY KEY);", down: "DROP TABLE users;"))
        let slow = backend == .postgres
            ? "SELECT pg_sleep(0.3);\nCREATE TABLE slow_done (id INT);"
            : "CREATE TABLE slow_done AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT sum(x) AS s FROM c;"
        try p.write("migrations/0002_slow.sql", Fixtures.migration(up: slow, down: "DROP TABLE slow_done;"))
        try p.write("migrations/0003_nick.sql", Fixtures.migration(
            up: "ALTER TABLE users ADD COLUMN nick TEXT;", down: "ALTER TABLE users DROP COLUMN nick;"))
        return p
    }

    /// The password of the test server's URL, which no output may show.
    static func password(_ p: ApplyProject) -> String? {
        p.backend == .postgres ? URLComponents(string: p.url)?.password : nil
    }

    /// The URL as Strata shows it.
    static func redacted(_ p: ApplyProject) throws -> String { try DatabaseURL(p.url).redacted }
}

/// JSON helpers for the tests.
enum JSON {
    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    /// Each line of a `--log-json` file, parsed.
    static func lines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { try object(String($0)) }
    }
}

extension ApplyProject {
    /// `strata args --database URL`, the arguments as an array.
    func run(_ args: [String]) throws -> CLI.Outcome { try CLI.run(args + ["--database", url], in: project.root) }
}

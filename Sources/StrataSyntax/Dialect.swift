/// The SQL dialect a file is read in. It changes how the lexer reads a few constructs
/// (dollar quotes, `E'...'`, nested block comments, `[bracket]` and `` `backtick` `` identifiers).
public enum Dialect: String, Sendable, CaseIterable, Codable {
    case sqlite
    case postgresql

    /// Accepts the names users type: `sqlite`, `sqlite3`, `postgresql`, `postgres`, `pg`.
    public init?(name: String) {
        switch name.lowercased() {
        case "sqlite", "sqlite3": self = .sqlite
        case "postgresql", "postgres", "pg": self = .postgresql
        default: return nil
        }
    }
}

import StrataCore

/// PostgreSQL rules about locks and table rewrites on tables that may be busy.
public enum PostgresLockRules {
    public static let types: [any Rule.Type] = []
}

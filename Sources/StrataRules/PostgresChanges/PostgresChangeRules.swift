import StrataCore

/// PostgreSQL rules about changes that break running code, transactions, names and types.
public enum PostgresChangeRules {
    public static let types: [any Rule.Type] = []
}

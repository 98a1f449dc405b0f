import StrataCore

/// SQLite's ALTER TABLE limits and rebuild hazards.
public enum SQLiteHazardRules {
    public static let types: [any Rule.Type] = []
}

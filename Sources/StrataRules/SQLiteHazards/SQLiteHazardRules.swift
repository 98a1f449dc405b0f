import StrataCore

/// SQLite's ALTER TABLE limits and rebuild hazards.
public enum SQLiteHazardRules {
    public static let types: [any Rule.Type] = [
        SQLiteAddColumnNonconstantDefaultRule.self,
        SQLiteAddColumnNotNullDefaultRule.self,
        SQLiteAddColumnConstraintRule.self,
        SQLiteAlterUnsupportedRule.self,
        SQLiteDropColumnRestrictedRule.self,
        SQLiteRebuildOrderRule.self,
        SQLiteRebuildLostObjectsRule.self,
        SQLitePgOnlySyntaxRule.self,
    ]
}

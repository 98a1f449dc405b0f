import StrataCore

/// PostgreSQL rules about changes that break running code, transactions, names and types.
public enum PostgresChangeRules {
    public static let types: [any Rule.Type] = [
        RenameTableRule.self,
        RenameColumnRule.self,
        DropTableRule.self,
        DropColumnRule.self,
        DropSchemaDatabaseRule.self,
        TruncateCascadeRule.self,
        RelaxConstraintRule.self,
        TransactionBalanceRule.self,
        IdentifierTooLongRule.self,
        JSONColumnRule.self,
        EnumValueHazardsRule.self,
        // Opt-in style
        PreferBigintRule.self,
        PreferIdentityRule.self,
        PreferTextRule.self,
        PreferTimestamptzRule.self,
    ]
}

import StrataCore

/// PostgreSQL rules about locks and table rewrites on tables that may be busy.
public enum PostgresLockRules {
    public static let types: [any Rule.Type] = [
        CreateIndexNonConcurrentRule.self,
        DropIndexNonConcurrentRule.self,
        ReindexNonConcurrentRule.self,
        ConcurrentlyInTransactionRule.self,
        TableRewriteMaintenanceRule.self,
        AddColumnVolatileDefaultRule.self,
        AddColumnSerialRule.self,
        ChangeColumnTypeRule.self,
        SetNotNullScanRule.self,
        AddForeignKeyValidatedRule.self,
        AddCheckValidatedRule.self,
        ValidateSameTransactionRule.self,
        AddUniqueConstraintRule.self,
        AddPrimaryKeyRule.self,
        MissingLockTimeoutRule.self,
        AddRequiredColumnRule.self,
    ]
}

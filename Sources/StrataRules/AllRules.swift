import StrataCore

/// Every rule Strata ships, in the order `strata rules` lists them.
public enum AllRules {
    public static let types: [any Rule.Type] = [
        // Syntax
        ParseErrorRule.self,
        UnusedIgnoreRule.self,
        // Metadata and layout
        MissingMetadataRule.self,
        InvalidMetadataRule.self,
        UnknownDependencyRule.self,
        DependencyCycleRule.self,
        DuplicateMigrationNumberRule.self,
        SectionMarkersRule.self,
        MissingDownRule.self,
        UnrunnableMigrationRule.self,
        AtlasSumMismatchRule.self,
        // Safety and schema
        DestructiveInRollbackSafeRule.self,
        UnindexedColumnRule.self,
        DownDoesNotReverseUpRule.self,
        // SQLite
        SQLiteForeignKeyPragmaInTransactionRule.self,
        // History (strata check)
        EditedAppliedMigrationRule.self,
        DeletedAppliedMigrationRule.self,
        RenamedAppliedMigrationRule.self,
        OutOfOrderMigrationRule.self,
    ] + PostgresLockRules.types + PostgresChangeRules.types + SQLiteHazardRules.types

    public static func instances() -> [any Rule] { types.map { $0.init() } }

    public static var descriptions: [RuleDescription] { types.map { $0.description } }

    public static func description(of id: String) -> RuleDescription? { descriptions.first { $0.id == id } }

    public static var ids: Set<String> { Set(descriptions.map(\.id)) }
}

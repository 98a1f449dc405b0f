/// Builds complete strata-layout files for rule examples, so each example shows only what it is
/// about: its UP and DOWN statements and the metadata that matters.
enum ExampleFile {
    static func migration(_ up: String, down: String = "SELECT 1;", name: String = "Example",
                          rollbackSafe: String = "true", dependencies: String = "[]") -> String {
        """
        -- @name: \(name)
        -- @description: An example migration
        -- @timestamp: 2024-01-01T00:00:00Z
        -- @rollbackSafe: \(rollbackSafe)
        -- @performanceImpact: low
        -- @dependencies: \(dependencies)

        -- UP MIGRATION
        \(up)

        -- DOWN MIGRATION
        \(down)

        """
    }
}

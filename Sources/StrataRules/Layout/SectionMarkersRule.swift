import StrataCore

public struct SectionMarkersRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "section-markers",
        summary: "UP/DOWN markers are missing, repeated, out of order, or SQL stands before UP",
        rationale: """
            The markers decide which statements run forward and which undo them. SQL above \
            `-- UP MIGRATION` belongs to no section; a second UP or DOWN marker, or DOWN before \
            UP, usually means two files were pasted together. Without an UP marker, Strata reads \
            what comes before DOWN as UP, but says so.
            """,
        help: "write `-- UP MIGRATION` after the header, then the forward SQL, then `-- DOWN MIGRATION` and the rollback SQL",
        defaultSeverity: .error,
        requires: .sectionMarkers,
        triggeringExamples: [
            Example("""
                -- @name: No markers
                ↓CREATE TABLE users (id INT PRIMARY KEY);
                """),
            Example(ExampleFile.migration("SELECT 1;").replacingOccurrences(of: "-- UP MIGRATION", with: "↓SELECT 0;\n-- UP MIGRATION")),
            Example(ExampleFile.migration("SELECT 1;", down: "SELECT 2;\n↓-- UP MIGRATION again\nSELECT 3;")),
            Example("-- @name: Reversed\n↓-- DOWN MIGRATION\nDROP TABLE t;\n-- UP MIGRATION\nCREATE TABLE t (id INT);\n"),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("SELECT 1;")),
            Example("-- @name: Marker text\n-- up migration (forward changes)\nSELECT 1;\n-- Down Migration: undo\nSELECT 2;\n"),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let file = context.file
        var violations: [Violation] = []
        let ups = file.markers.filter { $0.kind == .up }
        let downs = file.markers.filter { $0.kind == .down }
        if ups.isEmpty {
            let firstStatement = file.up?.statements.first?.range.start
            violations.append(Violation(at: firstStatement ?? file.markers.first?.range.start ?? .start,
                                        message: "no `-- UP MIGRATION` marker; statements before DOWN are read as UP"))
        }
        for extra in ups.dropFirst() {
            violations.append(Violation(range: extra.range, message: "a second UP MIGRATION marker"))
        }
        for extra in downs.dropFirst() {
            violations.append(Violation(range: extra.range, message: "a second DOWN MIGRATION marker"))
        }
        if let up = ups.first, let down = downs.first, down.tokenIndex < up.tokenIndex {
            violations.append(Violation(range: down.range, message: "the DOWN MIGRATION marker comes before UP MIGRATION"))
        }
        for statement in file.strayStatements {
            violations.append(Violation(range: statement.range,
                                        message: "statement before `-- UP MIGRATION` belongs to no section and would never run"))
        }
        return violations
    }
}

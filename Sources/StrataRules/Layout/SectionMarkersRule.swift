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
            Example("↓CREATE TABLE t (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE t;\n", layout: .dbmate),
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
            Example("-- +goose Up\nCREATE TABLE t (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE t;\n", layout: .goose),
            Example("-- @name: Marker text\n-- up migration (forward changes)\nSELECT 1;\n-- Down Migration: undo\nSELECT 2;\n"),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let file = context.file
        var violations: [Violation] = []
        let ups = file.markers.filter { $0.kind == .up }
        let downs = file.markers.filter { $0.kind == .down }
        let up = file.layout.upMarker, down = file.layout.downMarker
        let strata = file.layout == .strata
        if ups.isEmpty {
            let firstStatement = file.up?.statements.first?.range.start ?? file.strayStatements.first?.range.start
            violations.append(Violation(at: firstStatement ?? file.markers.first?.range.start ?? .start,
                                        message: strata ? "no `\(up)` marker; statements before DOWN are read as UP"
                                            : "no `\(up)` marker: nothing would run forward",
                                        help: strata ? nil : "start the forward SQL with `\(up)`"))
        }
        // The layout's own markers (the description's help names Strata's).
        let order = strata ? nil : "write `\(up)`, then the forward SQL, then `\(down)` and the rollback SQL"
        for extra in ups.dropFirst() {
            violations.append(Violation(range: extra.range, message: "a second `\(up)` marker", help: order))
        }
        for extra in downs.dropFirst() {
            violations.append(Violation(range: extra.range, message: "a second `\(down)` marker", help: order))
        }
        if let first = ups.first, let firstDown = downs.first, firstDown.tokenIndex < first.tokenIndex {
            violations.append(Violation(range: firstDown.range, message: "the `\(down)` marker comes before `\(up)`", help: order))
        }
        // Without an UP marker in dbmate's or goose's files, every statement is before it: the
        // missing marker is the one finding.
        for statement in file.strayStatements where !(ups.isEmpty && !strata) {
            violations.append(Violation(range: statement.range,
                                        message: "statement before `\(up)` belongs to no section and would never run", help: order))
        }
        return violations
    }
}

import Foundation
import StrataCore
import StrataSyntax

/// Columns the migrations index that the database no longer has: the migrations' UP sections
/// are replayed into Strata's schema model (as the lint rules do), and each index the model
/// ends with, created by a migration the database has applied, on a table the database has,
/// is checked column by column. A column missing means the database drifted from the files
/// (a column dropped or renamed by hand, taking its index with it): a database built from the
/// files would differ, and so would a rollback.
extension OptimizeAnalysis {
    mutating func migrationIndexes(_ migrations: [MigrationFile], applied: Set<String>) {
        var model = SchemaModel()
        for file in migrations { model.replay(file: file.up?.statements ?? [], migration: file.id) }
        let files = Dictionary(migrations.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for key in model.tables.keys.sorted() {
            guard let modelTable = model.tables[key], let table = live.table(modelKey: key) else { continue }
            for index in modelTable.indexes where applied.contains(index.createdBy) {
                for column in index.columns.compactMap({ $0 }) where !has(table, column) {
                    let file = files[index.createdBy]
                    let location = file.flatMap { Self.locate(column, of: index, in: $0) }
                    let name = index.name ?? "an unnamed index"
                    var suggestion = ["-- write a migration that brings the files in line with the database (or add \(column) back to \(table.key))"]
                    if let indexName = index.name { suggestion.append("DROP INDEX IF EXISTS \(sql.reference(index: indexName, of: table))") }
                    findings.append(OptimizeFinding(
                        kind: .indexedColumnMissing, table: table.key, index: index.name, columns: [column],
                        message: "\(file?.path ?? index.createdBy) creates \(name) on \(key) (\(index.columns.map { $0 ?? "expression" }.joined(separator: ", "))), but \(table.key) has no column \(column)",
                        why: "the database drifted from the migrations: a database built from the files, and a rollback, would not match this one, and queries written for that index find neither the column nor the index",
                        sql: suggestion, location: location, details: ["migration": index.createdBy]))
                }
            }
        }
    }

    /// Whether the live table has `column` (SQLite compares names without case).
    private func has(_ table: LiveSchema.Table, _ column: String) -> Bool {
        dialect == .sqlite ? table.columns.contains { $0.name.lowercased() == column.lowercased() } : table.column(column) != nil
    }

    /// Where `file` names `column` in the CREATE INDEX that made `index`.
    private static func locate(_ column: String, of index: SchemaModel.Index, in file: MigrationFile) -> OptimizeFinding.Location? {
        for statement in file.up?.statements ?? [] {
            guard case .createIndex(let create) = statement.kind, create.table.key == index.table,
                  create.name?.key == index.name else { continue }
            let element = create.elements.first { $0.column?.name == column }
            let position = element?.range.start ?? statement.range.start
            return OptimizeFinding.Location(file: file.path, line: position.line, column: position.column)
        }
        return nil
    }
}

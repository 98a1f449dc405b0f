import Foundation

/// Redundant indexes: an index is redundant to another on the same table, with the same
/// method and predicate, when
/// - both are UNIQUE with the same elements (an exact duplicate: one constraint is enough), or
/// - it is not UNIQUE and its elements (column or expression, collation, operator class,
///   order) are the other's or the first of them, and the other has its INCLUDE columns: any
///   lookup or order it serves, the other serves. For that the other may be UNIQUE or the
///   primary key; the reverse never holds, since a UNIQUE index also enforces something.
/// Prefixes count for btree only (no other method serves a lookup by leading columns).
/// Of a group of equal indexes the one kept is the primary key, else one a constraint owns,
/// else a UNIQUE one, else the one scanned most (PostgreSQL), else the oldest.
extension OptimizeAnalysis {
    mutating func redundantIndexes() {
        for table in live.tables {
            let ordered = live.indexes(on: table.key).filter(\.valid).sorted { a, b in
                a.elements.count != b.elements.count ? a.elements.count > b.elements.count : Self.keepRank(a) < Self.keepRank(b)
            }
            var keepers: [LiveSchema.Index] = []
            for index in ordered {
                guard let keeper = keepers.first(where: { Self.covers($0, index) }) else {
                    keepers.append(index)
                    continue
                }
                redundant.insert(index.id)
                kept[keeper.id, default: []].append(index.id)
                report(index, redundantTo: keeper, on: table)
            }
        }
    }

    /// Lower keeps first: the primary key, a constraint's index, a UNIQUE index, the one
    /// queries use most (the others' scans move to it), then by age.
    private static func keepRank(_ index: LiveSchema.Index) -> (Int, Int64, Int64) {
        (index.primary ? 0 : index.backsConstraint ? 1 : index.unique ? 2 : 3, -(index.scans ?? 0), index.order)
    }

    /// Whether `keeper` serves everything `index` serves (see the type's comment).
    static func covers(_ keeper: LiveSchema.Index, _ index: LiveSchema.Index) -> Bool {
        guard !index.primary, keeper.method == index.method, keeper.predicate == index.predicate,
              index.elements.count <= keeper.elements.count else { return false }
        let identities = index.elements.map(\.identity)
        if index.unique {
            return keeper.unique && keeper.elements.map(\.identity) == identities && Set(keeper.included) == Set(index.included)
        }
        // A non-unique index a constraint owns is an exclusion constraint's: it is not ours to drop.
        guard !index.backsConstraint, index.method == "btree" || index.elements.count == keeper.elements.count else { return false }
        guard Array(keeper.elements.prefix(index.elements.count).map(\.identity)) == identities else { return false }
        let available = Set(keeper.elements.compactMap(\.column) + keeper.included)
        return index.included.allSatisfy(available.contains)
    }

    private mutating func report(_ index: LiveSchema.Index, redundantTo keeper: LiveSchema.Index, on table: LiveSchema.Table) {
        let duplicate = index.elements.count == keeper.elements.count
        let columns = "(\(index.elements.map { $0.column ?? "expression" }.joined(separator: ", ")))"
        let keeperColumns = "(\(keeper.elements.map { $0.column ?? "expression" }.joined(separator: ", ")))"
        let relation = duplicate ? "duplicates \(keeper.name) \(keeperColumns)" : "is a prefix of \(keeper.name) \(keeperColumns)"
        var details = ["redundant_to": keeper.name, "relation": duplicate ? "duplicate" : "prefix"]
        if let size = index.sizeBytes { details["size_bytes"] = String(size) }
        let fix = index.backsConstraint ? nil : sql.dropIndex(index, of: table, needsIncludeDrops: false)
        let suggestion = fix.map { [$0.up] }
            ?? [dialect == .postgresql
                ? "-- \(index.name) belongs to a constraint: ALTER TABLE \(sql.reference(table)) DROP CONSTRAINT <its constraint> (after checking nothing references it)"
                : "-- \(index.name) belongs to a UNIQUE or PRIMARY KEY clause of \(table.key): SQLite drops it only by rebuilding the table without that clause"]
        findings.append(OptimizeFinding(
            kind: .redundantIndex, table: table.key, index: index.name, columns: index.columns,
            message: "\(index.name) on \(table.key) \(columns) \(relation)",
            why: "\(keeper.name) serves every lookup \(index.name) serves\(index.unique ? " and enforces the same uniqueness" : ""); keeping both costs disk space and slows every INSERT, UPDATE and DELETE on \(table.key)",
            sql: suggestion, details: details, fix: fix))
    }
}

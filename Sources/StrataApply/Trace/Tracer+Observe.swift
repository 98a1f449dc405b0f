import StrataCore

// MARK: - Reading what a statement did

extension Tracer {
    /// Reads every relation the trace follows, once at the start and after SQL ran unobserved.
    @discardableResult
    func reload() throws(ApplyError) -> [Int64: TracedRelation] {
        var all: [Int64: TracedRelation] = [:]
        for row in try database.query(TraceCatalogQuery.all(major: major)) {
            if let relation = TraceCatalogQuery.relation(row) { all[relation.oid] = relation }
        }
        relations = all
        stale = false
        return all
    }

    /// After a statement inside the transaction: the locks it added to those `held` (which
    /// becomes what the transaction holds now) on relations of `preexisting`, what it rewrote
    /// and what it changed, from one query over the relations the transaction has locked.
    ///
    /// `then`: SQL sent in the same message after the query (COMMIT after a migration's last
    /// statement), whose error, if any, is returned with the observation.
    func observe(preexisting: Set<Int64>, held: inout Set<HeldLock>, then: String? = nil) throws(ApplyError) -> (Observation, ApplyError?) {
        var after: ApplyError?
        let read: [[DatabaseValue]]
        if let then, let postgres = database as? PostgresDatabase {
            try prepareHeld()
            let (rows, error) = postgres.firstRows("EXECUTE \(heldStatement); \(then)")
            guard let rows else { throw error ?? ApplyError(.statement, "reading the locks failed") }
            read = rows
            after = error
        } else {
            read = try heldRows()
            if let then {
                do { try database.execute(then) } catch { after = error }
            }
        }
        return (try observe(read, preexisting: preexisting, held: &held), after)
    }

    private func observe(_ read: [[DatabaseValue]], preexisting: Set<Int64>, held: inout Set<HeldLock>) throws(ApplyError) -> Observation {
        let rows = read.sorted { ($0[0].integer ?? 0) < ($1[0].integer ?? 0) }
        var seen = Observation()
        var now: Set<HeldLock> = []
        var droppedIndexes: [TracedRelation] = []
        for row in rows {
            guard let oid = row[0].integer else { continue }
            let modes = (row.count > 10 ? row[10].text ?? "" : "").split(separator: ",").map(String.init)
            let before = relations[oid]
            var after = TraceCatalogQuery.relation(row)
            if var read = after, !read.described, let before {
                // Read for its name only: what else the trace knew of it still stands.
                read.described = before.described
                read.columns = before.columns
                read.constraints = before.constraints
                read.indexes = before.indexes
                read.viewDefinition = before.viewDefinition
                after = read
            }
            for mode in modes {
                let lock = HeldLock(oid: oid, mode: mode)
                now.insert(lock)
                if !held.contains(lock), preexisting.contains(oid), let named = after ?? before {
                    seen.locks.append(TracedLock(schema: named.schema, object: named.name, kind: named.kind, mode: mode))
                }
            }
            if preexisting.contains(oid), let before, let after, Self.rewritten(before, after) {
                seen.rewrites.append(after.qualifiedName)
            }
            seen.changes += TraceChanges.between(before, after)
            relations[oid] = after
            if after == nil, let before, before.isIndex, preexisting.contains(oid) { droppedIndexes.append(before) }
        }
        held = now
        seen.rewrites += rebuilt(droppedIndexes)
        seen.locks.sort(by: Self.lockOrder)
        return seen
    }

    /// After a statement that ran outside any transaction (its locks gone): what it rewrote and
    /// changed, from the whole schema read again.
    func observeByReading(preexisting: Set<Int64>) throws(ApplyError) -> Observation {
        let old = relations
        let new = try reload()
        var seen = Observation()
        var droppedIndexes: [TracedRelation] = []
        for oid in Set(old.keys).union(new.keys).sorted() {
            let before = old[oid], after = new[oid]
            if preexisting.contains(oid), let before, let after, Self.rewritten(before, after) {
                seen.rewrites.append(after.qualifiedName)
            }
            seen.changes += TraceChanges.between(before, after)
            if after == nil, let before, before.isIndex, preexisting.contains(oid) { droppedIndexes.append(before) }
        }
        seen.rewrites += rebuilt(droppedIndexes)
        return seen
    }

    /// The rows of `heldQuery`, through its prepared statement (prepared first when it is not).
    func heldRows() throws(ApplyError) -> [[DatabaseValue]] {
        try prepareHeld()
        return try database.query("EXECUTE \(heldStatement)")
    }

    func prepareHeld() throws(ApplyError) {
        if !heldPrepared {
            var exists = false
            if heldMayBeGone {
                let rows = try database.query("SELECT count(*) FROM pg_prepared_statements WHERE name = $1", [.text(heldStatement)])
                exists = (rows.first?.first?.integer ?? 0) > 0
            }
            if !exists { try database.execute("PREPARE \(heldStatement) AS \(heldQuery)") }
            heldPrepared = true
            heldMayBeGone = false
        }
    }

    /// After a statement that may have dropped the session's prepared statements, whether
    /// `heldStatement` still is is checked before it runs again.
    func notePreparedStatements(_ step: SQLStep) {
        let text = step.sql.lowercased()
        if text.contains("discard") || text.contains("deallocate") {
            heldPrepared = false
            heldMayBeGone = true
        }
    }

    /// A table or index given new storage (a mapped relation, whose relfilenode reads 0, is
    /// left out: its storage is found through the relation map).
    static func rewritten(_ before: TracedRelation, _ after: TracedRelation) -> Bool {
        before.relfilenode != 0 && after.relfilenode != 0 && before.relfilenode != after.relfilenode
    }

    /// Indexes dropped whose tables have an index of the same name again: rebuilt, as
    /// PostgreSQL rebuilds the indexes of a column whose type changes.
    func rebuilt(_ dropped: [TracedRelation]) -> [String] {
        dropped.compactMap { index in
            guard let table = index.table.flatMap({ relations[$0] }), table.indexes[index.name] != nil else { return nil }
            return index.qualifiedName
        }
    }

    /// By object, then mode strength.
    static func lockOrder(_ a: TracedLock, _ b: TracedLock) -> Bool {
        if a.qualifiedName != b.qualifiedName { return a.qualifiedName < b.qualifiedName }
        return (a.lockMode?.rawValue ?? 99, a.mode) < (b.lockMode?.rawValue ?? 99, b.mode)
    }
}

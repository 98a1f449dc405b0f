import StrataCore
import Foundation

/// Where `strata trace` runs the migrations: a PostgreSQL cluster of its own (`--temporary`),
/// or a scratch database the user names (`--database URL`). Either way nothing outlives the
/// trace unless the user asks: `finish` stops and removes the cluster, or drops from the
/// database every object the migrations created.
///
/// Nothing here reads DATABASE_URL or strata.yml: the configured database is never a target.
///
/// `finish` may come from a signal handler's thread while the trace runs a statement on
/// `database`: it takes a lock, does its work once, and cleans the database through a
/// connection of its own after ending the trace's session.
public final class TraceTarget {
    private enum Place {
        case cluster(TemporaryCluster)
        case scratch(ScratchDatabase)
    }

    private let place: Place
    /// The connection the trace runs on.
    public let database: any Database
    /// For the user: `a temporary PostgreSQL 15.8 cluster (initdb from /usr/lib/postgresql/15/bin)`,
    /// or the database's URL with its password redacted.
    public let description: String

    private let lock = NSLock()
    private var finished: [String]?

    private init(place: Place, database: any Database, description: String) {
        self.place = place
        self.database = database
        self.description = description
    }

    deinit { finish() }

    /// `--temporary`: a PostgreSQL cluster of its own, made with initdb and started with pg_ctl
    /// from the installed PostgreSQL, on a free port of 127.0.0.1; `progress` hears each step.
    /// The trace runs in its database `strata_trace`, so that `postgres` stays empty.
    public static func temporary(progress: @escaping (String) -> Void = { _ in }) throws(ApplyError) -> TraceTarget {
        try temporary(search: .standard, progress: progress)
    }

    static func temporary(search: PostgresInstallSearch, progress: (String) -> Void) throws(ApplyError) -> TraceTarget {
        let cluster = try TemporaryCluster.start(search: search, progress: progress)
        do {
            let admin = try DatabaseConnector.connect(try cluster.url(database: "postgres"), wait: .seconds(10))
            try admin.execute("CREATE DATABASE strata_trace")
            let database = try DatabaseConnector.connect(try cluster.url(database: "strata_trace"), applicationName: "strata trace")
            let description = "a temporary PostgreSQL \(database.serverVersion) cluster (initdb from \(cluster.binaries))"
            return TraceTarget(place: .cluster(cluster), database: database, description: description)
        } catch {
            _ = cluster.stop()
            throw error
        }
    }

    /// `--database URL`: a scratch database of the user's, PostgreSQL only. Refused (exit 1)
    /// when it holds tables or views, unless `allowNonempty`. Unless `keep`, `finish` drops every
    /// object the migrations created; what they changed in objects that were already there
    /// cannot be undone.
    public static func database(_ url: DatabaseURL, allowNonempty: Bool, keep: Bool) throws(ApplyError) -> TraceTarget {
        guard case .postgres = url.target else {
            throw ApplyError(.invalidURL, "strata trace runs on PostgreSQL only; \(url.redacted) is an SQLite database: "
                             + "give --database a postgresql:// URL of a scratch database, or use --temporary")
        }
        let scratch = try ScratchDatabase(url, allowNonempty: allowNonempty, keep: keep)
        let database = try DatabaseConnector.connect(url, applicationName: "strata trace")
        scratch.traceSession = (try? database.query("SELECT pg_backend_pid()").first?.first?.integer) ?? 0
        return TraceTarget(place: .scratch(scratch), database: database, description: url.redacted)
    }

    /// The temporary cluster, for tests.
    var cluster: TemporaryCluster? { if case .cluster(let cluster) = place { cluster } else { nil } }

    /// Stops and removes the cluster, or cleans the database (unless `keep`). Returns notes for
    /// the user: what was kept, what could not be undone, a cleanup that failed. Later calls
    /// do nothing and return the same notes.
    @discardableResult
    public func finish() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        if let finished { return finished }
        let notes: [String]
        switch place {
        case .cluster(let cluster): notes = cluster.stop()
        case .scratch(let scratch): notes = scratch.clean()
        }
        finished = notes
        return notes
    }
}

/// The user's scratch database: what it held before the trace, and the cleanup that drops
/// what the migrations added, through a connection of its own.
final class ScratchDatabase {
    private let url: DatabaseURL
    private let admin: any Database
    private let before: [CatalogObject]
    private let allowNonempty: Bool
    private let keep: Bool
    /// The trace connection's server process, ended before cleaning: it may be mid-statement,
    /// or in a transaction whose locks the drops would wait for.
    var traceSession: Int64 = 0

    init(_ url: DatabaseURL, allowNonempty: Bool, keep: Bool) throws(ApplyError) {
        admin = try DatabaseConnector.connect(url, applicationName: "strata trace cleanup")
        let tables = try admin.query("""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), count(*) OVER ()
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND \(CatalogObject.userSchema("n"))
            ORDER BY 1 LIMIT 5
            """)
        if !tables.isEmpty, !allowNonempty {
            let total = tables.first?[1].integer ?? Int64(tables.count)
            let names = tables.compactMap { $0[0].text }.joined(separator: ", ") + (total > 5 ? " and \(total - 5) more" : "")
            throw ApplyError(.refused, "\(url.redacted) is not empty: it holds \(total) table\(total == 1 ? "" : "s") or "
                             + "view\(total == 1 ? "" : "s") (\(names)); strata trace drops what the migrations create "
                             + "but cannot undo what they change: give --database an empty scratch database, use "
                             + "--temporary, or pass --allow-nonempty")
        }
        before = try CatalogObject.list(admin)
        self.url = url
        self.allowNonempty = allowNonempty
        self.keep = keep
    }

    func clean() -> [String] {
        if keep { return ["kept what the migrations created in \(url.redacted) (--keep)"] }
        var notes: [String] = []
        if traceSession != 0 {
            _ = try? admin.query("SELECT pg_terminate_backend($1) WHERE $1 <> pg_backend_pid()", [.integer(traceSession)])
        }
        // Locks held by other sessions must not hang the cleanup.
        try? admin.execute("SET lock_timeout = '10s'")
        let after: [CatalogObject]
        do {
            after = try CatalogObject.list(admin)
        } catch {
            return ["could not clean \(url.redacted), which keeps what the migrations created: \(error.message)"]
        }
        let old = Set(before.map(\.key)), present = Set(after.map(\.key))
        let newSchemas = Set(after.filter { $0.kind == .schema && !old.contains($0.key) }.map(\.oid))
        // What goes with a new schema is not dropped on its own (extensions are not in a schema).
        let added = after.filter { !old.contains($0.key) && ($0.kind == .extension || !newSchemas.contains($0.schema)) }
        let failures = drop(added)
        for (object, error) in failures.sorted(by: { $0.key.sql < $1.key.sql }) {
            notes.append("could not drop \(object.sql), which the migrations created: \(error)")
        }
        let lost = before.filter { !present.contains($0.key) }
        if !lost.isEmpty {
            let names = lost.prefix(5).map(\.sql).joined(separator: ", ") + (lost.count > 5 ? " and \(lost.count - 5) more" : "")
            notes.append("the migrations dropped \(lost.count) object\(lost.count == 1 ? "" : "s") that \(url.redacted) "
                         + "held before the trace, which cannot be brought back: \(names)")
        }
        if allowNonempty {
            notes.append("dropped what the migrations created in \(url.redacted); what they changed in objects that were "
                         + "there before (columns, constraints, rows, grants) cannot be undone")
        }
        return notes
    }

    /// Drops objects kind by kind, all of a kind in one statement where PostgreSQL allows it
    /// (objects that depend on each other go together), one by one when that fails, and again
    /// while anything is dropped: an object another one depends on goes once that one has.
    /// Returns what could not be dropped, with the last error.
    private func drop(_ objects: [CatalogObject]) -> [CatalogObject: String] {
        var pending = objects
        var failures: [CatalogObject: String] = [:]
        var progressed = true
        while !pending.isEmpty, progressed {
            progressed = false
            failures = [:]
            for kind in CatalogObject.Kind.allCases {
                let group = pending.filter { $0.kind == kind }
                guard !group.isEmpty else { continue }
                if kind.dropsSeveral, group.count > 1,
                   (try? admin.execute("DROP \(kind.sql) IF EXISTS \(group.map(\.identity).joined(separator: ", "))")) != nil {
                    pending.removeAll { $0.kind == kind }
                    progressed = true
                    continue
                }
                for object in group {
                    do {
                        try admin.execute(object.dropStatement)
                        pending.removeAll { $0 == object }
                        progressed = true
                    } catch {
                        failures[object] = error.message
                    }
                }
            }
        }
        return failures
    }
}

/// An object of the database that `strata trace` knows how to drop, as the catalog names it.
struct CatalogObject: Hashable {
    /// In drop order: dependents before what they depend on (views before tables, tables
    /// before types), schemas last.
    enum Kind: String, CaseIterable {
        case view = "VIEW", materializedView = "MATERIALIZED VIEW", foreignTable = "FOREIGN TABLE", table = "TABLE"
        case index = "INDEX", sequence = "SEQUENCE", aggregate = "AGGREGATE", function = "FUNCTION"
        case procedure = "PROCEDURE", domain = "DOMAIN", type = "TYPE", collation = "COLLATION"
        case eventTrigger = "EVENT TRIGGER", publication = "PUBLICATION", `extension` = "EXTENSION", schema = "SCHEMA"

        var sql: String { rawValue }
        /// DROP takes a list of these.
        var dropsSeveral: Bool { ![.collation, .eventTrigger, .publication, .schema].contains(self) }
    }

    var kind: Kind
    var oid: String
    /// Qualified and quoted as DROP reads it: `public.t`, `s.f(integer)`.
    var identity: String
    /// Its schema's oid (`0`: not in a schema).
    var schema: String

    /// The same object in two listings: oids are never reused while an object exists.
    var key: String { "\(kind.rawValue) \(oid)" }
    var sql: String { "\(kind.sql) \(identity)" }
    var dropStatement: String { "DROP \(kind.sql) IF EXISTS \(identity)" + (kind == .schema ? " CASCADE" : "") }

    /// A condition on pg_namespace alias `alias`: a schema of the user's, not the system's.
    static func userSchema(_ alias: String) -> String {
        "\(alias).nspname NOT IN ('pg_catalog', 'information_schema') AND \(alias).nspname NOT LIKE 'pg\\_toast%' "
            + "AND \(alias).nspname NOT LIKE 'pg\\_temp\\_%'"
    }

    /// Objects made as a part of another (an array type, a constraint's index, a table's row
    /// type) or of an extension go with it.
    private static func standalone(_ catalog: String, _ oid: String) -> String {
        "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '\(catalog)'::regclass AND d.objid = \(oid) AND d.deptype IN ('i', 'e'))"
    }

    private static func identity(_ catalog: String, _ oid: String) -> String {
        "(pg_identify_object('\(catalog)'::regclass, \(oid), 0)).identity"
    }

    /// Every object of the kinds above in the user's schemas (extensions, event triggers and
    /// publications wherever they are).
    static func list(_ database: any Database) throws(ApplyError) -> [CatalogObject] {
        let sql = """
            SELECT 'SCHEMA', n.oid::text, \(identity("pg_namespace", "n.oid")), '0'
            FROM pg_namespace n WHERE \(userSchema("n")) AND \(standalone("pg_namespace", "n.oid"))
            UNION ALL
            SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                       WHEN 'S' THEN 'SEQUENCE' WHEN 'i' THEN 'INDEX' WHEN 'I' THEN 'INDEX' ELSE 'TABLE' END,
                   c.oid::text, \(identity("pg_class", "c.oid")), n.oid::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'i', 'I') AND \(userSchema("n")) AND \(standalone("pg_class", "c.oid"))
            UNION ALL
            SELECT CASE p.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
                   p.oid::text, \(identity("pg_proc", "p.oid")), n.oid::text
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE \(userSchema("n")) AND \(standalone("pg_proc", "p.oid"))
            UNION ALL
            SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::text, \(identity("pg_type", "t.oid")), n.oid::text
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r') AND \(userSchema("n")) AND \(standalone("pg_type", "t.oid"))
              AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
            UNION ALL
            SELECT 'COLLATION', o.oid::text, \(identity("pg_collation", "o.oid")), n.oid::text
            FROM pg_collation o JOIN pg_namespace n ON n.oid = o.collnamespace
            WHERE \(userSchema("n")) AND \(standalone("pg_collation", "o.oid"))
            UNION ALL
            SELECT 'EXTENSION', e.oid::text, \(identity("pg_extension", "e.oid")), e.extnamespace::text FROM pg_extension e
            UNION ALL
            SELECT 'EVENT TRIGGER', v.oid::text, \(identity("pg_event_trigger", "v.oid")), '0'
            FROM pg_event_trigger v WHERE \(standalone("pg_event_trigger", "v.oid"))
            UNION ALL
            SELECT 'PUBLICATION', b.oid::text, \(identity("pg_publication", "b.oid")), '0' FROM pg_publication b
            """
        return try database.query(sql).compactMap { row in
            guard row.count == 4, let kind = row[0].text.flatMap(Kind.init(rawValue:)), let oid = row[1].text,
                  let identity = row[2].text, let schema = row[3].text else { return nil }
            return CatalogObject(kind: kind, oid: oid, identity: identity, schema: schema)
        }
    }
}

import Foundation

/// Backups of a PostgreSQL database with pg_dump (custom format), restored with pg_restore and
/// psql. The programs get the URL without its password, which goes in PGPASSWORD.
struct PostgresBackup {
    static let method = "pg_dump --format=custom"
    static let fileExtension = "dump"

    let url: DatabaseURL
    /// Where the client programs are looked up (nil: PATH).
    let searchPath: String?
    /// How long pg_dump waits for a table lock, and a restore for the locks it takes.
    let lockTimeout: Duration
    let connectWait: Duration?

    /// A connection holding the snapshot pg_dump copies.
    struct Source {
        let database: any Database
        let name: String
        let serverVersion: String
    }

    /// Finds pg_dump, then connects: a missing program is reported before any connection.
    func open() throws(ApplyError) -> (Source, ClientTool) {
        let pgDump = try ClientTool.find("pg_dump", in: searchPath)
        let database = try DatabaseConnector.connect(url, wait: connectWait)
        let name = try database.query("SELECT current_database()").first?.first?.text ?? "postgres"
        return (Source(database: database, name: name, serverVersion: database.serverVersion), pgDump)
    }

    /// Dumps the database into `output` and returns the applied migrations of the same
    /// snapshot: a repeatable-read transaction exports its snapshot, pg_dump copies exactly
    /// that, and `__migrations__` is read inside it, so a migration committed meanwhile is in
    /// neither the file nor its manifest.
    func dump(_ source: Source, with pgDump: ClientTool, to output: FileHandle) throws(ApplyError) -> [String] {
        let database = source.database
        try database.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        defer { try? database.execute("COMMIT") }
        guard let snapshot = try database.query("SELECT pg_export_snapshot()").first?.first?.text else {
            throw ApplyError(.backup, "the server exported no snapshot for pg_dump")
        }
        let applied = try BackupStore.appliedMigrationIDs(in: database)
        let (dbname, environment) = try ClientTool.connection(url)
        let run = ToolProcess(pgDump, ["--format=custom", "--no-password", "--snapshot=\(snapshot)",
                                       "--lock-wait-timeout=\(Self.milliseconds(lockTimeout))", "--dbname=\(dbname)"],
                              environment: environment, output: output)
        try run.start()
        if let failure = run.wait(scrubbing: url) { throw ApplyError(.backup, failure) }
        return applied
    }

    /// Restores `file` in one transaction: every schema of the database is dropped (so tables
    /// created after the backup go too), then the dump's content is created again. pg_restore
    /// turns the archive into SQL and psql runs it with the drops before it, all-or-nothing;
    /// a failure leaves the database as it was. Both programs die with this process
    /// (`ToolProcess`): stopped midway (Ctrl-C, SIGTERM, SIGKILL), psql's connection closes
    /// before its COMMIT, and the server rolls the whole restore back.
    func restore(_ file: String) throws(ApplyError) -> [String] {
        let pgRestore = try ClientTool.find("pg_restore", in: searchPath)
        let psql = try ClientTool.find("psql", in: searchPath)
        let (dbname, environment) = try ClientTool.connection(url)
        let pipe = Pipe()
        let reader = ToolProcess(pgRestore, ["--file=-", file], environment: environment, outputPipe: pipe)
        let writer = ToolProcess(psql, ["--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
                                        "--single-transaction", "--dbname=\(dbname)",
                                        "--command=\(Self.clearDatabase(lockTimeout: lockTimeout))", "--file=-"],
                                 environment: environment, inputPipe: pipe)
        try reader.start()
        do {
            try writer.start()
        } catch {
            _ = reader.wait(scrubbing: url)
            throw error
        }
        // This process keeps no end of the pipe: psql sees its end when pg_restore exits.
        try? pipe.fileHandleForReading.close()
        try? pipe.fileHandleForWriting.close()
        let readFailure = reader.wait(scrubbing: url)
        let writeFailure = writer.wait(scrubbing: url)
        // psql's error says what the database refused; pg_restore's, that the archive is bad
        // (psql then fails too, on the SQL cut short).
        if let failure = readFailure ?? writeFailure {
            throw ApplyError(.backup, "restore failed, the database is unchanged: \(failure)")
        }
        let database = try DatabaseConnector.connect(url, wait: connectWait)
        return try BackupStore.appliedMigrationIDs(in: database)
    }

    /// SQL run before the dump's own, in its transaction: drops every schema but the system
    /// ones, and creates `public` again with its owner, privileges and comment (pg_dump
    /// expects it to exist and does not dump it while it is as initdb made it).
    static func clearDatabase(lockTimeout: Duration) -> String {
        """
        SET client_min_messages = warning;
        SET lock_timeout = '\(milliseconds(lockTimeout))ms';
        DO $strata$
        DECLARE
          public_owner text; public_acl aclitem[]; public_comment text; s record; g record;
        BEGIN
          SELECT nspowner::regrole::text, nspacl, obj_description(oid, 'pg_namespace')
            INTO public_owner, public_acl, public_comment FROM pg_namespace WHERE nspname = 'public';
          FOR s IN SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname !~ '^pg_' LOOP
            EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
          END LOOP;
          IF public_owner IS NOT NULL THEN
            EXECUTE format('CREATE SCHEMA public AUTHORIZATION %s', public_owner);
            FOR g IN SELECT grantee, privilege_type, is_grantable FROM aclexplode(public_acl) LOOP
              EXECUTE format('GRANT %s ON SCHEMA public TO %s%s', g.privilege_type,
                CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END,
                CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
            END LOOP;
            IF public_comment IS NOT NULL THEN
              EXECUTE format('COMMENT ON SCHEMA public IS %L', public_comment);
            END IF;
          END IF;
        END
        $strata$;
        """
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

import StrataSyntax

/// How each tool's migrations say "run me outside a transaction": the one place the rules'
/// hints, the templates (`strata new`, `strata optimize --write-migration`) and the applier's
/// progress lines learn it, so that a dbmate file is told dbmate's way and not Strata's header.
extension LayoutKind {
    /// The line a migration file of this layout carries to run outside a transaction, where
    /// the tool reads one in the file: `-- @transaction: false`, dbmate's
    /// `-- migrate:up transaction:false` (its UP marker with the option), goose's
    /// `-- +goose NO TRANSACTION`. Nil for golang-migrate, diesel, Flyway and plain files, whose
    /// tools read no such line (`noTransactionFile` names diesel's and Flyway's file).
    public var noTransactionLine: String? {
        switch self {
        case .strata: "-- @transaction: false"
        case .dbmate: "-- migrate:up transaction:false"
        case .goose: "-- +goose NO TRANSACTION"
        case .plain, .golangMigrate, .diesel, .flyway: nil
        case .sqlx: SqlxLayout.noTransactionLine
        case .prisma: nil
        case .drizzle: nil
        case .atlas: "-- atlas:txmode none"
        case .sqlMigrate: "-- +migrate Up notransaction"
        case .liquibaseSQL: nil
        case .sqitch: nil
        }
    }

    /// The file beside a migration that makes the tool run it outside a transaction, and
    /// its text, for the layouts that keep the setting in a file of its own: diesel's
    /// `metadata.toml` in the migration's folder, Flyway's script configuration file (the
    /// script's name with `.conf` added). `upPath` is the UP file's path.
    /// The layouts read the file back (`TransactionSettings.swift`), so what is written here
    /// is what the applier and the rules then see.
    public func noTransactionFile(besideUpFile upPath: String) -> (path: String, text: String)? {
        guard let (path, format) = settingsPath(besideUpFile: upPath) else { return nil }
        switch format {
        case .dieselMetadata: return (path, "run_in_transaction = false\n")
        case .flywayScriptConfig: return (path, "executeInTransaction=false\n")
        case .sqitchPlan: return nil
        }
    }

    /// A comment for the top of a migration that must run outside a transaction, for the
    /// layouts whose tool has no way to say so in or beside the file (golang-migrate): what to
    /// do when running it.
    public var noTransactionComment: String? {
        switch self {
        case .golangMigrate:
            "-- golang-migrate sends this file as one string, which PostgreSQL runs in one transaction, where CONCURRENTLY fails: run migrate with x-multi-statement=true in the database URL"
        case .prisma:
            "-- Prisma sends migration.sql as one string, which PostgreSQL runs in one transaction when it holds several statements: keep the statement alone in this migration"
        case .drizzle:
            "-- drizzle's migrator runs every pending migration in one transaction: run this statement outside drizzle's migrations"
        default:
            nil
        }
    }

    /// How the tool says a migration ran outside a transaction, for progress lines and
    /// reasons (`statement by statement (-- +goose NO TRANSACTION)`). A migration read with its
    /// settings file says it with the file's name (`TransactionSetting.declaration`).
    public var noTransactionDeclaration: String {
        switch self {
        case .golangMigrate: "an .autocommit.up.sql file"
        case .diesel: "run_in_transaction = false in metadata.toml"
        case .flyway: "executeInTransaction=false in the script's .conf file"
        case .sqitch: "the script's own BEGIN/COMMIT, run as sqitch runs it"
        case .liquibaseSQL: "runInTransaction:false on its --changeset line"
        default: (noTransactionLine ?? "-- @transaction: false").replacingOccurrences(of: "-- ", with: "")
        }
    }
}

extension MigrationFile {
    /// What to do so that this file runs outside a transaction, in its tool's terms, as an
    /// instruction: "mark it `-- @transaction: false` in its header", "put
    /// `executeInTransaction=false` in V3__index.sql.conf beside it", or, where the tool has no
    /// per-file switch (golang-migrate, plain files), what it offers instead.
    public func outsideTransactionAdvice(_ dialect: Dialect) -> String {
        switch layout {
        case .strata:
            return "mark it `-- @transaction: false` in its header"
        case .dbmate:
            return "write its UP marker as `-- migrate:up transaction:false`"
        case .goose:
            return "add `-- +goose NO TRANSACTION` at the top of the file"
        case .diesel:
            // diesel sends up.sql as one string (batch_execute): on PostgreSQL several
            // statements sent so run in one implicit transaction, setting or not.
            return dialect == .postgresql
                ? "put `run_in_transaction = false` in a metadata.toml beside its up.sql, and keep the statement alone in that up.sql: diesel sends the file as one string, which PostgreSQL runs in one implicit transaction when it holds several statements"
                : "put `run_in_transaction = false` in a metadata.toml beside its up.sql"
        case .flyway:
            // Only Flyway's advice names the file: the other layouts' never pay for the split.
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return "put `executeInTransaction=false` in \(name).conf beside it"
        case .golangMigrate:
            // golang-migrate reads no per-file setting: its PostgreSQL driver sends a file as
            // one string, which PostgreSQL runs as one transaction when it holds several
            // statements; its sqlite3 driver wraps every migration in BEGIN/COMMIT.
            return dialect == .postgresql
                ? "golang-migrate has no per-file switch: give the statement a migration of its own, since PostgreSQL runs a file of several statements, sent as one string, in one transaction; or run migrate with `x-multi-statement=true` in the database URL"
                : "golang-migrate has no per-file switch: its sqlite3 driver wraps each migration in a transaction unless the database URL says `x-no-tx-wrap=true`, and then the file writes BEGIN/COMMIT where it needs them"
        case .sqlx:
            // sqlx sends a file as one string: PostgreSQL runs several statements so sent in
            // one implicit transaction, `-- no-transaction` or not.
            return dialect == .postgresql
                ? "make `-- no-transaction` the first line of the file, and keep the statement alone in it: sqlx sends the file as one string, which PostgreSQL runs in one implicit transaction when it holds several statements"
                : "make `-- no-transaction` the first line of the file"
        case .prisma:
            return dialect == .postgresql
                ? "Prisma Migrate has no per-migration switch: give the statement a migration of its own, since Prisma sends migration.sql as one string, which PostgreSQL runs in one implicit transaction when it holds several statements"
                : "Prisma Migrate has no per-migration switch: run the statement with `prisma db execute` and mark the migration applied with `prisma migrate resolve --applied`"
        case .drizzle:
            return "drizzle's migrator runs every pending migration in one transaction and has no per-file switch: run the statement outside drizzle's migrations (by hand, or a script after `migrate`)"
        case .sqitch:
            // sqitch runs a script as written: without BEGIN/COMMIT each statement commits alone.
            return "remove the script's BEGIN and COMMIT: sqitch runs a script as written, so without them each statement runs on its own"
        case .atlas:
            return "put `-- atlas:txmode none` on the first line of the file, followed by a blank line"
        case .sqlMigrate:
            return "write its UP marker as `-- +migrate Up notransaction`"
        case .liquibaseSQL:
            return "add `runInTransaction:false` to its `--changeset` line"
        case .plain:
            return dialect == .postgresql
                ? "a plain file has no switch for it; Strata's applier runs a file holding a CONCURRENTLY statement outside a transaction by itself"
                : "a plain file has no switch for it: run it by hand, or with a tool whose files can say so"
        }
    }
}

import Foundation
import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// Hints speak the folder's layout and English: a dbmate file is told dbmate's way to run
/// outside a transaction, never Strata's header; messages put no article before a name.
@Suite("Rule hints")
struct HintTests {
    /// One migration that needs running outside a transaction several ways, after one that
    /// makes its tables, written as `layout` writes files: (relative path, UP SQL, DOWN SQL).
    static func migrations(_ layout: LayoutKind, base: String, change: String) -> [MigrationInput] {
        let files: [(name: String, up: String)] = [("1_base", base), ("2_change", change)]
        let kind = layout.layout
        return files.enumerated().map { index, file in
            let header = "-- @name: \(file.name)\n-- @description: d\n-- @timestamp: 2024-01-0\(index + 1)T00:00:00Z\n-- @rollbackSafe: true\n-- @performanceImpact: low\n-- @dependencies: []\n"
            let (path, text, down): (String, String, MigrationInput.DownFile?) = switch layout {
            case .strata: ("000\(index + 1)_\(file.name).sql", header + "\n-- UP MIGRATION\n\(file.up)\n-- DOWN MIGRATION\nSELECT 1;\n", nil)
            case .dbmate: ("2024010\(index + 1)000000_\(file.name).sql", "-- migrate:up\n\(file.up)\n-- migrate:down\nSELECT 1;\n", nil)
            case .goose: ("0000\(index + 1)_\(file.name).sql", "-- +goose Up\n\(file.up)\n-- +goose Down\nSELECT 1;\n", nil)
            case .golangMigrate: ("\(index + 1)_\(file.name).up.sql", file.up, .init(path: "\(index + 1)_\(file.name).down.sql", bytes: Array("SELECT 1;\n".utf8)))
            case .diesel: ("2024-01-0\(index + 1)-000000_\(file.name)/up.sql", file.up, .init(path: "2024-01-0\(index + 1)-000000_\(file.name)/down.sql", bytes: Array("SELECT 1;\n".utf8)))
            case .flyway: ("V\(index + 1)__\(file.name).sql", file.up, nil)
            case .plain: ("000\(index + 1)_\(file.name).sql", file.up, nil)
            case .sqlx: ("\(index + 1)_\(file.name).sql", file.up, nil)
            case .prisma: ("2024010\(index + 1)000000_\(file.name)/migration.sql", file.up, nil)
            case .drizzle: ("000\(index)_\(file.name).sql", file.up, nil)
            case .sqitch: ("deploy/\(file.name).sql", file.up, .init(path: "revert/\(file.name).sql", bytes: Array("SELECT 1;\n".utf8)))
            case .atlas: ("2024010\(index + 1)000000_\(file.name).sql", file.up, nil)
            case .sqlMigrate: ("\(index + 1)_\(file.name).sql", "-- +migrate Up\n\(file.up)\n-- +migrate Down\nSELECT 1;\n", nil)
            case .liquibaseSQL: ("00\(index + 1)_\(file.name).sql", "--changeset strata:\(index + 1)\n\(file.up)\n--rollback SELECT 1;\n", nil)
            }
            return MigrationInput(id: kind.id(forRelativePath: path), path: path, bytes: Array(text.utf8), down: down)
        }
    }

    static func lint(_ layout: LayoutKind, _ dialect: Dialect, base: String, change: String) -> [Diagnostic] {
        let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: dialect, layout: layout)
        let inputs = migrations(layout, base: base, change: change)
        return linter.lint(inputs).diagnostics.filter { $0.file == inputs[1].path }
    }

    /// What each layout's hints must say to run a file outside a transaction.
    static let postgresWay: [LayoutKind: String] = [
        .strata: "`-- @transaction: false`",
        .dbmate: "`-- migrate:up transaction:false`",
        .goose: "`-- +goose NO TRANSACTION`",
        .golangMigrate: "`x-multi-statement=true`",
        .diesel: "`run_in_transaction = false` in a metadata.toml",
        .flyway: "`executeInTransaction=false` in V2__2_change.sql.conf",
        .plain: "a plain file has no switch for it",
        .sqlx: "`-- no-transaction` the first line",
        .prisma: "Prisma Migrate has no per-migration switch",
        .drizzle: "no per-file switch",
        .atlas: "`-- atlas:txmode none`",
        .sqlMigrate: "`-- +migrate Up notransaction`",
        .liquibaseSQL: "`runInTransaction:false`",
    ]

    static let postgresBase = """
        CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);
        CREATE INDEX idx_users_old ON users (email);
        CREATE TYPE mood AS ENUM ('happy');
        CREATE TABLE orders (id BIGINT PRIMARY KEY, total BIGINT);
        """

    static let postgresChange = """
        SET lock_timeout = '5s';
        CREATE INDEX idx_users_email ON users (email);
        DROP INDEX idx_users_old;
        ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
        ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;
        ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;
        ALTER TYPE mood ADD VALUE 'sad';
        INSERT INTO users (id, email) SELECT 1, 'sad';
        UPDATE users SET email = 'x' WHERE email = 'sad';
        COMMIT;
        """

    @Test("PostgreSQL hints say the layout's way to run outside a transaction, never Strata's header elsewhere",
          arguments: LayoutKind.allCases.filter { $0 != .sqitch })
    // (Not sqitch: the change's bare COMMIT makes a sqitch script run as written, outside a
    // transaction, where these rules have nothing to say; SqitchLayoutTests covers its advice.)
    func postgresHintsSpeakTheLayout(_ layout: LayoutKind) throws {
        let found = Self.lint(layout, .postgresql, base: Self.postgresBase, change: Self.postgresChange)
        let rules: Set<String> = ["create-index-non-concurrent", "drop-index-non-concurrent", "add-unique-constraint",
                                  "validate-same-tx", "transaction-balance"]
        for rule in rules {
            let diagnostic = try #require(found.first { $0.rule == rule }, "\(rule) found nothing in the \(layout) file")
            let help = diagnostic.help ?? ""
            #expect(help.contains(try #require(Self.postgresWay[layout])), "\(rule): \(help)")
        }
        if layout != .strata {
            for diagnostic in found {
                #expect(!(diagnostic.help ?? "").contains("@transaction"), "\(diagnostic.rule): \(diagnostic.help ?? "")")
            }
        }
    }

    @Test("SQLite's PRAGMA hint says the layout's way: golang-migrate's sqlite3 driver takes x-no-tx-wrap")
    func sqlitePragmaHintSpeaksTheLayout() throws {
        let ways: [LayoutKind: String] = [
            .strata: "`-- @transaction: false`", .dbmate: "`-- migrate:up transaction:false`", .goose: "`-- +goose NO TRANSACTION`",
            .golangMigrate: "`x-no-tx-wrap=true`", .diesel: "`run_in_transaction = false`", .flyway: "`executeInTransaction=false`",
            .plain: "a plain file has no switch for it",
            .sqlx: "`-- no-transaction`", .prisma: "`prisma db execute`", .drizzle: "no per-file switch",
        ]
        for (layout, way) in ways {
            let found = Self.lint(layout, .sqlite, base: "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
                                  change: "PRAGMA foreign_keys = OFF;\nDROP TABLE t;\n")
            let pragma = try #require(found.first { $0.rule == "sqlite-fk-pragma-in-tx" }, "\(layout)")
            #expect(pragma.help?.contains(way) == true, "\(layout): \(pragma.help ?? "")")
        }
    }

    @Test("no finding of a triggering example outside the strata layout tells the user to write Strata's header")
    func otherLayoutsAreNotToldStrataHeaders() {
        for c in ExampleCase.all(triggering: true) where c.example.layout != .strata {
            let (sql, _) = stripMarkers(c.example.sql, dialect: c.dialect)
            for diagnostic in findings(of: c.rule, sql: sql, example: c.example, dialect: c.dialect) {
                let help = diagnostic.help ?? ""
                #expect(!help.contains("-- @") && !help.contains("@transaction") && !help.contains("UP MIGRATION"),
                        "\(c.testDescription): \(help)", sourceLocation: location(c.example))
            }
        }
    }

    /// "a accounts", "an users": an article picked for a word it does not know. Vowel letters
    /// that always sound as vowels after "a", consonants after "an" (h and u are left alone:
    /// "an hour", "a user").
    static var wrongArticle: Regex<AnyRegexOutput> {
        try! Regex(#"\b([Aa] [aeioAEIO]|[Aa]n [bcdfgjklmnpqrstvwxyzBCDFGJKLMNPQRSTVWXYZ])"#)
    }

    @Test("messages and help of every triggering example read as English: no article a name cannot take")
    func articlesFitTheirWords() {
        let wrongArticle = Self.wrongArticle
        for c in ExampleCase.all(triggering: true) {
            let (sql, _) = stripMarkers(c.example.sql, dialect: c.dialect)
            for diagnostic in findings(of: c.rule, sql: sql, example: c.example, dialect: c.dialect) {
                for text in [diagnostic.message, diagnostic.help ?? ""] {
                    #expect(text.firstMatch(of: wrongArticle) == nil, "\(c.testDescription): \(text)", sourceLocation: location(c.example))
                }
            }
        }
    }

    @Test("the lock-timeout hint names the UP section only where the file has one", arguments: [LayoutKind.dbmate, .goose, .sqlx, .prisma, .plain])
    func lockTimeoutHintNamesTheRightPlace(_ layout: LayoutKind) throws {
        let found = Self.lint(layout, .postgresql, base: "CREATE TABLE t (id bigint PRIMARY KEY);", change: "ALTER TABLE t ADD COLUMN note text;")
        let help = try #require(found.first { $0.rule == "missing-lock-timeout" }?.help)
        let marked = layout == .dbmate || layout == .goose
        #expect(help.contains(marked ? "at the top of the UP section" : "at the top of the file"), "\(help)")
    }
}

import StrataCore
import StrataSyntax

public struct IdentifierTooLongRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "identifier-too-long",
        summary: "A table, column, index or constraint name longer than PostgreSQL's 63 bytes",
        rationale: """
            PostgreSQL keeps at most 63 bytes of an identifier (NAMEDATALEN - 1) and cuts the \
            rest off with only a NOTICE. The object then exists under a name the migration never \
            wrote: two long names that share their first 63 bytes collide (`already exists`), \
            and tools, ORMs or later migrations that compare the full name do not find it. The \
            limit is in bytes, so a name with non-ASCII letters reaches it sooner than its \
            character count suggests. Names created by CREATE TABLE, CREATE INDEX, ADD COLUMN, \
            ADD CONSTRAINT (and inline CONSTRAINT names) and every RENAME ... TO are checked.
            """,
        help: "shorten the name to 63 bytes or fewer (abbreviate, e.g. `idx_<table>_<cols>` with short column stems)",
        defaultSeverity: .error,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE INDEX ↓index_subscription_events_on_account_id_and_created_at_and_event_kind ON subscription_events (account_id, created_at, event_kind);
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE ↓notification_delivery_preferences_for_organisation_members_history (
                  id bigint PRIMARY KEY,
                  ↓"ürünün_teslimat_tercihleri_ve_bildirim_ayarları_değişiklik" text,
                  CONSTRAINT ↓notification_delivery_preferences_member_organisation_id_fkey_v2 FOREIGN KEY (id) REFERENCES members (id)
                );
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                ALTER TABLE users ADD COLUMN ↓last_successful_two_factor_authentication_challenge_completed_at timestamptz,
                  ADD CONSTRAINT ↓users_last_successful_two_factor_authentication_challenge_checks CHECK (true);
                ALTER TABLE users RENAME COLUMN nick TO ↓preferred_display_name_shown_to_other_members_of_the_same_team_x;
                ALTER INDEX idx_users_nick RENAME TO ↓index_users_on_preferred_display_name_shown_to_other_team_members;
                """), dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE notification_delivery_preferences_for_organisation_members_hist (
                  id bigint PRIMARY KEY
                );
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE INDEX idx_subscription_events_account_created ON subscription_events (account_id, created_at);
                COMMENT ON TABLE subscription_events IS 'index_subscription_events_on_account_id_and_created_at_and_event_kind';
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                SELECT notification_delivery_preferences_for_organisation_members_history_x FROM t;
                ALTER TABLE users DROP COLUMN last_successful_two_factor_authentication_challenge_completed_at;
                """), dialects: [.postgresql]),
        ])

    static let limit = 63

    public func check(_ context: RuleContext) -> [Violation] {
        let source = context.source
        var violations: [Violation] = []
        // The place is found only for a name that is too long (it may scan the statement).
        func check(_ name: String, _ what: String, at place: @autoclosure () -> SourceRange?) {
            let bytes = name.utf8.count
            guard bytes > Self.limit, let range = place() else { return }
            let kept = String(decoding: RelaxConstraintRule.clip(Array(name.utf8), Self.limit), as: UTF8.self)
            violations.append(Violation(range: range,
                                        message: "\(what) name \(name) is \(bytes) bytes; PostgreSQL keeps only the first \(Self.limit): \(kept)"))
        }
        for statement in context.upStatements {
            /// The range of the last token in `range` that names `name`.
            func position(of name: String, in range: SourceRange) -> SourceRange? {
                let words = source.significantTokens(startingIn: range.start.offset..<range.end.offset, of: statement.tokens)
                return words.last { PostgresChangeSupport.identifier(source, $0) == name }
                    .map { PostgresChangeSupport.range(of: $0, in: source) }
            }
            /// Whether the word `constraint` is among the tokens starting in `bytes`: most column
            /// definitions name no constraint, and are then not split into words.
            func mentionsConstraint(_ bytes: Range<Int>) -> Bool {
                var i = source.firstToken(startingAtOrAfter: bytes.lowerBound, in: statement.tokens)
                let end = min(statement.tokens.upperBound, source.tokens.count)
                while i < end, source.tokens[i].offset < bytes.upperBound {
                    if source.isWord(source.tokens[i], "constraint") { return true }
                    i += 1
                }
                return false
            }
            func checkColumn(_ column: ColumnDefinition) {
                check(column.name.name, "column", at: column.name.range)
                // Inline `CONSTRAINT name NOT NULL|CHECK|...` names.
                let start = column.name.range.start.offset + 1
                guard start < column.range.end.offset, mentionsConstraint(start..<column.range.end.offset) else { return }
                let words = source.significantTokens(startingIn: start..<column.range.end.offset, of: statement.tokens)
                for (i, word) in words.enumerated() where PostgresChangeSupport.isWord(source, word, "constraint") && i + 1 < words.count {
                    if let name = PostgresChangeSupport.identifier(source, words[i + 1]) {
                        check(name, "constraint", at: PostgresChangeSupport.range(of: words[i + 1], in: source))
                    }
                }
            }
            func checkConstraint(_ constraint: TableConstraint) {
                guard let name = constraint.name else { return }
                check(name, "constraint", at: position(of: name, in: SourceRange(start: constraint.range.start, end: constraint.range.end)))
            }
            switch statement.kind {
            case .createTable(let create):
                check(create.name.name, "table", at: create.name.range)
                create.columns.forEach(checkColumn)
                create.constraints.forEach(checkConstraint)
            case .createIndex(let index):
                if let name = index.name { check(name.name, "index", at: name.range) }
            case .alterTable(let alter):
                for (action, range) in alter.actions {
                    switch action {
                    case .addColumn(let column, _): checkColumn(column)
                    case .addConstraint(let constraint): checkConstraint(constraint)
                    case .renameTable(let to): check(to.name, "table", at: to.range)
                    case .renameColumn(_, let to): check(to.name, "column", at: to.range)
                    case .renameConstraint(_, let to): check(to, "constraint", at: position(of: to, in: range))
                    default: break
                    }
                }
            case .other("alter index"):
                // ALTER INDEX [IF EXISTS] name RENAME TO new_name
                let words = PostgresChangeSupport.significant(statement, in: source)
                for (i, word) in words.enumerated() where i + 2 < words.count
                    && PostgresChangeSupport.isWord(source, word, "rename") && PostgresChangeSupport.isWord(source, words[i + 1], "to") {
                    if let name = PostgresChangeSupport.identifier(source, words[i + 2]) {
                        check(name, "index", at: PostgresChangeSupport.range(of: words[i + 2], in: source))
                    }
                }
            default:
                break
            }
        }
        return violations
    }
}

/// What a lock or rewrite rule says PostgreSQL will do with a statement it reports, in terms
/// `strata trace` can see: a rewrite (the relfilenode of a table or index that existed before
/// changed) or a lock of at least some strength on an object that existed before. The trace
/// marks each such finding confirmed or not observed.
public enum TraceExpectation: Sendable, Equatable {
    case rewrite
    case lock(PostgresLockMode)
    /// Either a rewrite or a lock of at least this mode (ALTER COLUMN TYPE rewrites, or only
    /// rebuilds indexes under its ACCESS EXCLUSIVE lock).
    case rewriteOrLock(PostgresLockMode)

    /// Whether `rewrote` (the statement rewrote something that existed before) and the
    /// strongest lock it took on such an object meet the expectation.
    public func isMet(rewrote: Bool, strongest: PostgresLockMode?) -> Bool {
        switch self {
        case .rewrite: rewrote
        case .lock(let mode): strongest.map { $0 >= mode } ?? false
        case .rewriteOrLock(let mode): rewrote || strongest.map { $0 >= mode } ?? false
        }
    }

    /// For the finding's note: `a rewrite`, `an AccessExclusiveLock or stronger`.
    public var described: String {
        switch self {
        case .rewrite: "a rewrite"
        case .lock(let mode): mode == .accessExclusive ? "an \(mode.name)" : "a \(mode.name) or stronger"
        case .rewriteOrLock(let mode): "a rewrite or \(mode == .accessExclusive ? "an" : "a") \(mode.name)"
        }
    }
}

/// PostgreSQL's table lock modes, weakest first, named as `pg_locks.mode` names them.
public enum PostgresLockMode: Int, Sendable, Comparable, CaseIterable {
    case accessShare = 1, rowShare, rowExclusive, shareUpdateExclusive, share, shareRowExclusive, exclusive, accessExclusive

    public init?(name: String) {
        guard let mode = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = mode
    }

    public var name: String {
        switch self {
        case .accessShare: "AccessShareLock"
        case .rowShare: "RowShareLock"
        case .rowExclusive: "RowExclusiveLock"
        case .shareUpdateExclusive: "ShareUpdateExclusiveLock"
        case .share: "ShareLock"
        case .shareRowExclusive: "ShareRowExclusiveLock"
        case .exclusive: "ExclusiveLock"
        case .accessExclusive: "AccessExclusiveLock"
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

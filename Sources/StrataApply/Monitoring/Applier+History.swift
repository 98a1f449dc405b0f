import Foundation

// MARK: - History and events

extension Applier {
    /// Every apply, failure, rollback and repair recorded, oldest first (`strata history`);
    /// never writes.
    public func history() throws(ApplyError) -> History { try ledger.history() }

    /// Writes the failure of a migration (or of its DOWN) that ran in a transaction of its own,
    /// once that transaction has rolled back: the rollback took the event with it, and the
    /// failed attempt belongs in the history all the same. Best effort: the connection may be
    /// what failed, and the error the caller is about to throw says more than this one would.
    func recordFailureAfterRollback() {
        guard let event = unrecordedFailure else { return }
        unrecordedFailure = nil
        try? inLock { () throws(ApplyError) in try ledger.record(.unchanged, event) }
    }

    /// Tells `onEvent`, when someone listens.
    func emit(_ kind: ApplyEvent.Kind, _ migration: String, ms: Int64? = nil,
              _ details: @autoclosure () -> ApplyEvent.Details = ApplyEvent.Details()) {
        guard let onEvent else { return }
        onEvent(ApplyEvent(kind, migration: migration, durationMilliseconds: ms, details: details()))
    }
}

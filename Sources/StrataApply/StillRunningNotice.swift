import Dispatch
import Foundation

/// Says, from another thread, that a migration is still running while the applier's thread
/// waits on the database: a line after a first delay, then one at each interval, so a slow
/// migration in a CI log reads as running, not hung. Once `stop()` returns it says nothing more.
final class StillRunningNotice: @unchecked Sendable {
    private let timer: DispatchSourceTimer
    private let lock = NSLock()
    private var stopped = false

    init(_ label: String, after first: Duration, every interval: Duration, say: @escaping @Sendable (String) -> Void) {
        let started = ContinuousClock.now
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + first.seconds, repeating: interval.seconds)
        timer.setEventHandler { [lock] in
            lock.lock()
            defer { lock.unlock() }
            // Checked under the lock `stop()` takes: no line after the migration's own.
            guard !self.stopped else { return }
            say("\(label) ... still running after \(Int((ContinuousClock.now - started).seconds)) s")
        }
        timer.resume()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        timer.cancel()
    }
}

extension Applier {
    /// Runs `body` (the applier's thread waiting on the database) with a `StillRunningNotice`
    /// when `stillRunning` is set.
    func sayingStillRunning<T>(_ label: String, _ body: () -> T) -> T {
        guard let stillRunning else { return body() }
        let notice = StillRunningNotice(label, after: stillRunningAfter, every: stillRunningEvery, say: stillRunning)
        defer { notice.stop() }
        return body()
    }
}

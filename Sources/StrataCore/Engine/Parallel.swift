import Dispatch
import Foundation

/// Work spread over every core, results kept in input order.
package enum Parallel {
    /// `transform(i)` for every `i` in `0..<count`. Each worker takes every `workers`-th index,
    /// so neighbouring items (often of similar size) spread evenly; below `minimumPerWorker`
    /// items per worker, fewer workers start (a thread costs more than a tiny file).
    package static func map<T>(_ count: Int, minimumPerWorker: Int = 8, _ transform: @Sendable (Int) -> T) -> [T] {
        let results = Slots<T>(count: count)
        let workers = min(Cores.active, max(1, count / max(1, minimumPerWorker)))
        if workers == 1 {
            for i in 0..<count { results.set(i, transform(i)) }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var i = worker
                while i < count {
                    results.set(i, transform(i))
                    i += workers
                }
            }
        }
        return results.values()
    }
}

/// Slots written by exactly one worker each, read after all workers have finished. Raw storage,
/// because concurrent writes through an array property would trip Swift's exclusivity checks.
final class Slots<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<T?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func set(_ index: Int, _ value: T) { slots[index] = value }

    func values() -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append(slots[i]!) }
        return out
    }
}

enum Cores {
    static let active = max(1, Foundation.ProcessInfo.processInfo.activeProcessorCount)
}

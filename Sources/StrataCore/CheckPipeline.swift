import Foundation

/// The shared state of the lanes that check a run's files (`LintPass`): which files are parsed
/// (and by whom), which are claimed for checking, what checking found, and which files every
/// lane is done with.
///
/// Every lane walks all the files in check order. It takes the next file (parsing it itself
/// when no lane has; parsing a later one while another lane parses this one, so no core
/// idles), replays it into its own schema model, and checks it if no lane has claimed it yet:
/// a lane that falls behind only replays until it catches up, so the work spreads by itself.
/// There is no barrier: a lane waits only when the file it needs is being parsed and nothing
/// else is left to parse, or when it is `span` files ahead of the slowest lane, which bounds
/// the files held at once (memory stays flat however many files there are).
final class CheckPipeline: @unchecked Sendable {
    private enum Parse: UInt8 {
        case pending, running, done
    }

    let count: Int
    /// The most files held at once.
    let span: Int
    let lanes: Int
    private let condition = NSCondition()
    private var parse: [Parse]
    /// Files in flight, at `position % span`.
    private var files: [MigrationFile?]
    /// Lanes still to replay each file in flight (at `position % span`); the last one lets it go.
    private var lanesLeft: [Int]
    private var claimed: [Bool]
    private var found: [[Diagnostic]?]
    /// Every file before this one is released by every lane.
    private var oldest = 0
    /// Every file before this one is parsed or being parsed.
    private var nextPending = 0
    /// Lanes that have finished their walk.
    private var lanesDone = 0
    /// The earliest file that could not be read, once one could not.
    private(set) var failure: (position: Int, error: InputError)?

    init(count: Int, span: Int, lanes: Int) {
        self.count = count
        self.span = max(1, span)
        self.lanes = lanes
        parse = Array(repeating: .pending, count: count)
        files = Array(repeating: nil, count: self.span)
        lanesLeft = Array(repeating: 0, count: self.span)
        claimed = Array(repeating: false, count: count)
        found = Array(repeating: nil, count: count)
    }

    // MARK: - Lanes

    /// File `position`, parsed; nil once any file could not be read (the lanes stop).
    func file(at position: Int, parsing read: (Int) -> Result<MigrationFile, InputError>) -> MigrationFile? {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil {
            switch parse[position] {
            case .done:
                return files[position % span]
            case .pending where position < oldest + span:
                run(position, read)
            default:
                // Being parsed by another lane, or too far ahead: parse a later file meanwhile
                // if one may be held, else wait for a change.
                while nextPending < count, parse[nextPending] != .pending { nextPending += 1 }
                if nextPending < min(count, oldest + span) {
                    run(nextPending, read)
                } else {
                    condition.wait()
                }
            }
        }
        return nil
    }

    /// Whether the calling lane is the first to claim file `position` for checking.
    func claim(_ position: Int) -> Bool {
        if lanes == 1 { return true }
        condition.lock()
        defer { condition.unlock() }
        if claimed[position] { return false }
        claimed[position] = true
        return true
    }

    /// The findings of file `position`, from the lane that checked it (or only replayed it
    /// for a file no rule looks at).
    func setFound(_ position: Int, _ diagnostics: [Diagnostic]) {
        condition.lock()
        found[position] = diagnostics
        condition.broadcast()
        condition.unlock()
    }

    /// The calling lane is done with file `position`: the last lane lets the file go.
    func release(_ position: Int) {
        condition.lock()
        let slot = position % span
        lanesLeft[slot] -= 1
        var last: MigrationFile?
        if lanesLeft[slot] == 0 {
            last = files[slot].take()
            if position == oldest {
                while oldest < count, parse[oldest] == .done, lanesLeft[oldest % span] == 0, files[oldest % span] == nil {
                    oldest += 1
                }
                condition.broadcast()
            }
        }
        condition.unlock()
        _ = consume last   // freed here, on the lane, outside the lock
    }

    /// A lane has walked every file (or stopped at a failure).
    func laneFinished() {
        condition.lock()
        lanesDone += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Returns when every lane has finished its walk (nothing runs on after the pass).
    func waitForLanes() {
        condition.lock()
        while lanesDone < lanes { condition.wait() }
        condition.unlock()
    }

    // MARK: - Results

    /// The findings of file `position` once it is checked, or nil when it is not yet (or a
    /// failure stopped the lanes); with `wait`, waits until it is.
    func takeFound(_ position: Int, wait: Bool) -> [Diagnostic]? {
        condition.lock()
        defer { condition.unlock() }
        while found[position] == nil, wait, failure == nil, lanesDone < lanes { condition.wait() }
        return found[position].take()
    }

    /// Whether file `position` was parsed (to find, after a failure, an earlier one that fails too).
    func isParsed(_ position: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return parse[position] == .done
    }

    /// Parses file `position` outside the lock (called with it held).
    private func run(_ position: Int, _ read: (Int) -> Result<MigrationFile, InputError>) {
        parse[position] = .running
        condition.unlock()
        let result = read(position)
        condition.lock()
        switch result {
        case .success(let file):
            files[position % span] = file
            lanesLeft[position % span] = lanes
        case .failure(let error):
            if failure.map({ position < $0.position }) ?? true { failure = (position, error) }
        }
        parse[position] = .done
        condition.broadcast()
    }
}

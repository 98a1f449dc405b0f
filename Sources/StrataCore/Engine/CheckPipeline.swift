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
    private let condition = SpinningCondition()
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
    /// Who parsed each file in flight (at `position % span`): a lane's index, or `parserThreads`
    /// for the parser threads. Each parser frees its own files: a file another thread lets go
    /// last waits in `garbage` under its parser (a thread freeing another thread's memory
    /// queues on that thread's malloc arena lock, and on two cores those waits were most of a
    /// lint's context switches).
    private var parsedBy: [Int]
    /// By parser (`parsedBy`'s values), the files every lane is done with, for it to free.
    private var garbage: [[MigrationFile]]
    /// `parsedBy`'s value for the parser threads, which share their garbage.
    private var parserThreads: Int { lanes }
    /// Threads waiting, by what for: a broadcast wakes them only when it can matter to one.
    private var waitingForParse = 0, waitingForFindings = 0, lanesWaitingForRoom = 0, parsersWaitingForRoom = 0
    /// The lowest file a lane waiting for room wants.
    private var roomWantedAt = Int.max
    /// Lanes that have finished their walk, and parser threads that have stopped.
    private var lanesDone = 0
    private var parsersDone = 0
    /// The earliest file that could not be read, once one could not.
    private(set) var failure: (position: Int, error: InputError)?

    /// Threads that only read and parse ahead of the lanes.
    let parsers: Int

    init(count: Int, span: Int, lanes: Int, parsers: Int = 0) {
        self.count = count
        self.span = max(1, span)
        self.lanes = lanes
        self.parsers = parsers
        parse = Array(repeating: .pending, count: count)
        files = Array(repeating: nil, count: self.span)
        lanesLeft = Array(repeating: 0, count: self.span)
        parsedBy = Array(repeating: 0, count: self.span)
        garbage = Array(repeating: [], count: lanes + 1)
        claimed = Array(repeating: false, count: count)
        found = Array(repeating: nil, count: count)
    }

    // MARK: - Lanes

    /// One step of a lane: done with file `finished` (with its findings when this lane claimed
    /// it), on to file `finished + 1`. Returns that file, parsed, and whether this lane is the
    /// first to claim it for checking; nil at the end, or once any file could not be read (the
    /// lanes stop). One lock taken per step.
    func step(lane: Int, finished: Int?, found: [Diagnostic]?, parsing read: (Int) -> Result<MigrationFile, InputError>)
        -> (position: Int, file: MigrationFile, claimed: Bool)? {
        condition.lock()
        var freed: MigrationFile?
        if let finished {
            if let found {
                self.found[finished] = found
                if waitingForFindings > 0 { condition.broadcast() }
            }
            freed = release(finished, by: lane)
        }
        var ownGarbage: [MigrationFile] = []
        if !garbage[lane].isEmpty { swap(&ownGarbage, &garbage[lane]) }
        let position = (finished ?? -1) + 1
        var result: (position: Int, file: MigrationFile, claimed: Bool)?
        if position < count, let file = file(at: position, lane: lane, read) {
            let claimed = lanes == 1 || !self.claimed[position]
            self.claimed[position] = true
            result = (position, file, claimed)
        }
        condition.unlock()
        // Files every lane is done with, parsed by this lane, are freed here, outside the lock.
        _ = consume freed
        ownGarbage = []
        return result
    }

    /// File `position`, parsed (called with the lock held; it is let go while parsing).
    private func file(at position: Int, lane: Int, _ read: (Int) -> Result<MigrationFile, InputError>) -> MigrationFile? {
        while failure == nil {
            switch parse[position] {
            case .done:
                return files[position % span]
            case .pending where position < oldest + span:
                run(position, lane: lane, read)
            default:
                // Being parsed by another lane, or too far ahead: parse a later file meanwhile
                // if one may be held, else wait for a change.
                while nextPending < count, parse[nextPending] != .pending { nextPending += 1 }
                if nextPending < min(count, oldest + span) {
                    run(nextPending, lane: lane, read)
                } else if parse[position] == .running {
                    waitingForParse += 1
                    condition.wait()
                    waitingForParse -= 1
                } else {
                    // A lane this far ahead waits for the others; it is woken as soon as its
                    // file may be held.
                    lanesWaitingForRoom += 1
                    roomWantedAt = min(roomWantedAt, position)
                    condition.wait()
                    lanesWaitingForRoom -= 1
                    if lanesWaitingForRoom == 0 { roomWantedAt = Int.max }
                }
            }
        }
        return nil
    }

    /// The calling lane is done with file `position` (lock held): the last lane takes the file
    /// out, to free it once the lock is let go.
    private func release(_ position: Int, by lane: Int) -> MigrationFile? {
        let slot = position % span
        lanesLeft[slot] -= 1
        guard lanesLeft[slot] == 0 else { return nil }
        var last = files[slot].take()
        if parsedBy[slot] != lane, let file = last.take() { garbage[parsedBy[slot]].append(file) }
        if position == oldest {
            while oldest < count, parse[oldest] == .done, lanesLeft[oldest % span] == 0, files[oldest % span] == nil {
                oldest += 1
            }
            // A lane waiting for room is woken as soon as its file may be held; a parser once
            // there is a quarter of the span to fill, not for every file (a wake-up costs more
            // than parsing a small file).
            if lanesWaitingForRoom > 0, oldest + span > roomWantedAt {
                condition.broadcast()
            } else if parsersWaitingForRoom > 0, oldest + span - nextPending >= max(1, span / 4) || oldest == count {
                condition.broadcast()
            }
        }
        return last
    }

    /// A parser thread: parses the next file no one has taken, as far ahead of the lanes as
    /// may be held, until every file is parsed (or a lane stopped at a failure, or all lanes
    /// are done).
    func parseAhead(parsing read: (Int) -> Result<MigrationFile, InputError>) {
        condition.lock()
        var trash: [MigrationFile] = []
        defer {
            parsersDone += 1
            trash += garbage[parserThreads]
            garbage[parserThreads] = []
            condition.broadcast()
            condition.unlock()
            trash = []
        }
        while failure == nil, lanesDone < lanes {
            while nextPending < count, parse[nextPending] != .pending { nextPending += 1 }
            if nextPending >= count { return }
            if nextPending < oldest + span {
                // Up to four files at a time: one lock taken for several, not two for each.
                var batch: [Int] = []
                var next = nextPending
                while batch.count < 4, next < min(count, oldest + span) {
                    if parse[next] == .pending {
                        parse[next] = .running
                        parsedBy[next % span] = parserThreads
                        batch.append(next)
                    }
                    next += 1
                }
                // Files the lanes are done with, parsed here: freed here too (a thread freeing
                // another thread's memory queues on that thread's malloc arena).
                swap(&trash, &garbage[parserThreads])
                condition.unlock()
                trash = []
                let results = batch.map { read($0) }
                condition.lock()
                for (position, result) in zip(batch, results) { store(result, at: position) }
            } else {
                parsersWaitingForRoom += 1
                condition.wait()
                parsersWaitingForRoom -= 1
            }
        }
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
        while lanesDone < lanes || parsersDone < parsers { condition.wait() }
        condition.unlock()
    }

    // MARK: - Results

    /// The findings of the files from `position` on that are checked, up to the first one that
    /// is not yet; with `wait`, at least that one, once it is (none after a failure).
    func takeFound(from position: Int, wait: Bool) -> [[Diagnostic]] {
        condition.lock()
        defer { condition.unlock() }
        while position < count, found[position] == nil, wait, failure == nil, lanesDone < lanes {
            waitingForFindings += 1
            condition.wait()
            waitingForFindings -= 1
        }
        var taken: [[Diagnostic]] = []
        var next = position
        while next < count, let ready = found[next].take() {
            taken.append(ready)
            next += 1
        }
        return taken
    }

    /// Whether file `position` was parsed (to find, after a failure, an earlier one that fails too).
    func isParsed(_ position: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return parse[position] == .done
    }

    /// Parses file `position` outside the lock (called with it held).
    private func run(_ position: Int, lane: Int, _ read: (Int) -> Result<MigrationFile, InputError>) {
        parse[position] = .running
        parsedBy[position % span] = lane
        condition.unlock()
        let result = read(position)
        condition.lock()
        store(result, at: position)
    }

    /// A parsed file (or why it could not be read) put where the lanes find it (lock held).
    private func store(_ result: Result<MigrationFile, InputError>, at position: Int) {
        switch result {
        case .success(let file):
            files[position % span] = file
            lanesLeft[position % span] = lanes
        case .failure(let error):
            if failure.map({ position < $0.position }) ?? true { failure = (position, error) }
        }
        parse[position] = .done
        if waitingForParse > 0 || failure != nil { condition.broadcast() }
    }
}

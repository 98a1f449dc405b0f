import Foundation

/// The shared state of the lanes checking one window of files (`LintPass`): which files are
/// parsed (and by whom), which are claimed for checking, and what checking found.
///
/// Lanes take files in window order. A file nobody has parsed is parsed by the lane that needs
/// it; a lane that needs a file another lane is parsing parses a later one meanwhile, so both
/// cores stay busy; a lane waits only when every file is taken.
final class WindowWork: @unchecked Sendable {
    private enum Parse {
        case pending, running, done
    }

    private let condition = NSCondition()
    private var parse: [Parse]
    private var files: [MigrationFile?]
    private var claimed: [Bool]
    /// Every file before this one is parsed or being parsed.
    private var nextPending = 0
    /// The earliest file that could not be read, once one could not.
    private(set) var failure: (position: Int, error: InputError)?
    /// What checking each file found, set by the lane that claimed it.
    let found: Slots<[Diagnostic]>

    init(count: Int) {
        parse = Array(repeating: .pending, count: count)
        files = Array(repeating: nil, count: count)
        claimed = Array(repeating: false, count: count)
        found = Slots(count: count)
    }

    /// File `position`, parsed; nil once any file could not be read (the lanes stop).
    func file(at position: Int, parsing read: (Int) -> Result<MigrationFile, InputError>) -> MigrationFile? {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil {
            switch parse[position] {
            case .done:
                return files[position]
            case .pending:
                run(position, read)
            case .running:
                while nextPending < parse.count, parse[nextPending] != .pending { nextPending += 1 }
                if nextPending < parse.count {
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
        condition.lock()
        defer { condition.unlock() }
        if claimed[position] { return false }
        claimed[position] = true
        return true
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
        parse[position] = .done
        switch result {
        case .success(let file):
            files[position] = file
        case .failure(let error):
            if failure.map({ position < $0.position }) ?? true { failure = (position, error) }
        }
        condition.broadcast()
    }
}

import Foundation
import StrataCore

/// Undoes what a command set up (a scratch database dropped, a temporary cluster stopped) when
/// the run ends, and on Ctrl-C or SIGTERM too, so that nothing outlives the command.
final class InterruptCleanup: @unchecked Sendable {
    // Unchecked: the signal handler runs on another thread while the command may be running a
    // statement; `undo` must be safe to call from there (the scratch's and the target's take
    // their own lock and are idempotent), and `lock` keeps the command from finishing (or
    // printing) once a signal has come.
    private let undo: @Sendable () -> Void
    private let done: String
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var interrupted = false

    /// `done`: what the interruption message says was undone (`scratch dropped`).
    init(_ done: String, undo: @escaping @Sendable () -> Void) {
        self.undo = undo
        self.done = done
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in self.interrupt() }
            source.resume()
            sources.append(source)
        }
    }

    /// Undoes and ends the process, holding the lock to the end: the statement the command was
    /// running fails when its session ends, and what the command does next waits.
    private func interrupt() {
        lock.lock()
        interrupted = true
        undo()
        Strata.end(with: interruption)
    }

    /// Waits for the signal handler, which ends the process, when a signal has come.
    func exitIfInterrupted() {
        lock.lock()
        defer { lock.unlock() }
        if interrupted { Strata.end(with: interruption) }
    }

    private var interruption: CommandFailure { CommandFailure("interrupted; \(done)", .interrupted) }

    /// Undoes at the end of a run, and stops listening for signals.
    func finish() {
        undo()
        for source in sources { source.cancel() }
    }
}

/// A value handed to the signal handler's thread: only for objects whose cleanup is safe from
/// another thread (they lock), which the type system cannot see.
struct SignalSafe<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

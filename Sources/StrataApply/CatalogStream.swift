import Foundation
import StrataCore
import StrataSyntax

/// The migration files read, parsed and made into catalog entries on a thread of their own, in
/// the layout's order of their ids, each handed over as soon as it is made.
///
/// `up --single-transaction` reads from it while it runs (`MigrationSource.stream`): its
/// transaction starts as soon as the first file is ready instead of after every file was read,
/// parsed and hashed (on a small machine that is a tenth of the whole run for a thousand small
/// migrations). The plan is `UpPlanner`'s as for files read whole; what it cannot know before
/// the end (the lint of the whole set, a changed file arriving last) is checked before COMMIT,
/// and nothing is kept when it does not hold.
public final class CatalogStream: @unchecked Sendable {
    /// One file as made: its bytes, its parse and its catalog entry.
    public struct Item: Sendable {
        public var input: MigrationInput
        public var file: MigrationFile
        public var entry: CatalogEntry
    }

    /// The discovered files, in the layout's order of their ids: the order they apply in when
    /// no dependency points forward.
    public let files: [DiscoveredFile]
    private let condition = NSCondition()
    /// Made so far, `items[i]` from `files[i]`; written by the producing thread only, under
    /// `condition`.
    private var items: [Result<Item, InputError>] = []
    /// `items[i]`'s catalog entry, kept apart: what `up` reads of each file while it runs.
    private var entries: [Result<CatalogEntry, InputError>] = []
    /// The lowest count of items a waiting thread needs (Int.max: none waits), under
    /// `condition`. The producer wakes waiters only when it reaches it: a broadcast for every
    /// file woke the waiting lint thread a thousand times, each a context switch on a small
    /// machine where the applying thread needs the other core.
    private var awaitedCount = Int.max
    private let postgresMajor: Int?
    /// The catalog of every file made, once asked for (under `condition`).
    private var madeCatalog: MigrationCatalog?

    /// Starts reading at once. `postgresMajor`: as for `MigrationCatalog`.
    public init(_ discovered: [DiscoveredFile], layout: LayoutKind, dialect: Dialect, postgresMajor: Int? = nil) {
        self.postgresMajor = postgresMajor
        let parser = layout.layout
        // Ties keep the order found (a Liquibase file's changesets, in file order).
        files = discovered.enumerated().sorted { x, y in
            parser.precedes(x.element.id, y.element.id) || (!parser.precedes(y.element.id, x.element.id) && x.offset < y.offset)
        }.map(\.element)
        items.reserveCapacity(files.count)
        entries.reserveCapacity(files.count)
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            for file in files {
                let made = Result { () throws(InputError) -> Item in
                    let input = try FileDiscovery.input(file)
                    let parsed = parser.parse(input, dialect: dialect, depth: .full)
                    return Item(input: input, file: parsed, entry: MigrationCatalog.entry(parsed, input, postgresMajor: postgresMajor))
                }
                condition.lock()
                items.append(made)
                entries.append(made.map(\.entry))
                if items.count >= awaitedCount {
                    awaitedCount = Int.max
                    condition.broadcast()
                }
                condition.unlock()
            }
        }
    }

    /// The catalog entry of `files[index]`, waiting until it is made: all `up` needs of a file
    /// while it runs (copying the whole item, bytes and parse, for each showed in a profile).
    public func entry(_ index: Int) -> Result<CatalogEntry, InputError> {
        condition.lock()
        defer { condition.unlock() }
        wait(untilCount: index + 1)
        return entries[index]
    }

    /// Every item, in the order of `files`, once all are made.
    public func all() -> [Result<Item, InputError>] {
        condition.lock()
        defer { condition.unlock() }
        wait(untilCount: files.count)
        return items
    }

    /// The catalog of the files, once all are made (those that could not be read left out):
    /// what `status` and the other commands read of an applier on a stream.
    public var catalog: MigrationCatalog {
        let made = all().compactMap { try? $0.get() }
        condition.lock()
        defer { condition.unlock() }
        if madeCatalog == nil {
            madeCatalog = MigrationCatalog(parsed: made.map(\.file), inputs: made.map(\.input), postgresMajor: postgresMajor)
        }
        return madeCatalog!
    }

    /// Waits, holding `condition`, until `count` items are made. Each waiter lowers
    /// `awaitedCount` to what it needs; after a broadcast the others set theirs again.
    private func wait(untilCount count: Int) {
        while items.count < count {
            awaitedCount = min(awaitedCount, count)
            condition.wait()
        }
    }
}

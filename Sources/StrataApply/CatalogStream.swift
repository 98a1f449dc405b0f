import Foundation
import StrataCore
import StrataSyntax

/// The migration files read, parsed and made into catalog entries on a thread of their own, in
/// the layout's order of their ids, each handed over as soon as it is made.
///
/// `up --single-transaction` reads from it while it runs: its transaction starts as soon as the
/// first file is ready instead of after every file was read, parsed and hashed (on a small
/// machine that is a tenth of the whole run for a thousand small migrations). What the stream
/// cannot know before the end (the lint of the whole set, a dependency pointing forward) is
/// checked before COMMIT, and nothing is kept when it does not hold (`Applier.upStreamed`).
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

    /// Starts reading at once. `postgresMajor`: as for `MigrationCatalog`.
    public init(_ discovered: [DiscoveredFile], layout: LayoutKind, dialect: Dialect, postgresMajor: Int? = nil) {
        let parser = layout.layout
        files = discovered.sorted { parser.precedes($0.id, $1.id) }
        items.reserveCapacity(files.count)
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            for file in files {
                let made = Result { () throws(InputError) -> Item in
                    let input = try FileDiscovery.input(file)
                    let parsed = parser.parse(input, dialect: dialect, depth: .full)
                    return Item(input: input, file: parsed, entry: MigrationCatalog.entry(parsed, input, postgresMajor: postgresMajor))
                }
                condition.lock()
                items.append(made)
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    /// The item of `files[index]`, waiting until it is made.
    public func item(_ index: Int) -> Result<Item, InputError> {
        condition.lock()
        defer { condition.unlock() }
        while items.count <= index { condition.wait() }
        return items[index]
    }

    /// Every item, in the order of `files`, once all are made.
    public func all() -> [Result<Item, InputError>] {
        condition.lock()
        defer { condition.unlock() }
        while items.count < files.count { condition.wait() }
        return items
    }
}

import ArgumentParser
import Foundation
import StrataCore

enum ConvertTarget: String, ExpressibleByArgument, CaseIterable {
    case strata
}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Rewrite another tool's migrations folder into Strata's format.",
        discussion: """
            Each migration becomes <id>.sql in the migrations folder, with the same id (so \
            tracking rows and git history keep matching), a metadata header filled from what is \
            known (name from the file name, timestamp from the version when it is a date, \
            @rollbackSafe true only with DOWN SQL, @dependencies on the migration before it, \
            @transaction: false where the tool ran it outside a transaction) and the UP and DOWN \
            SQL as written. The old files are removed once every new file is written. Nothing \
            is converted without this command; --dry-run shows the files it would write.

            Examples:
              strata convert --to strata --dry-run
              strata convert --to strata --layout dbmate
            """)

    @Option(name: .long, help: "The format to convert to: strata.")
    var to: ConvertTarget

    @Flag(name: .long, help: "Print the files that would be written; change nothing.")
    var dryRun = false

    @OptionGroup var project: ProjectOptions

    func run() throws {
        let context = try CommandContext(project)
        let folder = context.configuration.migrationsDirectory
        let shown = context.migrationsDirectoryForDisplay
        guard FileDiscovery.directoryExists(folder) else { throw CommandFailure("\(shown): no such folder; set `migrations:` in strata.yml") }
        switch context.layout {
        case .strata:
            print("\(shown) is in Strata's format already; nothing to convert")
            return
        case .plain:
            throw CommandFailure("\(shown) is read as plain SQL files, which have no versions or DOWN SQL to convert from; name the tool with --layout", .refused)
        default: break
        }
        let layout = context.layout.layout
        let parsed = try FileDiscovery.discover([shown], layout: layout).map { file throws(InputError) in
            layout.parse(try FileDiscovery.input(file), dialect: context.dialect, depth: .full)
        }
        // sqitch's changes come in plan order, and have no version to keep: they are numbered.
        let sqitch = context.layout == .sqitch
        let files = sqitch ? parsed : parsed.enumerated().sorted { x, y in
            // Ties keep the order found (a Liquibase file's changesets, in file order).
            let (a, b) = (x.element, y.element)
            if layout.precedes(a.id, b.id) { return true }
            if layout.precedes(b.id, a.id) { return false }
            return a.path != b.path ? a.path < b.path : x.offset < y.offset
        }.map(\.element)
        if let binary = files.first(where: { $0.notText != nil }) {
            throw CommandFailure("\(binary.path):\(binary.notText!.position): \(binary.notText!.reason)", .refused)
        }
        if let foreign = files.first(where: { $0.nonSQL != nil }), let kind = foreign.nonSQL {
            // Strata's format holds SQL: the migration would become an empty file, and its work be lost.
            throw CommandFailure("\(foreign.path) is a \(kind.language) migration, which Strata's format cannot hold; rewrite it in SQL first, or keep the folder in \(kind.tool)'s layout", .refused)
        }
        let outputs = Conversion.convert(files, numbered: sqitch)
        var byName: [String: String] = [:]
        for output in outputs {
            if let other = byName[output.fileName] {
                throw CommandFailure("two migrations would both become \(output.fileName) (\(other) and \(output.sources[0])); convert one folder at a time (`migrations:` in strata.yml)", .refused)
            }
            byName[output.fileName] = output.sources[0]
        }
        let sources = Set(outputs.flatMap(\.sources).map { Self.absolute($0) })
        for output in outputs {
            let target = folder + "/" + output.fileName
            if FileManager.default.fileExists(atPath: target), !sources.contains(Self.absolute(target)) {
                throw CommandFailure("\(shown)/\(output.fileName) exists and is not one of the files converted; move it away first", .refused)
            }
        }
        for output in outputs {
            print("\(output.sources.joined(separator: " + ")) → \(shown)/\(output.fileName)")
            if dryRun { print(output.text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8).map { "    " + $0 }.joined(separator: "\n")) }
        }
        guard !dryRun else {
            print("would convert \(outputs.count) migration\(outputs.count == 1 ? "" : "s") (dry run: nothing written)")
            return
        }
        try write(outputs, into: folder)
        print("converted \(outputs.count) migration\(outputs.count == 1 ? "" : "s") to Strata's format; review them with `strata lint`")
        if context.configuration.layout != nil {
            print("note: strata.yml says `layout: \(context.configuration.layout!.rawValue)`: set it to strata (or auto)")
        }
        if sqitch {
            print("note: sqitch.plan, sqitch.conf and verify/ are left as they are: remove them once done (or set `layout: strata`), as --layout auto reads a folder with sqitch.plan as sqitch's")
        }
        print("note: a database where Strata applied the old files records their checksums; `strata status` shows those migrations as changed")
    }

    /// Every new file written beside its final name first, then renamed into place, then the
    /// old files (and diesel's emptied folders) removed: a failure before the renames leaves
    /// the folder as it was.
    private func write(_ outputs: [Conversion.Output], into folder: String) throws {
        let manager = FileManager.default
        var written: [(temporary: String, final: String)] = []
        do {
            for output in outputs {
                let temporary = folder + "/." + output.fileName + ".converting"
                try Data(output.text.utf8).write(to: URL(fileURLWithPath: temporary))
                written.append((temporary, folder + "/" + output.fileName))
            }
        } catch {
            for file in written { try? manager.removeItem(atPath: file.temporary) }
            throw CommandFailure("\(folder): \(error.localizedDescription); nothing converted")
        }
        let finals = Set(written.map { Self.absolute($0.final) })
        for (n, file) in written.enumerated() where rename(file.temporary, file.final) != 0 {
            // Old files stay: those already replaced (dbmate's, goose's) hold their new text.
            let reason = String(cString: strerror(errno))
            for rest in written[n...] { try? manager.removeItem(atPath: rest.temporary) }
            throw CommandFailure("\(file.final): \(reason); \(n) of \(written.count) files converted, no old file removed")
        }
        for source in outputs.flatMap(\.sources) where !finals.contains(Self.absolute(source)) {
            try? manager.removeItem(atPath: source)
            let parent = (source as NSString).deletingLastPathComponent
            if Self.absolute(parent) != Self.absolute(folder), (try? manager.contentsOfDirectory(atPath: parent))?.isEmpty == true {
                try? manager.removeItem(atPath: parent)
            }
        }
    }

    static func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

}

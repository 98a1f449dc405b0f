import ArgumentParser
import Foundation
import StrataCore
import StrataProject

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
        let context = try Project(project)
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
        let outputs = try Conversion.plan(folder: folder, shown: shown, layout: context.layout, dialect: context.dialect)
        for output in outputs {
            print("\(output.sources.joined(separator: " + ")) → \(shown)/\(output.fileName)")
            if dryRun { print(output.text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8).map { "    " + $0 }.joined(separator: "\n")) }
        }
        guard !dryRun else {
            print("would convert \(outputs.count) migration\(outputs.count == 1 ? "" : "s") (dry run: nothing written)")
            return
        }
        try Conversion.write(outputs, into: folder)
        print("converted \(outputs.count) migration\(outputs.count == 1 ? "" : "s") to Strata's format; review them with `strata lint`")
        if context.configuration.layout != nil {
            print("note: strata.yml says `layout: \(context.configuration.layout!.rawValue)`: set it to strata (or auto)")
        }
        if context.layout == .sqitch {
            print("note: sqitch.plan, sqitch.conf and verify/ are left as they are: remove them once done (or set `layout: strata`), as --layout auto reads a folder with sqitch.plan as sqitch's")
        }
        print("note: a database where Strata applied the old files records their checksums; `strata status` shows those migrations as changed")
    }


}

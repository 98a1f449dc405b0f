import ArgumentParser
import Foundation
import StrataCore
import StrataProject

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Write the next numbered migration file with a complete header and both sections.",
        discussion: """
        The file lands in the migrations folder of strata.yml (else ./migrations), numbered after the highest number there.

        Examples:
          strata new "add user avatars"
          strata new add_orders --description "Orders and their lines"
        """)

    @Argument(help: "What the migration does, e.g. \"add user avatars\"; it becomes the file name and @name.")
    var name: String

    @Option(name: .long, help: "The @description line (default: the name).")
    var description: String?

    @Option(name: .long, help: "Folder to write to (default: the configured migrations folder).")
    var dir: String?

    @OptionGroup var project: ProjectOptions

    func validate() throws {
        if MigrationTemplate.slug(name).isEmpty {
            throw ValidationError("the name must contain letters or digits")
        }
    }

    func run() throws {
        let context = try Project(project)
        let folder = dir ?? context.migrationsDirectoryForDisplay
        switch context.layout {
        case .strata:
            let path = try MigrationTemplate.write(name: name, description: description, folder: folder, now: Date())
            print("created \(path)")
        case .sqitch:
            try newSqitchChange(folder: folder)
        case .plain:
            throw CommandFailure("plain files have no naming scheme to follow; name the tool with --layout, or write the file yourself")
        default:
            // Another tool's folder: its own format, so the folder stays one layout.
            let paths = try LayoutTemplate.write(LayoutTemplate.files(layout: context.layout, slug: MigrationTemplate.slug(name), up: "", down: "",
                                                          in: folder, now: Date(), dialect: context.dialect), into: folder)
            for path in paths { print("created \(path)") }
            if context.layout == .atlas {
                // Atlas refuses a folder whose atlas.sum does not list every file.
                let sum = try AtlasSum.rewrite(folder: folder)
                print("updated \(sum)")
            }
        }
    }
}

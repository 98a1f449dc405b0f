import Foundation
import StrataSyntax

/// `strata convert` on a folder: what it would write, refused before anything is written when
/// a file could not be held in Strata's format or would overwrite another; then the writing,
/// all or nothing for the new files.
extension Conversion {
    /// The files converting the migrations of `folder` (absolute; `shown` as messages name it
    /// and as the files are found) from layout `kind` would write, in order.
    public static func plan(folder: String, shown: String, layout kind: LayoutKind, dialect: Dialect) throws -> [Output] {
        let layout = kind.layout
        let parsed = try FileDiscovery.discover([shown], layout: layout).map { file throws(InputError) in
            layout.parse(try FileDiscovery.input(file), dialect: dialect, depth: .full)
        }
        // sqitch's changes come in plan order, and have no version to keep: they are numbered.
        let sqitch = kind == .sqitch
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
        let sources = Set(outputs.flatMap(\.sources).map { absolute($0) })
        for output in outputs {
            let target = folder + "/" + output.fileName
            if FileManager.default.fileExists(atPath: target), !sources.contains(absolute(target)) {
                throw CommandFailure("\(shown)/\(output.fileName) exists and is not one of the files converted; move it away first", .refused)
            }
        }
        return outputs
    }

    /// Every new file written beside its final name first, then renamed into place, then the
    /// old files (and diesel's emptied folders) removed: a failure before the renames leaves
    /// the folder as it was.
    public static func write(_ outputs: [Conversion.Output], into folder: String) throws {
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
        let finals = Set(written.map { absolute($0.final) })
        for (n, file) in written.enumerated() where rename(file.temporary, file.final) != 0 {
            // Old files stay: those already replaced (dbmate's, goose's) hold their new text.
            let reason = String(cString: strerror(errno))
            for rest in written[n...] { try? manager.removeItem(atPath: rest.temporary) }
            throw CommandFailure("\(file.final): \(reason); \(n) of \(written.count) files converted, no old file removed")
        }
        for source in outputs.flatMap(\.sources) where !finals.contains(absolute(source)) {
            try? manager.removeItem(atPath: source)
            let parent = (source as NSString).deletingLastPathComponent
            if absolute(parent) != absolute(folder), (try? manager.contentsOfDirectory(atPath: parent))?.isEmpty == true {
                try? manager.removeItem(atPath: parent)
            }
        }
    }

    /// `path` made absolute against the working directory, as PathText spells every path.
    private static func absolute(_ path: String) -> String {
        PathText.absolute(path, from: FileManager.default.currentDirectoryPath)
    }
}

/// Tells which tool's layout a folder of migrations is written for (`--layout auto`).
///
/// File names decide for the layouts that have a naming scheme (diesel folders with `up.sql`,
/// `.up.sql`/`.down.sql` pairs, Flyway's `V1__name.sql`); the first lines of files decide for
/// the one-file layouts (dbmate's `-- migrate:up`, goose's `-- +goose Up`, Strata's header and
/// markers). Two layouts' signs in one folder is an error, never a guess.
public enum LayoutDetector {
    public struct Detection: Sendable, Equatable {
        public var layout: LayoutKind
        /// What decided it, for `--verbose`: a file and what it showed.
        public var reason: String
    }

    /// How many files are opened to look for markers (the first and the last ones by name,
    /// where a new file of another kind lands); names alone are read for all of them.
    static let filesOpened = 48

    public static func detect(_ paths: [String]) throws(InputError) -> Detection {
        // Paths as found below each folder given; joined with the folder only where one is
        // opened or named in a message (thousands of names pass through here).
        var files: [String] = []
        var folderOf: [Int: String] = [:]
        var atlasSum: String? = nil
        for path in paths {
            if FileDiscovery.fileExists(path) {
                files.append(path)
            } else if FileDiscovery.directoryExists(path) {
                folderOf[files.count] = path.hasSuffix("/") ? path : path + "/"
                files += try FileDiscovery.sqlFiles(in: path, recursive: true).map(\.0)
                if let sum = AtlasSum.path(inFolder: path), FileDiscovery.fileExists(sum) { atlasSum = sum }
            }
        }
        let starts = folderOf.keys.sorted()
        func full(_ index: Int) -> String {
            guard let start = starts.last(where: { $0 <= index }) else { return files[index] }
            return folderOf[start]! + files[index]
        }
        var evidence: [LayoutKind: String] = [:]
        func found(_ layout: LayoutKind, _ reason: String) {
            if evidence[layout] == nil { evidence[layout] = reason }
        }
        if let atlasSum { found(.atlas, "\(atlasSum): Atlas's integrity file") }
        // sqitch: the folder holds its plan (one stat a folder given).
        for folder in folderOf.values.sorted() where FileDiscovery.fileExists(folder + "sqitch.plan") {
            found(.sqitch, "\(folder)sqitch.plan")
        }
        // The files beside the migrations that name their tool: drizzle's journal, Prisma's lock.
        for folder in Set(folderOf.values) {
            if FileDiscovery.fileExists(folder + "meta/_journal.json") { found(.drizzle, "\(folder)meta/_journal.json: a drizzle journal") }
            if FileDiscovery.fileExists(folder + "migration_lock.toml") { found(.prisma, "\(folder)migration_lock.toml: Prisma's lock file") }
        }
        // sqlx's forward-only `<version>_<name>.sql` files beside `.up.sql`/`.down.sql` pairs.
        var forwardBesidePairs: Int? = nil
        for (index, file) in files.enumerated() {
            // By bytes: a folder may hold thousands of names, and this runs before every command.
            let utf8 = file.utf8
            let slash = utf8.lastIndex(of: UInt8(ascii: "/"))
            let nameStart = slash.map { utf8.index(after: $0) } ?? utf8.startIndex
            let name = utf8[nameStart...]
            if slash != nil, name.elementsEqual("up.sql".utf8) {
                found(.diesel, "\(full(index)): a folder holding up.sql/down.sql")
            } else if slash != nil, name.elementsEqual("migration.sql".utf8) {
                found(.prisma, "\(full(index)): a folder holding migration.sql")
            } else if name.reversed().starts(with: "lqs.pu.".utf8) || name.reversed().starts(with: "lqs.nwod.".utf8) {
                found(.golangMigrate, "\(full(index)): an .up.sql/.down.sql file")
            } else if slash == nil, forwardBesidePairs == nil, SqlxLayout.isMigrationName(Substring(file)) {
                forwardBesidePairs = index
            } else if let first = name.first, first == UInt8(ascii: "V") || first == UInt8(ascii: "U"),
                      name.dropFirst().first.map({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) == true,
                      FlywayLayout.parts(FilePairing.name(Substring(file))) != nil {
                found(.flyway, "\(full(index)): a Flyway versioned name")
            }
        }
        // A diesel folder's down.sql is no sign of its own (Prisma's docs put a down.sql beside
        // migration.sql); it is diesel's where an up.sql is beside it.
        if evidence[.golangMigrate] != nil, evidence.count == 1, let index = forwardBesidePairs {
            return Detection(layout: .sqlx, reason: "\(full(index)): sqlx's forward-only file beside .up.sql/.down.sql pairs")
        }
        // A drizzle journal or a Prisma lock left beside files `strata convert` wrote.
        if evidence.count == 1, let tool = evidence.keys.first, tool == .drizzle || tool == .prisma,
           let first = files.indices.first(where: { !files[$0].contains("/") }),
           let bytes = try? FileDiscovery.read(full(first)), markerLayout(bytes) == .strata {
            return Detection(layout: .strata, reason: "\(full(first)): a Strata header beside \(tool.rawValue)'s files (converted)")
        }
        // Flyway's names with Strata's headers: a Flyway folder converted by `strata convert`.
        if evidence.keys.elementsEqual([.flyway]), let first = files.firstIndex(where: { FlywayLayout.parts(FilePairing.name(Substring($0))) != nil }),
           let bytes = try? FileDiscovery.read(full(first)), markerLayout(bytes) == .strata {
            return Detection(layout: .strata, reason: "\(full(first)): Flyway's name with a Strata header (converted)")
        }
        if evidence.isEmpty {
            let indices = Array(files.indices)
            let sample = files.count <= filesOpened ? indices[...] : indices.prefix(filesOpened / 2) + indices.suffix(filesOpened / 2)
            for index in sample {
                guard let bytes = try? FileDiscovery.read(full(index)) else { continue }
                if let layout = markerLayout(bytes) { found(layout, "\(full(index)): \(markerName(layout))") }
            }
        }
        if evidence.count > 1 {
            let signs = evidence.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) (\($0.value))" }
            throw InputError(path: paths.first ?? ".", message: "cannot tell the layout: signs of \(signs.joined(separator: " and ")); set `layout:` in strata.yml or pass --layout")
        }
        if let (layout, reason) = evidence.first { return Detection(layout: layout, reason: reason) }
        // No tool's signs: an empty folder gets Strata's format (`strata new`); numbered files
        // in one folder, `<version>_<name>.sql`, are sqlx's (and the Supabase CLI's), which
        // read them as Strata's plain SQL does; anything else is read as plain SQL.
        if files.isEmpty {
            return Detection(layout: .strata, reason: "no migration files yet")
        }
        if files.allSatisfy({ SqlxLayout.isMigrationName(FilePairing.name(Substring($0))) })
            && Set(files.map { FilePairing.folder(Substring($0)) }).count == 1 {
            return Detection(layout: .sqlx, reason: "\(full(0)): numbered <version>_<name>.sql files with no tool's markers")
        }
        return Detection(layout: .plain, reason: "no tool's markers or naming scheme")
    }

    /// The one-file layout whose markers the text shows, from its comment lines.
    static func markerLayout(_ bytes: [UInt8]) -> LayoutKind? {
        var start = 0
        let n = bytes.count
        while start < n {
            var end = start
            while end < n, bytes[end] != 0x0A { end += 1 }
            var i = start
            while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
            if end - i > 2, bytes[i] == UInt8(ascii: "-"), bytes[i + 1] == UInt8(ascii: "-") {
                var text = i + 2
                while text < end, bytes[text] == 0x20 || bytes[text] == 0x09 { text += 1 }
                let line = String(decoding: bytes[text..<end], as: UTF8.self).lowercased()
                if line.hasPrefix("migrate:up") || line.hasPrefix("migrate:down") { return .dbmate }
                if line.hasPrefix("+goose up") || line.hasPrefix("+goose down") { return .goose }
                if line.hasPrefix("+migrate up") || line.hasPrefix("+migrate down") { return .sqlMigrate }
                if line.hasPrefix("liquibase formatted sql") { return .liquibaseSQL }
                if line.hasPrefix("up migration") || line.hasPrefix("down migration") || line.hasPrefix("@name") { return .strata }
                if line.hasPrefix("> statement-breakpoint") { return .drizzle }
            }
            start = end + 1
        }
        return nil
    }

    static func markerName(_ layout: LayoutKind) -> String {
        switch layout {
        case .dbmate: "a `-- migrate:up` marker"
        case .goose: "a `-- +goose Up` annotation"
        case .drizzle: "a `--> statement-breakpoint` line"
        case .sqlMigrate: "a `-- +migrate Up` annotation"
        case .liquibaseSQL: "a `--liquibase formatted sql` header"
        default: "a Strata header or `-- UP MIGRATION` marker"
        }
    }
}

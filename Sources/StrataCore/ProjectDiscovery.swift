import Foundation

/// Where a project keeps its migrations when no `strata.yml` says: where each tool keeps them
/// by default or its own configuration points, so that `strata lint` works on a dbmate, Prisma
/// or Drizzle project as it is. A guess is never silent: `--verbose` prints what was found and
/// where, and `strata init` writes it down.
public enum ProjectDiscovery {
    /// A value found, with what showed it (`db/migrations (dbmate's and goose's folder)`).
    public struct Finding: Sendable, Equatable {
        public var value: String
        /// What showed it, for `--verbose` and `strata init`.
        public var source: String
        /// Other candidates that were passed over (the first one found wins), for `--verbose`.
        public var alsoFound: [String] = []

        public init(value: String, source: String, alsoFound: [String] = []) {
            self.value = value
            self.source = source
            self.alsoFound = alsoFound
        }
    }

    /// The tools' default folders, in the order they are looked at.
    public static let knownFolders: [(path: String, tools: String)] = [
        ("migrations", "the usual place of Strata, sqlx, golang-migrate, diesel and Atlas"),
        ("db/migrations", "dbmate's default and goose's usual place"),
        ("prisma/migrations", "Prisma Migrate's folder"),
        ("drizzle", "Drizzle Kit's default output folder"),
        ("supabase/migrations", "the Supabase CLI's folder"),
        ("src/main/resources/db/migration", "Flyway's default location"),
        ("src/main/resources/db/changelog", "Liquibase's usual place"),
        ("db/migration", "Flyway's usual place outside Java sources"),
        ("sql/migrations", "a common place"),
    ]

    /// Folders never searched when looking deeper (dependencies, build output, tools' caches).
    static let skippedFolders: Set<String> = ["node_modules", "vendor", "target", "build", "dist", "out", "bin", "obj", "Pods", "venv"]

    /// The migrations folder of the project in `root`, relative to it, or nil when nothing
    /// looks like one (the caller keeps `migrations`). Looked for in this order: a folder the
    /// tools' own settings name (`DBMATE_MIGRATIONS_DIR`, `GOOSE_MIGRATION_DIR`, drizzle.config's
    /// `out`, atlas.hcl's `dir`, flyway.conf's `locations`, diesel.toml's `dir`), `sqitch.plan`'s
    /// folder, the tools' default folders holding migration files, then a folder named
    /// `migrations` or `migration` up to three levels down holding `.sql` files.
    public static func migrationsFolder(root: String, environment: [String: String]) -> Finding? {
        let dotEnv = DotEnv.read(root)
        for name in ["DBMATE_MIGRATIONS_DIR", "GOOSE_MIGRATION_DIR"] {
            if let value = environment[name], !value.isEmpty, isDirectory(root, value) {
                return Finding(value: normalized(value), source: "\(name) in the environment")
            }
            if let value = dotEnv[name], !value.isEmpty, isDirectory(root, value) {
                return Finding(value: normalized(value), source: "\(name) in .env")
            }
        }
        for (file, pattern) in configuredFolders {
            guard let text = ProjectFiles.text(root, file), let value = ProjectFiles.firstMatch(pattern, in: text),
                  isDirectory(root, value) else { continue }
            return Finding(value: normalized(value), source: "\(file) names it")
        }
        if ProjectFiles.exists(root, "sqitch.plan") {
            return Finding(value: ".", source: "sqitch.plan is here")
        }
        var candidates: [Finding] = []
        for (path, tools) in knownFolders where isDirectory(root, path) && holdsMigrations(root + "/" + path) {
            candidates.append(Finding(value: path, source: tools))
        }
        if candidates.isEmpty {
            for path in deeperFolders(root) {
                candidates.append(Finding(value: path, source: "a folder named \((path as NSString).lastPathComponent) holding .sql files"))
            }
        }
        guard var first = candidates.first else {
            // A default folder that exists with nothing in it yet is still the one meant.
            return knownFolders.first { isDirectory(root, $0.path) }.map { Finding(value: $0.path, source: $0.tools + ", empty") }
        }
        first.alsoFound = candidates.dropFirst().map(\.value)
        return first
    }

    /// The tools' settings that name a migrations folder: file, and a pattern whose first
    /// group is the folder.
    static let configuredFolders: [(file: String, pattern: String)] = [
        ("drizzle.config.ts", #"out\s*:\s*["'`]([^"'`]+)["'`]"#),
        ("drizzle.config.js", #"out\s*:\s*["'`]([^"'`]+)["'`]"#),
        ("drizzle.config.mjs", #"out\s*:\s*["'`]([^"'`]+)["'`]"#),
        ("drizzle.config.json", #""out"\s*:\s*"([^"]+)""#),
        ("atlas.hcl", #"dir\s*=\s*"file://([^"?]+)"#),
        ("flyway.conf", #"(?m)^\s*flyway\.locations\s*=\s*filesystem:([^,\s]+)"#),
        ("conf/flyway.conf", #"(?m)^\s*flyway\.locations\s*=\s*filesystem:([^,\s]+)"#),
        ("flyway.toml", #"locations\s*=\s*\[\s*"filesystem:([^"]+)""#),
        ("diesel.toml", #"(?s)\[migrations_directory\].*?dir\s*=\s*"([^"]+)""#),
    ]

    /// Whether a folder holds `.sql` files (or, for Prisma's and diesel's layouts, folders
    /// that do), or the other tools' migration files.
    static func holdsMigrations(_ folder: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return false }
        for name in names {
            if isMigrationFileName(name) { return true }
            let sub = folder + "/" + name
            if !name.hasPrefix("."), FileDiscovery.directoryExists(sub),
               let inner = try? FileManager.default.contentsOfDirectory(atPath: sub), inner.contains(where: isMigrationFileName) {
                return true
            }
        }
        return false
    }

    static func isMigrationFileName(_ name: String) -> Bool {
        name.hasSuffix(".sql") || name == "sqitch.plan"
    }

    /// Folders named `migrations` or `migration` holding `.sql` files, up to three levels
    /// below `root`, shallowest first.
    static func deeperFolders(_ root: String) -> [String] {
        var found: [String] = []
        var level = [""]
        for _ in 0..<3 {
            var next: [String] = []
            for relative in level {
                let folder = relative.isEmpty ? root : root + "/" + relative
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
                for name in names.sorted() where !name.hasPrefix(".") && !skippedFolders.contains(name) {
                    let path = relative.isEmpty ? name : relative + "/" + name
                    guard FileDiscovery.directoryExists(root + "/" + path) else { continue }
                    if name == "migrations" || name == "migration", holdsMigrations(root + "/" + path) {
                        found.append(path)
                    } else {
                        next.append(path)
                    }
                }
            }
            level = next
        }
        return found
    }

    static func isDirectory(_ root: String, _ path: String) -> Bool {
        FileDiscovery.directoryExists(path.hasPrefix("/") ? path : root + "/" + path)
    }

    /// `./db/migrations/` → `db/migrations`.
    static func normalized(_ path: String) -> String {
        var value = path
        while value.hasPrefix("./") { value.removeFirst(2) }
        while value.count > 1, value.hasSuffix("/") { value.removeLast() }
        return value.isEmpty ? "." : value
    }
}

/// Small text files of a project (a tool's settings), read with a size limit.
enum ProjectFiles {
    static let sizeLimit = 1 << 20

    static func exists(_ root: String, _ file: String) -> Bool {
        FileDiscovery.fileExists(root + "/" + file)
    }

    /// The text of `root/file`, when it is a readable regular file of UTF-8 text.
    static func text(_ root: String, _ file: String) -> String? {
        let path = file.hasPrefix("/") ? file : root + "/" + file
        guard FileDiscovery.fileExists(path), let bytes = try? FileDiscovery.read(path), bytes.count <= sizeLimit else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The first capture group of `pattern`'s first match in `text`.
    static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let expression = try? NSRegularExpression(pattern: pattern),
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: text) else { return nil }
        let value = text[range].trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }
}

/// `.env` at a project's root: `NAME=value` lines (`export` allowed, quotes removed), as the
/// tools that read it (dbmate, Prisma, sqlx) do. Only read, never sourced.
public enum DotEnv {
    public static func read(_ root: String) -> [String: String] {
        guard let text = ProjectFiles.text(root, ".env") else { return [:] }
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let quote = value.first, quote == "\"" || quote == "'", value.count >= 2, value.last == quote {
                value = String(value.dropFirst().dropLast())
            } else if let comment = value.range(of: " #") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            if !name.isEmpty { values[name] = value }
        }
        return values
    }
}

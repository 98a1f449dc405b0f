import Foundation
import StrataCore
import StrataGit
import StrataRules
import StrataSyntax

/// `--layout`: a layout, or `auto` to tell it from the files.
public enum LayoutChoice: Equatable, Sendable {
    case auto
    case fixed(LayoutKind)
}

/// A project as a command sees it, worked out once from the command line's project options, the
/// configuration file, the working directory and the environment: the configuration, the
/// migrations folder, the layout and the dialect (and what chose each), the suppressions file,
/// and the linter strata.yml describes. Its errors are thrown; the executable prints them.
public struct Project {
    public let configuration: Configuration
    public let dialect: Dialect
    public let layout: LayoutKind
    /// How `--layout auto` chose the layout (for `--verbose`); nil when it was given.
    public let detection: LayoutDetector.Detection?
    public let workingDirectory: String
    /// The files named one by one, by the migrations folder each belongs to (`NamedFiles`).
    public let named: NamedFiles
    /// Where the migrations folder was found when no strata.yml names it (for `--verbose`).
    public let folderFinding: ProjectDiscovery.Finding?
    /// What chose the dialect (for `--verbose`): `--dialect`, strata.yml, or what the project shows.
    public let dialectSource: String
    /// Where strata-suppressions.json and the paths in it start (`projectRoot(_:workingDirectory:)`).
    public let projectRoot: String

    /// `lintPaths`: the files and folders a lint reads, where `--layout auto` looks (else the
    /// migrations folder). `namedFiles`: the files among the paths, grouped by the migrations
    /// folder they are in (`namedFilesFolder`, else the configured one, or a folder of their
    /// own); `--layout auto` then looks at the folders read for them.
    /// `config`, `dialect`, `layout`: `--config`, `--dialect`, `--layout` (nil: not given).
    /// `warn` receives the warnings about the suppressions file (the executable writes them to
    /// standard error).
    public init(config: String? = nil, dialect givenDialect: Dialect? = nil, layout givenLayout: LayoutChoice? = nil,
                lintPaths: [String] = [], namedFiles: [String] = [], namedFilesFolder: String? = nil,
                workingDirectory cwd: String = FileManager.default.currentDirectoryPath,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                warn: @escaping (String) -> Void = { _ in }) throws {
        workingDirectory = cwd
        self.warn = warn
        var configuration = try Configuration.load(explicitPath: config, workingDirectory: cwd, knownRules: AllRules.ids)
        // No strata.yml: the folder where the project's tool keeps its migrations.
        var folderFinding: ProjectDiscovery.Finding?
        if configuration.file == nil, let found = ProjectDiscovery.migrationsFolder(root: cwd, environment: environment) {
            configuration.migrationsDirectory = found.value
            folderFinding = found
        }
        // Absolute, so that what reads it needs no working directory (a library caller's is
        // not the process's); messages show it relative again (`migrationsDirectoryForDisplay`).
        configuration.migrationsDirectory = PathText.absolute(configuration.migrationsDirectory, from: cwd)
        self.configuration = configuration
        self.folderFinding = folderFinding
        projectRoot = Self.projectRoot(configuration, workingDirectory: cwd)
        var layout: LayoutKind
        var detection: LayoutDetector.Detection?
        switch givenLayout {
        case .fixed(let kind)?:
            layout = kind
        case .auto?, nil:
            if givenLayout == nil, let configured = configuration.layout {
                layout = configured
            } else {
                var found: LayoutDetector.Detection
                if lintPaths.isEmpty {
                    found = try Self.shownBelow(cwd) { () throws(InputError) in try LayoutDetector.detect([configuration.migrationsDirectory]) }
                    found.reason = Self.shownBelow(cwd, found.reason)
                } else {
                    found = try LayoutDetector.detect(lintPaths)
                }
                layout = found.layout
                detection = found
            }
        }
        named = namedFiles.isEmpty ? NamedFiles() : NamedFiles.resolve(
            namedFiles, migrationsFolder: namedFilesFolder ?? configuration.migrationsDirectory,
            workingDirectory: cwd, layout: layout)
        if detection != nil, !named.groups.isEmpty {
            // The layout of the folders read, not of the named files alone (a file without
            // markers in a folder of dbmate files is a dbmate file).
            let grouped = Set(named.groups.flatMap(\.files))
            let paths = named.groups.map(\.folder) + lintPaths.filter { !grouped.contains($0) }
            let found = try LayoutDetector.detect(paths)
            layout = found.layout
            detection = found
        }
        self.layout = layout
        self.detection = detection
        if let given = givenDialect {
            dialect = given
            dialectSource = "--dialect"
        } else if let configured = configuration.dialect {
            dialect = configured
            dialectSource = configuration.file.map { Self.relative($0, from: cwd) } ?? "strata.yml"
        } else {
            // The folder the command reads: a folder given, a named file's, else the configured one.
            let folder = lintPaths.first(where: FileDiscovery.directoryExists) ?? named.groups.first?.folder ?? configuration.migrationsDirectory
            let root = configuration.file.map { ($0 as NSString).deletingLastPathComponent } ?? cwd
            switch DialectInference.infer(root: root, migrationsFolder: folder, environment: environment) {
            case .dialect(let found, let source)?:
                dialect = found
                dialectSource = Self.shownBelow(cwd, source)
            case .unsupported(let name, let found)?:
                let source = Self.shownBelow(cwd, found)
                throw CommandFailure("the migrations are written for \(name) (\(source)); Strata reads SQLite and PostgreSQL: pass --dialect (or `dialect:` in strata.yml) to read them as one of those anyway")
            case nil:
                dialect = .sqlite
                dialectSource = "the default: nothing in the project names a dialect"
            }
        }
    }

    /// `text` with the paths below `directory` shown relative to it, as messages show paths
    /// (the configured folder is absolute, so that nothing depends on the process's own
    /// working directory).
    static func shownBelow(_ directory: String, _ text: String) -> String {
        text.replacingOccurrences(of: directory.hasSuffix("/") ? directory : directory + "/", with: "")
    }

    /// `body`, with the paths of the error it throws shown relative to `directory`.
    static func shownBelow<T>(_ directory: String, _ body: () throws(InputError) -> T) throws(InputError) -> T {
        do {
            return try body()
        } catch {
            throw InputError(path: shownBelow(directory, error.path), message: shownBelow(directory, error.message),
                             line: error.line, column: error.column)
        }
    }

    /// Where the warnings about the suppressions file go.
    private let warn: (String) -> Void

    /// `strata: layout diesel (detected: ...)` and the like, for `--verbose`: what chose the
    /// migrations folder, the layout and the dialect.
    public var detectionReport: [String] {
        var lines: [String] = []
        if let found = folderFinding {
            let others = found.alsoFound.isEmpty ? "" : "; also found \(found.alsoFound.joined(separator: ", ")): set `migrations:` in strata.yml to choose"
            lines.append("strata: migrations \(migrationsDirectoryForDisplay) (found: \(found.source)\(others))")
        }
        if let detection { lines.append("strata: layout \(layout.rawValue) (detected: \(detection.reason))") }
        lines.append("strata: dialect \(dialect.rawValue) (from \(dialectSource))")
        return lines
    }

    /// A linter with every rule, set up as strata.yml says (rules, preset, versions).
    public func linter(dialect: Dialect, verbose: Bool = false) throws -> Linter {
        var linter = Linter(rules: AllRules.instances(), settings: configuration.rules, dialect: dialect, layout: layout)
        linter.preset = configuration.preset
        linter.versions = configuration.versions
        linter.applierLockTimeout = configuration.lockSafety.statementLockTimeout
        linter.verbose = verbose
        linter.bulkSuppressions = try suppressionsFile().map(bulkSuppressions)
        return linter
    }

    // MARK: - Suppressions file

    /// The project root: the folder of strata.yml; without one, the nearest folder at or above
    /// the working directory that holds strata-suppressions.json (a run from a sub-folder finds
    /// it as it finds strata.yml), else the working directory. Found once, in `init`: the
    /// suppressions file's path, name and matching all ask for it.
    public static func projectRoot(_ configuration: Configuration, workingDirectory: String) -> String {
        if let directory = configuration.projectDirectory { return PathText.absolute(directory, from: workingDirectory) }
        var folder = workingDirectory
        while true {
            if FileDiscovery.fileExists(PathText.absolute(SuppressionsFile.defaultFileName, from: folder)) { return folder }
            let parent = PathText.absolute("..", from: folder)
            if parent == folder { return workingDirectory }
            folder = parent
        }
    }

    /// The suppressions file (absolute): `suppressions:` in strata.yml, else
    /// strata-suppressions.json in the project root.
    public var suppressionsPath: String {
        PathText.absolute(configuration.suppressionsFile ?? SuppressionsFile.defaultFileName, from: projectRoot)
    }

    /// The suppressions file as messages name it (relative to the working directory).
    public var suppressionsDisplayName: String { Self.relative(suppressionsPath, from: workingDirectory) }

    /// The suppressions file, read once per run; nil when there is none. One that cannot be
    /// read ends the command (exit 2, naming it); entries naming a rule that does not exist, or
    /// one it cannot cover, are warned about on stderr.
    public func suppressionsFile() throws -> SuppressionsFile? {
        let path = suppressionsPath
        if let loaded = Self.loadedSuppressions[path] { return loaded }
        let display = suppressionsDisplayName
        let file = try SuppressionsFile.load(path, shownAs: display)
        Self.loadedSuppressions[path] = .some(file)
        for rule in (file?.ruleIDs ?? []).sorted() {
            let warning: String
            if let description = AllRules.description(of: rule) {
                guard !description.bulkSuppressible else { continue }
                warning = "'\(rule)' cannot be suppressed by this file: its entries are ignored, and its findings always reported"
            } else {
                warning = "unknown rule '\(rule)'\(Suggestion.hint(for: rule, in: AllRules.ids)); its entries are ignored (`strata lint --prune-suppressions` removes them)"
            }
            warn("\(display): \(warning)")
        }
        return file
    }

    nonisolated(unsafe) private static var loadedSuppressions: [String: SuppressionsFile?] = [:]

    /// `file` as a lint applies it.
    public func bulkSuppressions(_ file: SuppressionsFile) -> BulkSuppressions {
        BulkSuppressions(file: file, projectRoot: projectRoot, workingDirectory: workingDirectory, displayName: suppressionsDisplayName)
    }

    /// What `strata check` and `deploy` read from git for a migrations folder: `folder` (absolute)
    /// shown as `display`, else the configured one; `base`, else strata.yml's `history.base`.
    public func historyRequest(folder: String? = nil, display: String? = nil, dialect: Dialect? = nil, base: String?,
                               source: HistoryRequest.Source, indexFile: String? = nil) -> HistoryRequest {
        HistoryRequest(workingDirectory: workingDirectory, migrationsDirectory: folder ?? configuration.migrationsDirectory,
                       displayDirectory: display ?? migrationsDirectoryForDisplay, layout: layout, dialect: dialect ?? self.dialect,
                       base: base ?? configuration.historyBase, source: source, indexFile: indexFile)
    }

    /// The migrations folder as the user should see it: relative to the working directory when
    /// it lies below it.
    public var migrationsDirectoryForDisplay: String {
        Self.relative(configuration.migrationsDirectory, from: workingDirectory)
    }

    /// `path` as seen from `directory`: below it, the rest (`migrations`); beside it, with `..`
    /// (`../migrations`, from a sub-folder of the project); with nothing in common but `/`, as is.
    public static func relative(_ path: String, from directory: String) -> String {
        let target = path.split(separator: "/", omittingEmptySubsequences: true)
        let base = directory.split(separator: "/", omittingEmptySubsequences: true)
        var common = 0
        while common < target.count, common < base.count, target[common] == base[common] { common += 1 }
        if common == 0 || !path.hasPrefix("/") { return path }
        let ups = Array(repeating: "..", count: base.count - common)
        let rest = target[common...].map(String.init)
        let joined = (ups + rest).joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    /// Where rule links point (`--format sarif` and `markdown`, `strata explain`).
    public var ruleDocs: RuleDocsURL { get throws { try Self.ruleDocs(configuration.ruleDocsURL) } }

    /// Where rule links point: `STRATA_RULE_DOCS_URL`, else strata.yml's `rule_docs_url`
    /// (`configured`), else the default. A variable that is not a valid template stops the
    /// command (exit 2), whatever the format, as a bad key in strata.yml does.
    public static func ruleDocs(_ configured: RuleDocsURL?) throws -> RuleDocsURL {
        do {
            return try RuleDocsURL.resolve(environment: ProcessInfo.processInfo.environment, configured: configured)
        } catch {
            throw CommandFailure("\(RuleDocsURL.environmentVariable)='\(error.template)': the template \(error.problem)")
        }
    }
}

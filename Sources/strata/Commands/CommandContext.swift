import ArgumentParser
import Foundation
import StrataCore
import StrataRules
import StrataSyntax

/// What a command works with, built once from the options, the configuration file and the
/// environment. Its errors are thrown, as a library's are; `Strata.end` turns them into a message.
struct CommandContext {
    let configuration: Configuration
    let dialect: Dialect
    let layout: LayoutKind
    /// How `--layout auto` chose the layout (for `--verbose`); nil when it was given.
    let detection: LayoutDetector.Detection?
    let workingDirectory: String
    /// The files named one by one, by the migrations folder each belongs to (`NamedFiles`).
    let named: NamedFiles
    /// Where the migrations folder was found when no strata.yml names it (for `--verbose`).
    let folderFinding: ProjectDiscovery.Finding?
    /// What chose the dialect (for `--verbose`): `--dialect`, strata.yml, or what the project shows.
    let dialectSource: String
    /// Where strata-suppressions.json and the paths in it start (`projectRoot(_:workingDirectory:)`).
    let projectRoot: String

    /// `lintPaths`: the files and folders a lint reads, where `--layout auto` looks (else the
    /// migrations folder). `namedFiles`: the files among the paths, grouped by the migrations
    /// folder they are in (`namedFilesFolder`, else the configured one, or a folder of their
    /// own); `--layout auto` then looks at the folders read for them.
    init(_ options: ProjectOptions, lintPaths: [String] = [], namedFiles: [String] = [], namedFilesFolder: String? = nil) throws {
        let cwd = FileManager.default.currentDirectoryPath
        workingDirectory = cwd
        var configuration = try Configuration.load(explicitPath: options.config, workingDirectory: cwd, knownRules: AllRules.ids)
        let environment = ProcessInfo.processInfo.environment
        // No strata.yml: the folder where the project's tool keeps its migrations.
        var folderFinding: ProjectDiscovery.Finding?
        if configuration.file == nil, let found = ProjectDiscovery.migrationsFolder(root: cwd, environment: environment) {
            configuration.migrationsDirectory = found.value
            folderFinding = found
        }
        self.configuration = configuration
        self.folderFinding = folderFinding
        projectRoot = Self.projectRoot(configuration, workingDirectory: cwd)
        var layout: LayoutKind
        var detection: LayoutDetector.Detection?
        switch options.layout {
        case .fixed(let kind)?:
            layout = kind
        case .auto?, nil:
            if options.layout == nil, let configured = configuration.layout {
                layout = configured
            } else {
                let paths = lintPaths.isEmpty ? [configuration.migrationsDirectory] : lintPaths
                let found = try LayoutDetector.detect(paths)
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
        if let given = options.dialect {
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
                dialectSource = source
            case .unsupported(let name, let source)?:
                throw CommandFailure("the migrations are written for \(name) (\(source)); Strata reads SQLite and PostgreSQL: pass --dialect (or `dialect:` in strata.yml) to read them as one of those anyway")
            case nil:
                dialect = .sqlite
                dialectSource = "the default: nothing in the project names a dialect"
            }
        }
    }

    /// `strata: layout diesel (detected: ...)` on stderr, for `--verbose`.
    func reportDetection() {
        var lines: [String] = []
        if let found = folderFinding {
            let others = found.alsoFound.isEmpty ? "" : "; also found \(found.alsoFound.joined(separator: ", ")): set `migrations:` in strata.yml to choose"
            lines.append("strata: migrations \(migrationsDirectoryForDisplay) (found: \(found.source)\(others))")
        }
        if let detection { lines.append("strata: layout \(layout.rawValue) (detected: \(detection.reason))") }
        lines.append("strata: dialect \(dialect.rawValue) (from \(dialectSource))")
        FileHandle.standardError.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    /// A linter with every rule, set up as strata.yml says (rules, preset, versions).
    func linter(dialect: Dialect, verbose: Bool = false) throws -> Linter {
        var linter = Linter(rules: AllRules.instances(), settings: configuration.rules, dialect: dialect, layout: layout)
        linter.preset = configuration.preset
        linter.versions = configuration.versions
        linter.verbose = verbose
        linter.bulkSuppressions = try suppressionsFile().map(bulkSuppressions)
        return linter
    }

    // MARK: - Suppressions file

    /// The project root: the folder of strata.yml; without one, the nearest folder at or above
    /// the working directory that holds strata-suppressions.json (a run from a sub-folder finds
    /// it as it finds strata.yml), else the working directory. Found once, in `init`: the
    /// suppressions file's path, name and matching all ask for it.
    static func projectRoot(_ configuration: Configuration, workingDirectory: String) -> String {
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
    var suppressionsPath: String {
        PathText.absolute(configuration.suppressionsFile ?? SuppressionsFile.defaultFileName, from: projectRoot)
    }

    /// The suppressions file as messages name it (relative to the working directory).
    var suppressionsDisplayName: String { Self.relative(suppressionsPath, from: workingDirectory) }

    /// The suppressions file, read once per run; nil when there is none. One that cannot be
    /// read ends the command (exit 2, naming it); entries naming a rule that does not exist, or
    /// one it cannot cover, are warned about on stderr.
    func suppressionsFile() throws -> SuppressionsFile? {
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
            FileHandle.standardError.write(Data("strata: warning: \(display): \(warning)\n".utf8))
        }
        return file
    }

    nonisolated(unsafe) private static var loadedSuppressions: [String: SuppressionsFile?] = [:]

    /// `file` as a lint applies it.
    func bulkSuppressions(_ file: SuppressionsFile) -> BulkSuppressions {
        BulkSuppressions(file: file, projectRoot: projectRoot, workingDirectory: workingDirectory, displayName: suppressionsDisplayName)
    }

    /// The migrations folder as the user should see it: relative to the working directory when
    /// it lies below it.
    var migrationsDirectoryForDisplay: String {
        Self.relative(configuration.migrationsDirectory, from: workingDirectory)
    }

    /// `path` as seen from `directory`: below it, the rest (`migrations`); beside it, with `..`
    /// (`../migrations`, from a sub-folder of the project); with nothing in common but `/`, as is.
    static func relative(_ path: String, from directory: String) -> String {
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
    var ruleDocs: RuleDocsURL { get throws { try Self.ruleDocs(configuration.ruleDocsURL) } }

    /// Where rule links point: `STRATA_RULE_DOCS_URL`, else strata.yml's `rule_docs_url`
    /// (`configured`), else the default. A variable that is not a valid template stops the
    /// command (exit 2), whatever the format, as a bad key in strata.yml does.
    static func ruleDocs(_ configured: RuleDocsURL?) throws -> RuleDocsURL {
        do {
            return try RuleDocsURL.resolve(environment: ProcessInfo.processInfo.environment, configured: configured)
        } catch {
            throw CommandFailure("\(RuleDocsURL.environmentVariable)='\(error.template)': the template \(error.problem)")
        }
    }
}

enum Terminal {
    /// Colour only for a terminal, and never when NO_COLOR is set or TERM is dumb.
    static var stdoutSupportsColor: Bool { supportsColor(STDOUT_FILENO) }
    static var stderrSupportsColor: Bool { supportsColor(STDERR_FILENO) }
    /// A person at a terminal, who can answer a question (standard input and output both).
    static var interactive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    private static func supportsColor(_ descriptor: Int32) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        return isatty(descriptor) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }
}

import ArgumentParser
import Foundation
import StrataCore
import StrataRules
import StrataSyntax

/// What a command works with, built once from the options, the configuration file and the
/// environment. Library errors become messages on stderr and exit code 2 here, never traces.
struct CommandContext {
    let configuration: Configuration
    let dialect: Dialect
    let layout: LayoutKind
    /// How `--layout auto` chose the layout (for `--verbose`); nil when it was given.
    let detection: LayoutDetector.Detection?
    let workingDirectory: String
    /// The files named one by one, by the migrations folder each belongs to (`NamedFiles`).
    let named: NamedFiles

    /// `lintPaths`: the files and folders a lint reads, where `--layout auto` looks (else the
    /// migrations folder). `namedFiles`: the files among the paths, grouped by the migrations
    /// folder they are in (`namedFilesFolder`, else the configured one, or a folder of their
    /// own); `--layout auto` then looks at the folders read for them.
    init(_ options: ProjectOptions, lintPaths: [String] = [], namedFiles: [String] = [], namedFilesFolder: String? = nil) throws {
        let cwd = FileManager.default.currentDirectoryPath
        workingDirectory = cwd
        configuration = try Self.run { () throws(ConfigurationError) in
            try Configuration.load(explicitPath: options.config, workingDirectory: cwd, knownRules: AllRules.ids)
        }
        // A sqitch project's engine (`sqitch.conf`) comes before the DATABASE_URL fallback.
        dialect = options.dialect ?? configuration.dialect
            ?? SqitchProject.dialect(inFolder: (lintPaths.first.flatMap { FileDiscovery.directoryExists($0) ? $0 : nil }) ?? configuration.migrationsDirectory)?.0
            ?? Self.dialect(fromDatabaseURL: ProcessInfo.processInfo.environment["DATABASE_URL"]) ?? .sqlite
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
                let found = try Self.run { () throws(InputError) in try LayoutDetector.detect(paths) }
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
            let found = try Self.run { () throws(InputError) in try LayoutDetector.detect(paths) }
            layout = found.layout
            detection = found
        }
        self.layout = layout
        self.detection = detection
    }

    /// `strata: layout diesel (detected: ...)` on stderr, for `--verbose`.
    func reportDetection() {
        guard let detection else { return }
        FileHandle.standardError.write(Data("strata: layout \(layout.rawValue) (detected: \(detection.reason))\n".utf8))
    }

    /// `sqlite:`/`sqlite://` → sqlite, `postgres://`/`postgresql://` → postgresql.
    static func dialect(fromDatabaseURL url: String?) -> Dialect? {
        guard let url, let colon = url.firstIndex(of: ":") else { return nil }
        return Dialect(name: String(url[..<colon]))
    }

    /// A linter with every rule, set up as strata.yml says (rules, preset, versions).
    func linter(dialect: Dialect, verbose: Bool = false) -> Linter {
        var linter = Linter(rules: AllRules.instances(), settings: configuration.rules, dialect: dialect, layout: layout)
        linter.preset = configuration.preset
        linter.versions = configuration.versions
        linter.verbose = verbose
        return linter
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

    /// Runs library code, turning its errors into a message and exit code 2.
    static func run<T, E: Error>(_ body: () throws(E) -> T) throws -> T {
        do {
            return try body()
        } catch {
            fail((error as? LocalizedError)?.errorDescription ?? "\(error)")
        }
    }

    static func fail(_ message: String, code: Int32 = 2) -> Never {
        RunLog.finish(exitCode: code, error: message)
        FileHandle.standardError.write(Data("strata: error: \(message)\n".utf8))
        Foundation.exit(code)
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

import Foundation
import StrataSyntax
import Yams

/// How a rule is set in `strata.yml`.
public enum RuleSetting: String, Sendable, CaseIterable {
    case off, warning, error

    public var severity: Severity? {
        switch self {
        case .off: nil
        case .warning: .warning
        case .error: .error
        }
    }
}

/// `strata.yml`: where the migrations are, how they are laid out, which dialect, and per-rule
/// severities. Paths in it are relative to the file's folder.
///
/// ```yaml
/// migrations: db/migrations
/// layout: strata
/// dialect: postgresql
/// rules:
///   unindexed-column: error
///   missing-down: off
/// history:
///   base: origin/main
/// database:
///   url: sqlite:./data/app.db
/// backups:
///   directory: ./backups
/// monitoring:
///   slow_ms: 5000
/// suppressions: strata-suppressions.json
/// rule_docs_url: https://github.com/strata-migrations/strata/blob/v{version}/docs/rules/{rule}.md
/// ```
public struct Configuration: Sendable {
    /// The file this was read from; nil for the built-in defaults.
    public var file: String?
    /// The migrations folder, already resolved against the configuration file's folder.
    public var migrationsDirectory: String
    public var layout: LayoutKind?
    public var dialect: Dialect?
    public var rules: [String: RuleSetting]
    /// `history.base`: the protected branch `strata check` compares with.
    public var historyBase: String?
    /// `database.url`: where `status`, `up` and `deploy` connect (DATABASE_URL overrides it).
    public var databaseURL: String?
    /// `preset`: which rules run at what level when `rules` does not say.
    public var preset: Preset = .recommended
    /// `postgres.version` and `sqlite.version`: the releases the migrations target.
    public var versions = DialectVersions()
    /// `postgres.statement_lock_timeout`, `postgres.lock_retries` and
    /// `postgres.lock_retry_backoff`: how `up` and `deploy` guard PostgreSQL's table locks.
    public var lockSafety = LockSafety()
    /// `backups.directory`, resolved like `migrations`: where `strata backup` keeps backups.
    public var backupsDirectory = "backups"
    /// `monitoring.slow_ms`: above this many milliseconds a migration is slow (`status`, `metrics`).
    public var slowMilliseconds: Int64 = Configuration.defaultSlowMilliseconds
    /// `suppressions`, resolved like `migrations`: the suppressions file; nil: the default,
    /// `strata-suppressions.json` in the project root (`projectDirectory`).
    public var suppressionsFile: String?
    /// `rule_docs_url`: where rule links point (SARIF, Markdown); nil: not set here
    /// (`RuleDocsURL.resolve` then takes the environment's or the default).
    public var ruleDocsURL: RuleDocsURL?

    /// The folder of the configuration file, the project root; nil without one (the working
    /// directory is then the root).
    public var projectDirectory: String? {
        file.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
    }

    /// The default of `monitoring.slow_ms`: 5 s.
    public static let defaultSlowMilliseconds: Int64 = 5000

    public init(file: String? = nil, migrationsDirectory: String = "migrations", layout: LayoutKind? = nil,
                dialect: Dialect? = nil, rules: [String: RuleSetting] = [:], historyBase: String? = nil) {
        self.historyBase = historyBase
        self.file = file
        self.migrationsDirectory = migrationsDirectory
        self.layout = layout
        self.dialect = dialect
        self.rules = rules
    }

    public static let fileName = "strata.yml"
    /// The names the configuration file may have; one folder holding both is an error.
    public static let fileNames = ["strata.yml", "strata.yaml"]
    public static let keys = ["migrations", "layout", "dialect", "preset", "rules", "postgres", "sqlite", "history", "database", "backups", "monitoring", "suppressions", "rule_docs_url"]
}

/// A configuration problem, with the place in the file where there is one.
public struct ConfigurationError: Error, LocalizedError, Sendable, Equatable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var errorDescription: String? {
        if let line, let column { return "\(file):\(line):\(column): \(message)" }
        return "\(file): \(message)"
    }
}

extension Configuration {
    /// Finds `strata.yml` (or `strata.yaml`) in `directory` or the nearest folder above it. A name that is there
    /// counts even when it is a link to nothing or a loop: reading it then says so, rather than
    /// a configuration one did not mean being used in silence.
    public static func find(from directory: String) -> String? {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            for name in fileNames {
                let candidate = url.appendingPathComponent(name).path
                var info = stat()
                if lstat(candidate, &info) == 0 { return candidate }
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
    }

    /// Loads the configuration: `explicitPath` if given (it must exist), else the nearest
    /// `strata.yml`, else the defaults (migrations in `./migrations`).
    public static func load(explicitPath: String?, workingDirectory: String,
                            knownRules: Set<String>) throws(ConfigurationError) -> Configuration {
        guard let path = explicitPath ?? find(from: workingDirectory) else {
            return Configuration(migrationsDirectory: "migrations")
        }
        if explicitPath == nil, path.hasSuffix("/" + fileNames[0]) {
            var info = stat()
            let other = String(path.dropLast(fileNames[0].count)) + fileNames[1]
            if lstat(other, &info) == 0 {
                throw ConfigurationError(file: path, message: "both strata.yml and strata.yaml are here: keep one (Strata would not know which you edit)")
            }
        }
        // Read as a migration is: a regular file (after links), within the size limit; a FIFO
        // named strata.yml would otherwise hang every command.
        let bytes: [UInt8]
        do {
            bytes = try FileDiscovery.read(path, folderMessage: "is a folder, not a configuration file")
        } catch {
            throw ConfigurationError(file: path, message: error.message == "no such file or directory" ? "no such configuration file" : error.message)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError(file: path, message: "the configuration file is not UTF-8 text")
        }
        return try parse(text, path: path, knownRules: knownRules)
    }

    /// Parses the YAML text of a configuration file at `path`.
    public static func parse(_ text: String, path: String, knownRules: Set<String>) throws(ConfigurationError) -> Configuration {
        let node: Node?
        do {
            // Every value is read as text (`scalar.string`), so no tag is resolved: the default
            // resolver compiles its regular expressions on first use, loading ICU, a few
            // milliseconds of every command's start.
            node = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw Self.describe(error, path: path, text: text)
        } catch {
            throw ConfigurationError(file: path, message: "malformed YAML")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var configuration = Configuration(file: path, migrationsDirectory: Self.resolve("migrations", against: directory))
        configuration.backupsDirectory = Self.resolve("backups", against: directory)
        guard let node else { return configuration }  // an empty file: defaults
        guard case .mapping(let mapping) = node else {
            throw error(path, node, "the configuration must be a mapping of keys (\(keys.joined(separator: ", ")))")
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw error(path, keyNode, "keys must be strings") }
            switch key {
            case "migrations":
                let folder = try scalar(value, key, path)
                guard !folder.isEmpty else { throw error(path, value, "`migrations` must name a folder") }
                configuration.migrationsDirectory = resolve(folder, against: directory)
            case "layout":
                let name = try scalar(value, key, path)
                if name == "auto" {
                    configuration.layout = nil
                    continue
                }
                guard let layout = LayoutKind(rawValue: name) else {
                    throw error(path, value, "unknown layout '\(name)'; expected auto or one of: \(LayoutKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                configuration.layout = layout
            case "dialect":
                let name = try scalar(value, key, path)
                guard let dialect = Dialect(name: name) else {
                    throw error(path, value, "unknown dialect '\(name)'; expected sqlite or postgresql")
                }
                configuration.dialect = dialect
            case "rules":
                if case .scalar(let s) = value, s.string.isEmpty || s.string == "~" { continue }  // `rules:` left empty
                guard case .mapping(let rules) = value else {
                    throw error(path, value, "`rules` must map rule ids to off, warning or error")
                }
                for (ruleNode, settingNode) in rules {
                    guard let id = ruleNode.string, knownRules.contains(id) else {
                        let name = ruleNode.string ?? "?"
                        let hint = Suggestion.hint(for: name, in: knownRules)
                        throw error(path, ruleNode, "unknown rule '\(name)'\(hint) (`strata rules` lists them)")
                    }
                    let raw = try scalar(settingNode, id, path)
                    guard let setting = RuleSetting(rawValue: raw) else {
                        throw error(path, settingNode, "rule '\(id)' must be off, warning or error, not '\(raw)'")
                    }
                    configuration.rules[id] = setting
                }
            case "preset":
                configuration.preset = try parsePreset(value, path)
            case "postgres":
                try parsePostgres(value, path, into: &configuration)
            case "sqlite":
                try parseVersion(key, value, path, into: &configuration.versions)
            case "history":
                guard case .mapping(let history) = value else {
                    throw error(path, value, "`history` must be a mapping, e.g. `history: {base: origin/main}`")
                }
                for (historyKey, historyValue) in history {
                    guard historyKey.string == "base" else {
                        throw error(path, historyKey, "unknown key 'history.\(historyKey.string ?? "?")'; known keys: history.base")
                    }
                    let base = try scalar(historyValue, "history.base", path)
                    guard !base.isEmpty else { throw error(path, historyValue, "`history.base` must name a branch or ref") }
                    configuration.historyBase = base
                }
            case "database":
                guard case .mapping(let database) = value else {
                    throw error(path, value, "`database` must be a mapping, e.g. `database: {url: sqlite:./data/app.db}`")
                }
                for (databaseKey, databaseValue) in database {
                    guard databaseKey.string == "url" else {
                        throw error(path, databaseKey, "unknown key 'database.\(databaseKey.string ?? "?")'; known keys: database.url")
                    }
                    configuration.databaseURL = try scalar(databaseValue, "database.url", path)
                }
            case "backups":
                configuration.backupsDirectory = resolve(try parseBackups(value, path), against: directory)
            case "monitoring":
                configuration.slowMilliseconds = try parseMonitoring(value, path)
            case "suppressions":
                let file = try scalar(value, key, path)
                guard !file.isEmpty else { throw error(path, value, "`suppressions` must name a file") }
                configuration.suppressionsFile = resolve(file, against: directory)
            case RuleDocsURL.configurationKey:
                let template = try scalar(value, key, path)
                do throws(RuleDocsURL.Invalid) {
                    configuration.ruleDocsURL = try RuleDocsURL(template: template)
                } catch {
                    throw self.error(path, value, "`\(key)` \(error.problem)")
                }
            default:
                let hint = Suggestion.hint(for: key, in: keys)
                throw error(path, keyNode, "unknown key '\(key)'\(hint); known keys: \(keys.joined(separator: ", "))")
            }
        }
        return configuration
    }

    private static func scalar(_ node: Node, _ key: String, _ path: String) throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node else { throw error(path, node, "`\(key)` must be a single value") }
        return scalar.string
    }

    private static func error(_ path: String, _ node: Node, _ message: String) -> ConfigurationError {
        ConfigurationError(file: path, line: node.mark?.line, column: node.mark?.column, message: message)
    }

    /// Where a mapping key is written the second time (line and column, 1-based), looking
    /// from line `start` on: a line whose first word is the key, bare or quoted, then `:`.
    static func secondOccurrence(of key: String, in text: String, from start: Int) -> (line: Int, column: Int)? {
        var seen = 0
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where number + 1 >= start {
            let indent = line.prefix { $0 == " " || $0 == "\t" }
            let rest = line.dropFirst(indent.count)
            guard rest.hasPrefix(key + ":") || rest.hasPrefix("\"\(key)\":") || rest.hasPrefix("'\(key)':") else { continue }
            seen += 1
            if seen == 2 { return (number + 1, indent.count + 1) }
        }
        return nil
    }

    private static func resolve(_ folder: String, against directory: String) -> String {
        folder.hasPrefix("/") ? folder : URL(fileURLWithPath: directory).appendingPathComponent(folder).path
    }

    private static func describe(_ error: YamlError, path: String, text: String) -> ConfigurationError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ConfigurationError(file: path, line: mark.line, column: mark.column, message: "malformed YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams points at the mapping; the second time the key is written is what to fix.
            let place = duplicates.first.flatMap { secondOccurrence(of: $0, in: text, from: context.mark.line) }
            return ConfigurationError(file: path, line: place?.line ?? context.mark.line, column: place?.column ?? context.mark.column,
                                      message: "key given twice: \(duplicates.joined(separator: ", "))")
        case let .reader(problem, _, _, _):
            return ConfigurationError(file: path, message: "malformed YAML: \(problem)")
        default:
            return ConfigurationError(file: path, message: "malformed YAML")
        }
    }
}

import StrataCore

/// Where the paths of the formats CI reads (SARIF, GitHub annotations) start: the root of the
/// git repository. GitHub places a finding by its path from the root, whatever folder the
/// command ran in (`cd services/api && strata check --format sarif` names
/// `services/api/migrations/...`). Text and JSON keep the paths as the user typed them.
///
/// Pure: the command line finds the root and resolves the working directory's symlinks; this
/// only rewrites paths as text.
public struct RepositoryPaths: Sendable, Equatable {
    /// The repository's root: absolute, symlinks resolved, without a trailing `/`.
    public var root: String
    /// The folder the findings' relative paths start from: absolute, symlinks resolved.
    public var workingDirectory: String
    /// Other absolute spellings of the working directory (the shell's `$PWD` through a symlink,
    /// `/tmp/x` for `/private/tmp/x`): a path typed starting with one reads as starting with
    /// `workingDirectory`.
    public var workingDirectoryAliases: [String]

    public init(root: String, workingDirectory: String, workingDirectoryAliases: [String] = []) {
        self.root = PathText.absolute(root, from: "/")
        self.workingDirectory = PathText.absolute(workingDirectory, from: "/")
        self.workingDirectoryAliases = workingDirectoryAliases.map { PathText.absolute($0, from: "/") }
    }

    /// `file` (as a finding names it: relative to the working directory, or absolute) as a path
    /// from the root, `/`-separated; nil when it lies outside the repository.
    public func relative(_ file: String) -> String? {
        PathText.relative(absolute(file), below: root)
    }

    /// `file` as an absolute path, read in the working directory (its aliases taken for it).
    public func absolute(_ file: String) -> String {
        var path = PathText.absolute(file, from: workingDirectory)
        if file.hasPrefix("/") {
            for alias in workingDirectoryAliases where alias != workingDirectory {
                if path == alias { return workingDirectory }
                if let below = PathText.relative(path, below: alias) {
                    path = PathText.absolute(below, from: workingDirectory)
                    break
                }
            }
        }
        return path
    }
}

import Foundation
import StrataCore
import StrataProject

/// The project a command works with (`Project`, in StrataProject), from its `ProjectOptions`.
extension Project {
    /// See `Project.init(config:dialect:layout:lintPaths:namedFiles:namedFilesFolder:...)`;
    /// warnings about the suppressions file go to standard error.
    init(_ options: ProjectOptions, lintPaths: [String] = [], namedFiles: [String] = [], namedFilesFolder: String? = nil) throws {
        try self.init(config: options.config, dialect: options.dialect, layout: options.layout, lintPaths: lintPaths,
                      namedFiles: namedFiles, namedFilesFolder: namedFilesFolder,
                      warn: { FileHandle.standardError.write(Data("strata: warning: \($0)\n".utf8)) })
    }

    /// `--verbose`: what chose the migrations folder, the layout and the dialect, on stderr.
    func reportDetection() {
        FileHandle.standardError.write(Data(detectionReport.map { $0 + "\n" }.joined().utf8))
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

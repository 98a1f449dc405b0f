import Foundation
import StrataApply
import StrataCore
import StrataProject

/// What the database commands share: the command's context, its database URL and event log,
/// and the library's `ApplySession` (files, catalog, connection, applier, lint gate).
struct ApplyContext {
    let context: Project
    let url: DatabaseURL
    let session: ApplySession

    var applier: Applier { session.applier }
    var lint: LintGate? { session.lint }
    var files: [MigrationFile] { session.files }

    /// `command` names the connection (`up`, `status`...). `lint`: start the lint `up` refuses
    /// on. `streaming`: read the files while the first migrations run, for
    /// `up --single-transaction`. `logJSON`: the `--log-json` file, opened before anything
    /// else is done, so that every event of the run goes there.
    init(_ command: String, _ project: ProjectOptions, _ options: DatabaseOptions, readOnly: Bool = false, lint runsLint: Bool = false,
         streaming: Bool = false, logJSON: String? = nil) throws {
        context = try Project(project)
        url = try options.url(context)
        try RunLog.open(logJSON, command: command, url: url)
        var request = ApplySession.Request(folder: context.migrationsDirectoryForDisplay, layout: context.layout, url: url, command: command)
        request.readOnly = readOnly
        request.linter = try runsLint ? context.linter(dialect: url.dialect) : nil
        request.streaming = streaming
        request.connectWait = try options.waitDuration
        request.lockTimeout = try options.lockTimeoutDuration
        request.lockSafety = context.configuration.lockSafety
        session = try ApplySession(request)
        if RunLog.current != nil { session.applier.onEvent = { RunLog.record($0) } }
    }
}

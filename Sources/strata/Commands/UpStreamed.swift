import Foundation
import StrataApply
import StrataCore

extension UpOptions {
    /// `up --single-transaction`: the transaction starts as soon as the first file is read,
    /// while the others are read, parsed, hashed and linted on another core
    /// (`Applier.upStreamed`). When the run turns out to need the whole catalog to be planned
    /// (a dependency pointing forward, a changed file...), it has kept nothing, and `perform`
    /// plans it as any other run, from the files the stream has read.
    func performStreamed(_ start: ApplyStart, _ options: DatabaseOptions) throws {
        let url = start.url
        let connection = try options.connect(url, readOnly: false, command: "up")
        let stream = CatalogStream(start.discovered, layout: start.context.layout, dialect: url.dialect,
                                   postgresMajor: ApplyContext.postgresMajor(connection))
        ApplyContext.keepUntilExit(stream)
        let lint = BackgroundLint(ApplyContext.errorLinter(start.context, dialect: url.dialect)) {
            stream.all().compactMap { try? $0.get().file }
        }
        // The stream is its catalog: this applier plans nothing from one.
        let applier = try ApplyContext.applier(connection, MigrationCatalog(parsed: [], inputs: []), options)
        // The database line comes with the first migration: a run with nothing to apply is
        // planned again, and says so itself.
        var announced = false
        applier.progress = { line in
            if !announced { print("database: \(url.redacted)"); announced = true }
            print(line)
        }
        applier.stillRunning = { print($0) }
        if verbose { showStatements(of: applier, start.context) }
        let started = ContinuousClock.now
        let outcome = try applier.upStreamed(stream, target: target, allowChanged: allowChanged) { wait in
            wait ? lint.errors() : lint.errorsIfFinished()
        }
        switch outcome {
        case .applied(let report):
            try Self.finish(report, since: started)
        case .refused(let reasons):
            try Self.refuseRolledBack(reasons)
        case .replan(let reason, let ranMigrations):
            if ranMigrations { print("rolled back, nothing kept: \(reason); planning again with every file read") }
            let apply = try ApplyContext(start, stream: stream, database: connection, lint: lint, options: options)
            ApplyContext.keepUntilExit(apply)
            try perform(apply, announced: announced)
        }
    }
}

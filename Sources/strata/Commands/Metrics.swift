import ArgumentParser
import Foundation
import StrataApply
import StrataProject
import StrataCore

/// `--format` of `strata metrics`.
enum MetricsFormat: String, ExpressibleByArgument, CaseIterable {
    case prometheus, json
}

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the database's migration metrics, for Prometheus (node_exporter's textfile collector) or as JSON.",
        discussion: """
            Migrations by state (applied, pending, failed, changed, missing), slow ones, the last \
            apply's time and duration, rollbacks, and the age of the latest backup in the backups \
            folder. --output FILE replaces FILE atomically (a temporary file in the same folder, \
            renamed over it), as the textfile collector needs; a character device or a FIFO \
            (/dev/stdout, a pipe) is written to as it is. It never writes to the database; \
            exit 0 whatever the migrations' state, 2 when the database or the folder cannot be read \
            or FILE cannot be written.

            Examples:
              strata metrics --output /var/lib/node_exporter/textfile_collector/strata.prom
              strata metrics --format json
            """)

    @Option(name: .long, help: "Output format: prometheus (the text exposition format) or json.")
    var format: MetricsFormat = .prometheus

    @Option(name: .long, help: ArgumentHelp("Write to FILE (a regular file: atomically) instead of standard output.", valueName: "FILE"))
    var output: String?

    @Option(name: .long, help: ArgumentHelp("Backups folder (default: backups.directory in strata.yml, else ./backups).", valueName: "FOLDER"))
    var dir: String?

    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let apply = try ApplyContext("metrics", project, database, readOnly: true)
        let configuration = apply.context.configuration
        let store = BackupStore(directory: dir ?? configuration.backupsDirectory)
        let metrics = try MigrationMetrics.collect(apply.applier, url: apply.url, backups: store, slowMilliseconds: configuration.slowMilliseconds)
        let text: String
        switch format {
        case .prometheus:
            text = metrics.prometheus()
        case .json:
            text = try StrataJSON.document(metrics.document())
        }
        guard let output else { return print(text, terminator: "") }
        try MetricsFile.write(text, to: output)
    }
}

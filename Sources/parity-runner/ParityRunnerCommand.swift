import ArgumentParser
import CommandSupport
import Foundation
import Logging
import ParityRunner
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import Settings
import ThrowawayPostgres

#if canImport(Glibc)
import Glibc
#endif

@main
enum ParityRunnerMain {
    static func main() { ParityRunnerCommand.runAsMain() }
}

/// `parity-runner`: the parity gate. A thin shell over the ParityRunner library.
struct ParityRunnerCommand: ContractCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity-runner",
        abstract: "Prove that the PostgreSQL backend serves exactly the reference data the app bundles.",
        discussion: """
            With no options: starts a throwaway PostgreSQL, migrates and seeds it from ReferenceData/, serves the \
            API on an ephemeral 127.0.0.1 port, fetches the bootstrap over HTTP, reads the same data through the \
            local JSON/SQLite provider, normalizes both sides (NORMALIZATION.md) and compares every table.

            Exit status: 0 parity holds, 1 differences found, 2 bad input or usage, 3 infrastructure failure.
            """,
        subcommands: [Checklist.self]
    )

    @Option(name: .customLong("table"), help: "Compare only this table (repeatable).")
    var tables: [String] = []

    @Option(help: "Directory of <table>.json files. Default: the project's ReferenceData/.")
    var source: String?

    @Option(
        name: .customLong("database-url"),
        help: "Use this database instead of a throwaway cluster (migrated and seeded).")
    var databaseURL: String?

    @Option(name: .customLong("backend-url"), help: "Compare against this running backend instead (no seeding).")
    var backendURL: String?

    @Option(help: "Report format: text, json, markdown, junit or html.")
    var format: ReportFormat = .text

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(help: "Fail on remote-only admin rows and on unused acceptances instead of listing them.")
    var strict = false

    @Option(
        name: .customLong("allow-empty"),
        help: "This table may have no rows on either side (repeatable); otherwise an empty table fails.")
    var allowEmpty: [String] = []

    @Option(
        help: "Accepted differences (YAML or JSON: table, key, field, reason, owner, expires; see the README).")
    var accept: String?

    @Flag(name: .shortAndLong, help: "No progress lines on standard error.")
    var quiet = false

    func validate() throws {
        if databaseURL != nil && backendURL != nil {
            throw ValidationError(
                "--database-url and --backend-url exclude each other: --backend-url compares a running backend")
        }
        if let backendURL {
            guard let url = URL(string: backendURL), url.scheme == "http" || url.scheme == "https", url.host != nil
            else {
                throw ValidationError("--backend-url must be an http(s) URL, like http://127.0.0.1:8080")
            }
        }
    }

    func run() async throws {
        let logger = Logger(label: "parity-runner")
        var options = ParityOptions(
            tables: tables,
            sourceDirectory: source.map { URL(fileURLWithPath: $0) } ?? ReferenceDataLocation.defaultDirectory(),
            databaseURL: try databaseURL.map { try DatabaseURL(parsing: $0) },
            backendURL: backendURL.flatMap(URL.init(string:)),
            strict: strict,
            httpTimeout: try Settings().seconds(.httpTimeout) ?? 30)
        options.allowEmpty = Set(allowEmpty)
        if let accept { options.acceptances = try AcceptanceFile.load(accept) }
        let report = try await ParityRun(options: options, logger: logger, progress: quiet ? .silent : .standardError)
            .execute()
        let colors =
            output == nil && isatty(STDOUT_FILENO) == 1 && Settings().text(.noColor) == nil
        let rendered: String =
            switch format {
            case .text: report.text(colors: colors)
            case .json: JSONWriter(prettyPrinted: true).string(report.json()) + "\n"
            case .markdown: report.markdown()
            case .junit: report.junit()
            case .html: report.html()
            }
        try ReportOutput.write(rendered, to: output)
        if let output, !quiet {
            FileHandle.standardError.write(
                Data(
                    "parity-runner: \(report.passed ? "PASS" : "FAIL"), \(report.differenceCount) differences; report written to \(output)\n"
                        .utf8))
        }
        if !report.passed { throw ExitCode(ExitStatus.differences.rawValue) }
    }

    static let defaultLogLevel: Logger.Level = .warning
    static let errorPrefix = "parity-runner: error:"
    /// Throwaway clusters are stopped and removed on SIGINT, SIGTERM and SIGHUP too.
    static let cleanupOnSignal: (@Sendable () -> Void)? = { ThrowawayCleanup.stopAll() }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, junit, html
}

enum ReportOutput {
    /// Writes to the file atomically (a reader never sees half a report), or to standard output.
    static func write(_ text: String, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ValidationError("cannot write the report to \(path): \(error.localizedDescription)")
        }
    }
}

/// `parity-runner checklist`: the cutover checklist report.
struct Checklist: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove each item of the plan's definition of done from evidence gathered now, and report.",
        discussion: "Exit status: 0 every item proven, 1 some item not proven, 2 bad input, 3 infrastructure failure.")

    @Option(help: "Report format: markdown or json.")
    var format: Format = .markdown

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(help: "Directory of <table>.json files. Default: the project's ReferenceData/.")
    var source: String?

    @Option(
        name: .customLong("database-url"),
        help: "A server to create scratch databases on, instead of a throwaway cluster.")
    var databaseURL: String?

    enum Format: String, ExpressibleByArgument { case markdown, json }

    func run() async throws {
        let checklist = CutoverChecklist(
            sourceDirectory: source.map { URL(fileURLWithPath: $0) } ?? ReferenceDataLocation.defaultDirectory(),
            serverURL: try databaseURL.map { try DatabaseURL(parsing: $0) },
            logger: Logger(label: "parity-runner.checklist"))
        let report = try await checklist.run()
        let rendered =
            format == .markdown ? report.markdown : JSONWriter(prettyPrinted: true).string(report.json) + "\n"
        try ReportOutput.write(rendered, to: output)
        if !report.passed { throw ExitCode(ExitStatus.differences.rawValue) }
    }
}

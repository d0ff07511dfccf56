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

/// `parity-runner`: the parity gate. A thin shell over the ParityRunner library. The comparison is the default
/// subcommand, so `parity-runner --table units` compares; `smoke` and `checklist` have options of their own,
/// which no option of the comparison shadows (the root itself declares none).
struct ParityRunnerCommand: ContractCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity-runner",
        abstract: "Prove that the PostgreSQL backend serves exactly the reference data the app bundles.",
        usage: """
            parity-runner [compare] [--table NAME]... [--source DIR] [--database-url URL] [--backend-url URL]
                                    [--format text|json|markdown|junit|html] [--output FILE] [--strict]
                                    [--allow-empty TABLE]... [--accept FILE] [--quiet]
              parity-runner smoke [--backend-url URL] [--cache-dir DIR] [--source DIR] [--shadow]
                                  [--format text|json|markdown|junit] [--output FILE]
              parity-runner checklist [--database-url URL] [--source DIR] [--format markdown|json] [--output FILE]
              parity-runner watch --backend-url URL [--database-url URL] [--interval S] [--every N] [--max-runs N]
                                  [--history FILE] [--output FILE] [--format markdown|json] [--keep-going]
            """,
        discussion: """
            The comparison is the default: 'parity-runner --table units' compares one table. Each subcommand \
            takes its own options: 'parity-runner help compare' (or smoke, checklist) lists them.

            Exit status: 0 parity holds, 1 differences found, 2 bad input or usage, 3 infrastructure failure.
            """,
        subcommands: [Compare.self, Smoke.self, Checklist.self, Watch.self],
        defaultSubcommand: Compare.self
    )

    static let defaultLogLevel: Logger.Level = .warning
    static let errorPrefix = "parity-runner: error:"
    /// Throwaway clusters are stopped and removed on SIGINT, SIGTERM and SIGHUP too.
    static let cleanupOnSignal: (@Sendable () -> Void)? = { ThrowawayCleanup.stopAll() }
}

/// `parity-runner [compare]`: the parity run and its report (the default subcommand).
struct Compare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the backend with the bundled data, table by table (the default).",
        discussion: """
            With no options: starts a throwaway PostgreSQL, migrates and seeds it from ReferenceData/, serves the \
            API on an ephemeral 127.0.0.1 port, fetches the bootstrap over HTTP, reads the same data through the \
            local JSON/SQLite provider, normalizes both sides (NORMALIZATION.md) and compares every table.

            Exit status: 0 parity holds, 1 differences found, 2 bad input or usage, 3 infrastructure failure.
            """)

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
        _ = try backendURL.map(parseBackendURL)
    }

    func run() async throws {
        let logger = Logger(label: "parity-runner")
        var options = ParityOptions(
            tables: tables,
            sourceDirectory: source.map { URL(fileURLWithPath: $0) } ?? ReferenceDataLocation.defaultDirectory(),
            databaseURL: try databaseURL.map { try DatabaseURL(parsing: $0) },
            backendURL: try backendURL.map(parseBackendURL),
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
}

/// `--backend-url`, as every subcommand takes it: an http(s) URL with a host.
func parseBackendURL(_ text: String) throws -> URL {
    guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
        throw ValidationError("--backend-url must be an http(s) URL, like http://127.0.0.1:8080")
    }
    return url
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, junit, html
}

enum ReportOutput {
    /// Writes to standard output, or to the file: a regular file (or a new one) atomically, so a reader never
    /// sees half a report; anything else (`/dev/null`, a FIFO, a terminal) in place, never replaced by a
    /// rename.
    static func write(_ text: String, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            var status = stat()
            if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
                guard let handle = FileHandle(forWritingAtPath: path) else {
                    throw CocoaError(.fileWriteNoPermission)
                }
                defer { try? handle.close() }
                try handle.write(contentsOf: Data(text.utf8))
            } else {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
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
        help: """
            Without --backend-url: a server to create scratch databases on. With it: the deployed environment's \
            database, read only.
            """)
    var databaseURL: String?

    @Option(
        name: .customLong("backend-url"),
        help: """
            Check this deployed backend (and --database-url's database), writing nothing, instead of the code. \
            Repeatable: every further URL (an API replica, a cache in front) must serve the first's version and \
            tables (item 8).
            """)
    var backendURLs: [String] = []

    var backendURL: String? { backendURLs.first }

    @Option(
        name: .customLong("ignore-object"),
        help: "Leave this schema object (an index, a column as table.column, ...) out of the drift check (repeatable).")
    var ignoredObjects: [String] = []

    @Flag(
        help: """
            With --backend-url: the backend's admin rows (source_type 'admin') fail the parity and smoke items \
            instead of being listed and counted.
            """)
    var strict = false

    enum Format: String, ExpressibleByArgument { case markdown, json }

    func validate() throws {
        _ = try backendURLs.map(parseBackendURL)
        if strict && backendURL == nil {
            throw ValidationError("--strict needs --backend-url: only a deployed backend can hold admin rows")
        }
    }

    func run() async throws {
        let sourceDirectory = source.map { URL(fileURLWithPath: $0) } ?? ReferenceDataLocation.defaultDirectory()
        let logger = Logger(label: "parity-runner.checklist")
        let report: CutoverChecklist.Report
        if let backendURL = try backendURL.map(parseBackendURL) {
            report = try await EnvironmentChecklist(
                backendURL: backendURL, databaseURL: try databaseURL.map { try DatabaseURL(parsing: $0) },
                sourceDirectory: sourceDirectory, ignoredObjects: Set(ignoredObjects), strict: strict,
                otherBackendURLs: try backendURLs.dropFirst().map(parseBackendURL), logger: logger
            ).run()
        } else {
            report = try await CutoverChecklist(
                sourceDirectory: sourceDirectory, serverURL: try databaseURL.map { try DatabaseURL(parsing: $0) },
                logger: logger
            ).run()
        }
        let rendered =
            format == .markdown ? report.markdown : JSONWriter(prettyPrinted: true).string(report.json) + "\n"
        try ReportOutput.write(rendered, to: output)
        if !report.passed { throw ExitCode(ExitStatus.differences.rawValue) }
    }
}

/// `parity-runner smoke`: the plan's smoke paths in three modes, compared.
struct Smoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the four smoke paths through ExerciseConfigService with the flag OFF, ON and warm offline.",
        discussion: """
            Flag OFF reads the bundled source through the local provider; flag ON reads the backend (a throwaway \
            one seeded from the source, or --backend-url) through the remote provider with a warm cache; warm \
            offline reads the same cache with the backend unreachable. Every path's answers must agree.

            Exit status: 0 all modes agree, 1 they differ, 2 bad input, 3 the backend's answer is unusable.
            """)

    @Option(name: .customLong("backend-url"), help: "A running backend; default: a throwaway one.")
    var backendURL: String?

    @Option(name: .customLong("cache-dir"), help: "The remote provider's cache directory; default: a scratch one.")
    var cacheDirectory: String?

    @Option(help: "Directory of <table>.json files. Default: the project's ReferenceData/.")
    var source: String?

    @Option(help: "Report format: text, json, markdown or junit.")
    var format: Format = .text

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(
        help: """
            A difference that the backend's admin rows (source_type 'admin') explain fails its path instead of \
            being listed.
            """)
    var strict = false

    @Flag(
        help: """
            A fourth mode: flag OFF in shadow mode against the backend (every read compared with it in the \
            background); its answers must equal flag OFF's, and the report shows the comparisons' counts.
            """)
    var shadow = false

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown, junit }

    func validate() throws {
        _ = try backendURL.map(parseBackendURL)
    }

    func run() async throws {
        let report = try await SmokeRun(
            sourceDirectory: source.map { URL(fileURLWithPath: $0) } ?? ReferenceDataLocation.defaultDirectory(),
            backendURL: try backendURL.map(parseBackendURL),
            cacheDirectory: cacheDirectory.map { URL(fileURLWithPath: $0) }, strict: strict, shadow: shadow,
            logger: Logger(label: "parity-runner.smoke")
        ).execute()
        let rendered: String =
            switch format {
            case .text: report.text()
            case .json: JSONWriter(prettyPrinted: true).string(report.json()) + "\n"
            case .markdown: report.markdown()
            case .junit: report.junit()
            }
        try ReportOutput.write(rendered, to: output)
        if !report.passed { throw ExitCode(ExitStatus.differences.rawValue) }
    }
}

import ArgumentParser
import CommandSupport
import Foundation
import Logging
import ParityRunner
import PostgresSupport
import ReferenceCatalog
import ThrowawayPostgres

/// `parity-runner watch`: the environment checklist, run again whenever the backend's version moves.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch a deployed environment: the environment checklist on every new referenceVersion.",
        discussion: """
            Polls the backend's /api/v1/reference/version every --interval seconds (with the ETag it last saw), \
            runs the environment checklist (parity-runner checklist --backend-url) on the first poll, on every \
            new referenceVersion, and every --every polls anyway; appends one JSON line per run to --history \
            (time, trigger, referenceVersion, verdict, failing items) and writes the latest report to --output \
            (atomically). SIGINT or SIGTERM stops it after the step in progress (a second signal at once).

            Exit status: 0 every run passed (--max-runs done, or stopped), 1 a run failed (the first, unless \
            --keep-going; with it, the last run's verdict), 2 bad input, 3 the backend or database unreachable \
            (the first time, unless --keep-going).
            """)

    @Option(name: .customLong("backend-url"), help: "The deployed backend to watch.")
    var backendURL: String

    @Option(name: .customLong("database-url"), help: "Its database, read only (items 1 to 3 and the rows).")
    var databaseURL: String?

    @Option(help: "Directory of <table>.json files. Default: the project's ReferenceData/.")
    var source: String?

    @Option(help: "Seconds between two polls of /version.")
    var interval: Double = 60

    @Option(help: "Run the checklist at least every this many polls, new version or not.")
    var every: Int = 60

    @Option(name: .customLong("max-runs"), help: "Stop after this many checklist runs.")
    var maximumRuns: Int?

    @Option(help: "Append one JSON line per run to this file.")
    var history: String?

    @Option(help: "Write the latest run's report to this file (atomically).")
    var output: String?

    @Option(help: "The report's format: markdown or json.")
    var format: Checklist.Format = .markdown

    @Option(
        name: .customLong("ignore-object"),
        help: "Leave this schema object out of the drift check (repeatable), as in checklist.")
    var ignoredObjects: [String] = []

    @Flag(help: "Admin rows fail the parity and smoke items, as in checklist --strict.")
    var strict = false

    @Flag(name: .customLong("keep-going"), help: "Go on after a failing or unreachable run.")
    var keepGoing = false

    func validate() throws {
        _ = try parseBackendURL(backendURL)
        guard interval > 0, interval <= 86_400 else {
            throw ValidationError("--interval must be more than 0 and at most 86400 seconds, not \(interval)")
        }
        guard every >= 1 else { throw ValidationError("--every must be 1 or more") }
        if let maximumRuns, maximumRuns < 1 { throw ValidationError("--max-runs must be 1 or more") }
    }

    func run() async throws {
        let logger = Logger(label: "parity-runner.watch")
        let watch = EnvironmentWatch(
            configuration: .init(
                backendURL: try parseBackendURL(backendURL),
                databaseURL: try databaseURL.map { try DatabaseURL(parsing: $0) },
                sourceDirectory: source.map { URL(fileURLWithPath: $0) } ?? ReferenceDataLocation.defaultDirectory(),
                ignoredObjects: Set(ignoredObjects), strict: strict, interval: .milliseconds(Int(interval * 1000)),
                every: every, maximumRuns: maximumRuns, keepGoing: keepGoing),
            logger: logger)
        let historyFile = try history.map(HistoryFile.init)
        let (format, output) = (format, output)
        let task = Task {
            try await watch.run { run in
                try historyFile?.append(JSONWriter().string(run.json))
                if let report = run.report {
                    let rendered =
                        format == .markdown
                        ? report.markdown : JSONWriter(prettyPrinted: true).string(report.json) + "\n"
                    if output != nil { try ReportOutput.write(rendered, to: output) }
                }
                let failing = run.failingItems.map { "\($0.number)" }.joined(separator: ", ")
                let line =
                    "parity-runner: watch: \(run.trigger.rawValue) run at \(run.referenceVersion ?? "?"): "
                    + "\(run.verdict.rawValue)"
                    + (failing.isEmpty ? "" : " (items \(failing) not proven)")
                    + (run.error.map { ": \($0)" } ?? "") + "\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        GracefulStop.install { signalNumber in
            FileHandle.standardError.write(
                Data("parity-runner: watch: signal \(signalNumber): stopping after the step in progress\n".utf8))
            task.cancel()
        }
        let (ending, last) = try await task.value
        ThrowawayCleanup.stopAll()
        switch ending {
        case .runsDone, .stopped:
            if let last, last.verdict == .fail { throw ExitCode(ExitStatus.differences.rawValue) }
            if let last, last.verdict == .unreachable { throw ExitCode(ExitStatus.infrastructure.rawValue) }
        case .failed:
            throw ExitCode(ExitStatus.differences.rawValue)
        case .unreachable:
            throw ExitCode(ExitStatus.infrastructure.rawValue)
        }
    }
}

/// The history: JSON lines appended whole (one `write` each, the file opened for appending), so a reader
/// never sees half a line and earlier runs are never rewritten.
struct HistoryFile {
    let path: String

    init(_ path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create the history file \(path)")
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw ValidationError("cannot write the history file \(path)")
        }
    }

    func append(_ line: String) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw ValidationError("cannot open the history file \(path)") }
        defer { close(descriptor) }
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw ValidationError("cannot append to the history file \(path)") }
    }
}

import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog
import ReferenceProviders
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `parity-runner watch`: the plan's phase 6 "monitor" step for a deployed environment. Polls the backend's
/// `/version` (with the ETag it last saw, so an unchanged version costs a 304), runs the environment checklist
/// on every new `referenceVersion`, and at least every `every` polls anyway (drift in the schema or the roles
/// moves no version), and keeps a history: one JSON line per run.
public struct EnvironmentWatch: Sendable {
    public struct Configuration: Sendable {
        public var backendURL: URL
        public var databaseURL: DatabaseURL?
        public var sourceDirectory: URL
        public var ignoredObjects: Set<String>
        public var strict: Bool
        /// Between two polls of `/version`.
        public var interval: Duration
        /// A checklist run at least every this many polls, new version or not.
        public var every: Int
        /// Stop after this many checklist runs (nil: until stopped).
        public var maximumRuns: Int?
        /// Go on after a failing or unreachable run instead of stopping at the first.
        public var keepGoing: Bool
        /// Seconds a poll of `/version` may take.
        public var pollTimeout: TimeInterval

        public init(
            backendURL: URL, databaseURL: DatabaseURL?, sourceDirectory: URL, ignoredObjects: Set<String> = [],
            strict: Bool = false, interval: Duration = .seconds(60), every: Int = 60, maximumRuns: Int? = nil,
            keepGoing: Bool = false, pollTimeout: TimeInterval = 10
        ) {
            self.backendURL = backendURL
            self.databaseURL = databaseURL
            self.sourceDirectory = sourceDirectory
            self.ignoredObjects = ignoredObjects
            self.strict = strict
            self.interval = interval
            self.every = max(1, every)
            self.maximumRuns = maximumRuns
            self.keepGoing = keepGoing
            self.pollTimeout = pollTimeout
        }
    }

    /// Why a run happened.
    public enum Trigger: String, Sendable {
        /// The watch's first run.
        case first
        /// `/version` named a `referenceVersion` the last run did not see.
        case newVersion = "new-version"
        /// `every` polls passed without a new version.
        case interval
        /// The poll of `/version` itself failed (the run is `unreachable`).
        case poll
    }

    public enum Verdict: String, Sendable {
        /// Every item proven.
        case pass
        /// Some item not proven.
        case fail
        /// The backend or the database could not be reached, or failed: no report.
        case unreachable
    }

    /// One run, as the history keeps it.
    public struct Run: Sendable {
        public let time: Date
        public let trigger: Trigger
        public let referenceVersion: String?
        public let verdict: Verdict
        /// The items not proven, by number and title (empty unless `fail`).
        public let failingItems: [(number: Int, title: String)]
        /// What went wrong when `unreachable`.
        public let error: String?
        public let milliseconds: Double
        /// The report, when the checklist ran to the end.
        public let report: CutoverChecklist.Report?

        /// The history line: one JSON object.
        public var json: JSONValue {
            var object = JSONObject()
            object.append("time", .string(RFC3339Date.string(time)))
            object.append("trigger", .string(trigger.rawValue))
            object.append("referenceVersion", referenceVersion.map { .string($0) } ?? .null)
            object.append("verdict", .string(verdict.rawValue))
            object.append(
                "failingItems",
                .array(
                    failingItems.map {
                        .object(JSONObject(["number": .number(JSONNumber($0.number)), "title": .string($0.title)]))
                    }))
            if let error { object.append("error", .string(error)) }
            object.append("milliseconds", .number(JSONNumber(Int(milliseconds.rounded()))))
            return .object(object)
        }
    }

    /// How the watch ended.
    public enum Ending: Sendable, Equatable {
        /// `maximumRuns` runs done.
        case runsDone
        /// Stopped from outside (a signal): the task was cancelled.
        case stopped
        /// The first failing run, without `keepGoing`.
        case failed
        /// The first unreachable run, without `keepGoing`.
        case unreachable
    }

    public let configuration: Configuration
    public let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Watches until the runs are done, a run fails (unless `keepGoing`), or the task is cancelled; `record`
    /// gets every run as it ends (write the history line and the report there). Returns how it ended and the
    /// last run.
    public func run(record: (Run) throws -> Void) async throws -> (Ending, Run?) {
        let poller = VersionPoller(
            url: configuration.backendURL.appendingPathComponent("api/v1/reference/version"),
            timeout: configuration.pollTimeout)
        var last: Run?
        var runs = 0
        var pollsSinceRun = 0
        var seenVersion: String?
        while !Task.isCancelled {
            var polledVersion: String?
            var pollError: String?
            do {
                polledVersion = try await poller.poll()
            } catch {
                pollError = "\(error)"
            }
            if Task.isCancelled { break }
            if let pollError {
                let run = Run(
                    time: Date(), trigger: .poll, referenceVersion: nil, verdict: .unreachable,
                    failingItems: [], error: pollError, milliseconds: 0, report: nil)
                try record(run)
                last = run
                runs += 1
                pollsSinceRun = 0
                if !configuration.keepGoing { return (.unreachable, run) }
            } else {
                pollsSinceRun += 1
                let trigger: Trigger?
                if last == nil {
                    trigger = .first
                } else if polledVersion != seenVersion {
                    trigger = .newVersion
                } else if pollsSinceRun >= configuration.every {
                    trigger = .interval
                } else {
                    trigger = nil
                }
                if let trigger {
                    let run = await checklistRun(trigger: trigger, polledVersion: polledVersion)
                    if Task.isCancelled && run.verdict == .unreachable { break }
                    try record(run)
                    last = run
                    runs += 1
                    pollsSinceRun = 0
                    seenVersion = polledVersion
                    if run.verdict != .pass && !configuration.keepGoing {
                        return (run.verdict == .fail ? .failed : .unreachable, run)
                    }
                }
            }
            if let maximumRuns = configuration.maximumRuns, runs >= maximumRuns { return (.runsDone, last) }
            do {
                try await Task.sleep(for: configuration.interval)
            } catch {
                break
            }
        }
        return (.stopped, last)
    }

    private func checklistRun(trigger: Trigger, polledVersion: String?) async -> Run {
        let started = ContinuousClock.now
        let checklist = EnvironmentChecklist(
            backendURL: configuration.backendURL, databaseURL: configuration.databaseURL,
            sourceDirectory: configuration.sourceDirectory, ignoredObjects: configuration.ignoredObjects,
            strict: configuration.strict, logger: logger)
        do {
            let report = try await checklist.run()
            return Run(
                time: Date(), trigger: trigger, referenceVersion: polledVersion,
                verdict: report.passed ? .pass : .fail,
                failingItems: report.items.filter { !$0.passed }.map { ($0.number, $0.title) }, error: nil,
                milliseconds: (ContinuousClock.now - started).fractionalMilliseconds, report: report)
        } catch {
            let text = error is PSQLError ? describePostgresError(error) : "\(error)"
            return Run(
                time: Date(), trigger: trigger, referenceVersion: polledVersion, verdict: .unreachable,
                failingItems: [], error: text, milliseconds: (ContinuousClock.now - started).fractionalMilliseconds,
                report: nil)
        }
    }
}

/// `GET /api/v1/reference/version` with the ETag last seen: a 304 keeps the version it named.
final class VersionPoller: Sendable {
    private let url: URL
    private let session: URLSession
    private let last = Mutex<(etag: String, version: String)?>(nil)

    init(url: URL, timeout: TimeInterval) {
        self.url = url
        session = URLSession.uncached(request: timeout, resource: timeout)
    }

    /// The backend's `referenceVersion` now.
    func poll() async throws -> String {
        var request = URLRequest(url: url)
        let previous = last.withLock { $0 }
        if let previous { request.setValue(previous.etag, forHTTPHeaderField: "If-None-Match") }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.boundedData(for: request)
        } catch {
            throw WatchPollError(url: url, reason: error.localizedDescription)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if status == 304, let previous { return previous.version }
        guard status == 200 else { throw WatchPollError(url: url, reason: "HTTP \(status)") }
        guard let version = (try? JSONParser.parse(data))?["referenceVersion"]?.stringValue else {
            throw WatchPollError(url: url, reason: "the answer has no referenceVersion")
        }
        if let etag = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "ETag") {
            last.withLock { $0 = (etag, version) }
        }
        return version
    }
}

/// `/version` could not be read.
struct WatchPollError: Error, CustomStringConvertible {
    let url: URL
    let reason: String
    var description: String { "the backend's version at \(url.absoluteString) could not be read: \(reason)" }
}

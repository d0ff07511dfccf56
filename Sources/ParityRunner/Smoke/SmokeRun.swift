import CoreMetrics
import Foundation
import Logging
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders

/// `parity-runner smoke`: the plan's smoke paths through `ExerciseConfigService` in three modes, compared
/// path by path: flag OFF (the local provider on the bundled source), flag ON against a backend (a throwaway
/// one, seeded from the source, unless `backendURL` names a running one; with a warm cache), and warm offline
/// (the same cache, the backend unreachable, `allowStaleCache`). The SmokeTests suite runs the same code.
public struct SmokeRun: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case flagOff = "flag OFF"
        case flagOn = "flag ON"
        case warmOffline = "warm offline"
        /// `--shadow`: flag OFF with every read compared with the backend in the background.
        case shadow = "shadow (flag OFF)"
    }

    public let sourceDirectory: URL
    /// A running backend; nil starts a throwaway one seeded from `sourceDirectory`.
    public let backendURL: URL?
    /// The remote provider's cache; nil uses a scratch directory removed afterwards.
    public let cacheDirectory: URL?
    /// Whether a difference that the backend's admin rows explain fails its path (`--strict`).
    public let strict: Bool
    /// `--shadow`: a fourth mode, flag OFF in shadow mode against the backend (rate 1); its answers must equal
    /// flag OFF's, and the report shows what the shadow comparisons counted.
    public let shadow: Bool
    public let logger: Logger

    public init(
        sourceDirectory: URL, backendURL: URL? = nil, cacheDirectory: URL? = nil, strict: Bool = false,
        shadow: Bool = false, logger: Logger
    ) {
        self.shadow = shadow
        self.sourceDirectory = sourceDirectory
        self.backendURL = backendURL
        self.cacheDirectory = cacheDirectory
        self.strict = strict
        self.logger = logger
    }

    /// One mode's answers, path by path; when some differ from flag OFF's, the same mode's answers without
    /// the backend's admin rows, and the admin rows left out.
    private struct Answers {
        var paths: [String: [String]] = [:]
        var withoutAdminRows: [String: [String]]?
        var adminRows: [String: [String]] = [:]
    }

    public func execute() async throws -> SmokeReport {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smoke-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let started = ContinuousClock.now
        var answers: [Mode: Answers] = [:]
        var shadowCounts: ShadowReporter?
        let flagOff = try await runPaths(
            configuration(scratch: scratch, backend: nil), options: BootstrapOptions(), mode: .flagOff, reference: nil)
        answers[.flagOff] = flagOff
        let backendLocation: String
        if let backendURL {
            backendLocation = backendURL.absoluteString
            answers[.flagOn] = try await runPaths(
                configuration(scratch: scratch, backend: backendURL), options: BootstrapOptions(), mode: .flagOn,
                reference: flagOff.paths)
            if shadow {
                (answers[.shadow], shadowCounts) = try await runShadow(scratch: scratch, backend: backendURL)
            }
        } else {
            let databases = try await ReferenceDatabases.throwaway(logger: logger)
            backendLocation = "throwaway backend seeded from \(sourceDirectory.path)"
            let (flagOn, shadowRun) = try await databases.withShutdown { databases in
                let url = try await databases.makeDatabase(prefix: "smoke")
                _ = try await Seeder(logger: logger).seed(sourceDirectory: sourceDirectory, into: url)
                return try await RunningAPI.start(databaseURL: url, logger: logger).withStop { api in
                    let flagOn = try await runPaths(
                        configuration(scratch: scratch, backend: api.baseURL), options: BootstrapOptions(),
                        mode: .flagOn, reference: flagOff.paths)
                    let shadowRun = shadow ? try await runShadow(scratch: scratch, backend: api.baseURL) : nil
                    return (flagOn, shadowRun)
                }
            }
            answers[.flagOn] = flagOn
            if let shadowRun { (answers[.shadow], shadowCounts) = shadowRun }
        }
        // Offline: the same warm cache, a backend address nothing listens on.
        answers[.warmOffline] = try await runPaths(
            configuration(scratch: scratch, backend: URL(string: "http://127.0.0.1:9")!),
            options: BootstrapOptions(allowStaleCache: true), mode: .warmOffline, reference: flagOff.paths)

        var paths: [SmokeReport.PathResult] = []
        for path in SmokePath.all {
            let reference = flagOff.paths[path.name] ?? []
            var disagreements: [SmokeReport.Disagreement] = []
            for mode in [Mode.flagOn, .warmOffline] + (shadow ? [.shadow] : []) {
                let answer = answers[mode]?.paths[path.name] ?? []
                if let disagreement = SmokeReport.Disagreement(
                    mode: mode, reference: reference, answer: answer,
                    withoutAdminRows: answers[mode]?.withoutAdminRows?[path.name])
                {
                    disagreements.append(disagreement)
                }
            }
            paths.append(
                SmokeReport.PathResult(
                    name: path.name, lines: reference.count, empty: reference.isEmpty, disagreements: disagreements,
                    strict: strict))
        }
        var adminRows: [String: Set<String>] = [:]
        for mode in [Mode.flagOn, .warmOffline] {
            for (table, keys) in answers[mode]?.adminRows ?? [:] { adminRows[table, default: []].formUnion(keys) }
        }
        return SmokeReport(
            source: sourceDirectory.path, backend: backendLocation, paths: paths,
            adminRows: adminRows.mapValues { $0.sorted() },
            milliseconds: (ContinuousClock.now - started).fractionalMilliseconds,
            shadow: shadowCounts.map {
                SmokeReport.ShadowCounts(counts: $0.counts, firstDifferences: $0.firstDifferences)
            })
    }

    /// Flag OFF in shadow mode against `backend`, every read sampled; returns once its comparisons are done.
    private func runShadow(scratch: URL, backend: URL) async throws -> (Answers, ShadowReporter) {
        let reporter = ShadowReporter(factory: NOOPMetricsHandler.instance, logger: logger)
        let provider = ShadowReferenceProvider(
            // Flag OFF's own SQLite file: already imported from this source, so it is opened, not imported again.
            primary: LocalJsonSqliteProvider(
                sourceDirectory: sourceDirectory,
                databasePath: configuration(scratch: scratch, backend: nil).sqlitePath, logger: logger),
            candidate: RemotePostgresProvider(baseURL: backend, cache: nil, timeout: 30, logger: logger), rate: 1,
            reporter: reporter)
        var answers = Answers()
        answers.paths = try await answersOfPaths(ExerciseConfigService(provider: provider), .shadow)
        await provider.settle()
        return (answers, reporter)
    }

    private func configuration(scratch: URL, backend: URL?) -> ReferenceProviderConfiguration {
        ReferenceProviderConfiguration(
            useBackendReference: backend != nil, backendURL: backend ?? URL(string: "http://127.0.0.1:9")!,
            sourceDirectory: sourceDirectory, sqlitePath: scratch.appendingPathComponent("local.sqlite").path,
            cacheDirectory: cacheDirectory ?? scratch.appendingPathComponent("remote-cache"), timeout: 30)
    }

    /// Every path's answer in one mode; a provider error is the backend's (or the source's) answer being
    /// unusable, exit 3. When an answer differs from `reference` (flag OFF's), the paths run again on the same
    /// provider with the admin rows left out, to tell which differences they explain; that second run failing
    /// only leaves the differences unexplained.
    private func runPaths(
        _ configuration: ReferenceProviderConfiguration, options: BootstrapOptions, mode: Mode,
        reference: [String: [String]]?
    ) async throws -> Answers {
        let provider = createReferenceProvider(config: configuration, logger: logger)
        var answers = Answers()
        answers.paths = try await answersOfPaths(ExerciseConfigService(provider: provider, options: options), mode)
        if let reference, answers.paths != reference {
            let excluded = AdminRowsExcluded(provider)
            answers.withoutAdminRows = try? await answersOfPaths(
                ExerciseConfigService(provider: excluded, options: options), mode)
            answers.adminRows = excluded.excludedKeys
        }
        return answers
    }

    private func answersOfPaths(_ service: ExerciseConfigService, _ mode: Mode) async throws -> [String: [String]] {
        var answers: [String: [String]] = [:]
        for path in SmokePath.all {
            do {
                answers[path.name] = try await path.run(service)
            } catch ReferenceProviderError.invalidBundledData(let problems) {
                throw problems  // bad input (exit 2), not the backend's fault
            } catch let error as ReferenceProviderError {
                throw SmokeError.unusable(mode: mode, path: path.name, error: error)
            }
        }
        return answers
    }
}

/// A smoke mode could not run at all: the provider's data was unusable or unreachable.
public enum SmokeError: Error, Sendable, CustomStringConvertible, ClassifiedError {
    case unusable(mode: SmokeRun.Mode, path: String, error: ReferenceProviderError)

    public var description: String {
        switch self {
        case .unusable(let mode, let path, let error): "smoke path '\(path)' in mode \(mode.rawValue): \(error)"
        }
    }

    public var failureKind: FailureKind { .infrastructure }
}

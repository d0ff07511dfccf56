import Foundation
import Logging
import Normalization
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders
import Settings
import Synchronization

/// The parity gate: source JSON → seed → bootstrap over HTTP → normalize both sides → compare per table, each
/// difference placed against a third side, the bundle's JSON read apart from the loader (``BundleJSON``).
///
/// Without `backendURL`: a database (the throwaway cluster's, or the one `databaseURL` names) is migrated
/// and seeded from the source, the API is served in-process on an ephemeral 127.0.0.1 port, and the
/// bootstrap is fetched through ``RemotePostgresProvider`` (no cache). The local side is
/// ``LocalJsonSqliteProvider`` importing the same source into a fresh SQLite file. Everything started is
/// stopped and removed at the end, after a failure too.
public struct ParityRun: Sendable {
    public let options: ParityOptions
    public let logger: Logger
    public let progress: ProgressReporter

    public init(options: ParityOptions, logger: Logger, progress: ProgressReporter = .standardError) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    public func execute() async throws -> ParityReport {
        let steps = Steps(progress: progress)
        func step<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
            try await steps.run(name, body)
        }

        let specs = try options.selectedTables()
        // Bad input first, before any infrastructure is started.
        // Held only until the seed and the local import have used it: on a large source it is the largest
        // thing in memory after the rows themselves.
        let source = Held(
            try await step("validate source") {
                try ReferenceSource.load(
                    from: options.sourceDirectory, allowExternalReferences: options.backendURL != nil)
            })
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "parity-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }

        // The local side needs nothing of the remote one: it imports and reads while the database is started,
        // seeded and served (on this machine kind, the other core).
        let localProvider = LocalJsonSqliteProvider(
            sourceDirectory: options.sourceDirectory,
            databasePath: workDirectory.appendingPathComponent("local.sqlite").path, logger: logger)
        async let localSide: ReferenceBootstrap = steps.run("read local provider") {
            // The source just validated, unless it was validated leniently (external references allowed).
            if let validated = source.value, validated.unresolvedReferences.isEmpty {
                try await localProvider.prepare(from: validated)
            }
            return try await localProvider.getBootstrap()
        }

        /// Seeds the source into the database, serves it in-process and fetches the bootstrap over HTTP.
        func seedAndServe(_ databaseURL: DatabaseURL) async throws -> (bootstrap: ReferenceBootstrap, location: String)
        {
            _ = try await step("seed") {
                try await databaseURL.withConnection(logger: logger) { connection in
                    try await Seeder(logger: logger).seed(source.value!, on: connection)
                }
            }
            source.release()
            let server = try await step("start API") {
                try await RunningAPI.start(databaseURL: databaseURL, logger: logger)
            }
            return try await server.withStop { server in
                (try await step("fetch bootstrap") { try await fetch(server.baseURL) }, server.baseURL.absoluteString)
            }
        }

        let remoteBootstrap: ReferenceBootstrap
        let remoteLocation: String
        if let backendURL = options.backendURL {
            remoteLocation = backendURL.absoluteString
            source.release()
            remoteBootstrap = try await step("fetch bootstrap") { try await fetch(backendURL) }
        } else {
            let served: (bootstrap: ReferenceBootstrap, location: String)
            if let url = options.databaseURL {
                _ = try await step("migrate") {
                    try await infrastructure("migrate") { try await Migrator(logger: logger).migrate(url) }
                }
                served = try await seedAndServe(url)
            } else {
                let databases = try await step("start throwaway PostgreSQL") {
                    try await infrastructure("start throwaway PostgreSQL") {
                        try await ReferenceDatabases.throwaway(logger: logger)
                    }
                }
                served = try await databases.withShutdown { databases in
                    let databaseURL = try await step("create database") {
                        try await infrastructure("create database") {
                            try await databases.makeDatabase(prefix: "parity")
                        }
                    }
                    return try await seedAndServe(databaseURL)
                }
            }
            (remoteBootstrap, remoteLocation) = served
        }

        let localBootstrap = try await localSide
        let comparisons = try await step("read bundle JSON and compare") { [options] in
            // Tables are independent: each read from the bundle and compared side by side (two at a time on
            // this machine kind, so only those two tables' bundle rows are in memory), reported in catalog order.
            let differ = TableDiffer(strict: options.strict)
            return try await withThrowingTaskGroup(of: (Int, TableComparison).self) { group in
                for (index, spec) in specs.enumerated() {
                    let local = localBootstrap.tables[spec.name] ?? ReferenceTable(spec: spec, rows: [])
                    let remote = remoteBootstrap.tables[spec.name] ?? ReferenceTable(spec: spec, rows: [])
                    group.addTask {
                        let bundled = try BundleJSON.table(spec, from: options.sourceDirectory)
                        let comparison = Acceptances.apply(
                            differ.compare(local: local, remote: remote, bundle: bundled),
                            acceptances: options.acceptances, allowEmpty: options.allowEmpty, today: options.today,
                            strict: options.strict)
                        return (index, comparison)
                    }
                }
                var results: [(Int, TableComparison)] = []
                for try await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        return ParityReport(
            contractVersion: NormalizationContract.version, strict: options.strict,
            local: .init(
                location: options.sourceDirectory.path, schemaVersion: nil,
                referenceVersion: localBootstrap.referenceVersion),
            remote: .init(
                location: remoteLocation, schemaVersion: remoteBootstrap.schemaVersion,
                referenceVersion: remoteBootstrap.referenceVersion),
            tables: comparisons, timings: steps.timings)
    }

    /// The bootstrap through the app's remote provider, without a cache.
    private func fetch(_ url: URL) async throws -> ReferenceBootstrap {
        let provider = RemotePostgresProvider(
            baseURL: url, cache: nil, timeout: options.httpTimeout, validatesDocuments: false, logger: logger)
        do {
            return try await provider.getBootstrap()
        } catch let error as ReferenceProviderError {
            throw ParityError.infrastructure(
                step: "fetch bootstrap from \(url.absoluteString)", reason: "\(error)", cause: error)
        }
    }

    /// Runs an infrastructure step; anything it throws that is not already classified is exit 3.
    private func infrastructure<T>(_ step: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as any ClassifiedError {
            throw error
        } catch let error as DatabaseURLError {
            throw error
        } catch let error as SettingError {
            throw error
        } catch {
            throw ParityError.infrastructure(step: step, reason: describePostgresError(error), cause: error)
        }
    }
}

/// The run's steps: each timed, reported as it ends, and recorded in order of ending (steps may overlap).
private final class Steps: Sendable {
    private let progress: ProgressReporter
    private let recorded = Mutex<[(String, Double)]>([])

    init(progress: ProgressReporter) { self.progress = progress }

    var timings: [(String, Double)] { recorded.withLock { $0 } }

    func run<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        do {
            let result = try await body()
            let milliseconds = (ContinuousClock.now - started).fractionalMilliseconds
            recorded.withLock { $0.append((name, milliseconds)) }
            progress.end(name, milliseconds: milliseconds)
            return result
        } catch {
            progress.fail(name)
            throw error
        }
    }
}

/// A value that can be let go of before the scope that made it ends.
private final class Held<Value: Sendable>: Sendable {
    private let stored: Mutex<Value?>

    init(_ value: Value) { stored = Mutex(value) }

    var value: Value? { stored.withLock { $0 } }

    func release() { stored.withLock { $0 = nil } }
}

import Foundation
import Logging
import Normalization
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import ReferenceProviders
import Settings

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
        var timings: [(String, Double)] = []
        func step<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
            let started = ContinuousClock.now
            do {
                let result = try await body()
                let milliseconds = (ContinuousClock.now - started).fractionalMilliseconds
                timings.append((name, milliseconds))
                progress.end(name, milliseconds: milliseconds)
                return result
            } catch {
                progress.fail(name)
                throw error
            }
        }

        let specs = try options.selectedTables()
        // Bad input first, before any infrastructure is started.
        let source = try await step("validate source") {
            try ReferenceSource.load(from: options.sourceDirectory, allowExternalReferences: options.backendURL != nil)
        }
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "parity-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }

        /// Seeds the source into the database, serves it in-process and fetches the bootstrap over HTTP.
        func seedAndServe(_ databaseURL: DatabaseURL) async throws -> (bootstrap: ReferenceBootstrap, location: String)
        {
            _ = try await step("seed") {
                try await databaseURL.withConnection(logger: logger) { connection in
                    try await Seeder(logger: logger).seed(source, on: connection)
                }
            }
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

        let localBootstrap = try await step("read local provider") {
            let provider = LocalJsonSqliteProvider(
                sourceDirectory: options.sourceDirectory,
                databasePath: workDirectory.appendingPathComponent("local.sqlite").path,
                logger: logger)
            return try await provider.getBootstrap()
        }
        let bundle = try await step("read bundle JSON") {
            try BundleJSON.load(from: options.sourceDirectory, specs: specs)
        }
        let comparisons = try await step("compare") {
            let differ = TableDiffer(strict: options.strict)
            return specs.map { spec in
                Acceptances.apply(
                    differ.compare(
                        local: localBootstrap.tables[spec.name] ?? ReferenceTable(spec: spec, rows: []),
                        remote: remoteBootstrap.tables[spec.name] ?? ReferenceTable(spec: spec, rows: []),
                        bundle: bundle[spec.name] ?? ReferenceTable(spec: spec, rows: [])),
                    acceptances: options.acceptances, allowEmpty: options.allowEmpty, today: options.today,
                    strict: options.strict)
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
            tables: comparisons, timings: timings)
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

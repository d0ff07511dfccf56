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
        // Held only until its two users, the seed and the local import, are done with it: on a large source it
        // is the largest thing in memory after the rows themselves.
        let source = Held(
            try await step("validate source") {
                try ReferenceSource.load(
                    from: options.sourceDirectory, allowExternalReferences: options.backendURL != nil)
            }, users: 2)
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "parity-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }

        // The local side needs nothing of the remote one: it imports while the database is started, seeded and
        // served (on this machine kind, the other core). Its tables are read one at a time when compared.
        let localProvider = LocalJsonSqliteProvider(
            sourceDirectory: options.sourceDirectory,
            databasePath: workDirectory.appendingPathComponent("local.sqlite").path, logger: logger)
        async let localImport: String = steps.run("import local provider") {
            defer { source.done() }
            // The source just validated, unless it was validated leniently (external references allowed).
            if let validated = source.value, validated.unresolvedReferences.isEmpty {
                try await localProvider.prepare(from: validated)
            }
            return try await localProvider.referenceVersion()
        }

        /// Seeds the source into the database, serves it in-process and downloads the bootstrap over HTTP. The
        /// server (and the document it keeps) is gone when this returns.
        func seedAndServe(_ databaseURL: DatabaseURL) async throws -> (document: Data, location: String) {
            _ = try await step("seed") {
                try await databaseURL.withConnection(logger: logger) { connection in
                    try await Seeder(logger: logger).seed(source.value!, on: connection)
                }
            }
            source.done()
            let server = try await step("start API") {
                try await RunningAPI.start(databaseURL: databaseURL, logger: logger)
            }
            return try await server.withStop { server in
                (
                    try await step("fetch bootstrap") { try await download(server.baseURL) },
                    server.baseURL.absoluteString
                )
            }
        }

        let document: Data
        let remoteLocation: String
        if let backendURL = options.backendURL {
            remoteLocation = backendURL.absoluteString
            source.done()  // nothing to seed
            document = try await step("fetch bootstrap") { try await download(backendURL) }
        } else {
            let served: (document: Data, location: String)
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
            (document, remoteLocation) = served
            Memory.returnFreedPages()
        }

        let localVersion = try await localImport
        let (header, comparisons) = try await step("decode, read and compare") {
            try await compare(document: document, from: remoteLocation, with: localProvider, specs: specs)
        }
        return ParityReport(
            contractVersion: NormalizationContract.version, strict: options.strict,
            local: .init(location: options.sourceDirectory.path, schemaVersion: nil, referenceVersion: localVersion),
            remote: .init(
                location: remoteLocation, schemaVersion: header.schemaVersion,
                referenceVersion: header.referenceVersion),
            tables: comparisons, timings: steps.timings)
    }

    /// Decodes the remote document one table at a time and compares each with the local provider's table and
    /// the bundle's, one table at a time and never more than two of its sides at once: the local rows (SQLite)
    /// and the bundle's rows are read side by side and compared (keeping of the bundle only the rows that
    /// disagree), then the remote table is decoded and compared with the local one. The document lists tables
    /// in catalog order. Reported in catalog order; a selected table the document lacks is compared with no
    /// rows.
    private func compare(
        document: Data, from location: String, with local: LocalJsonSqliteProvider, specs: [TableSpec]
    ) async throws -> (BootstrapHeader, [TableComparison]) {
        let positions = Dictionary(uniqueKeysWithValues: specs.enumerated().map { ($1.name, $0) })
        let differ = TableDiffer(strict: options.strict)
        /// The local table and the bundle's agreement with it; the bundle's rows are let go here.
        func localSide(_ index: Int) async throws -> (ReferenceTable, BundleAgreement) {
            async let localTable = local.getTable(specs[index].name)
            let bundled = try BundleJSON.table(specs[index], from: options.sourceDirectory)
            let localRows = try await localTable
            return (localRows, differ.bundleAgreement(bundle: bundled, local: localRows))
        }
        func compared(_ sides: (ReferenceTable, BundleAgreement), _ remote: ReferenceTable) -> TableComparison {
            Acceptances.apply(
                differ.compare(local: sides.0, remote: remote, bundle: sides.1), acceptances: options.acceptances,
                allowEmpty: options.allowEmpty, today: options.today, strict: options.strict)
        }
        func decode<T>(_ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch {
                let reason = ReferenceProviderError.badResponse(
                    url: location, reason: "the body is not a bootstrap document: \(error)")
                throw ParityError.infrastructure(
                    step: "fetch bootstrap from \(location)", reason: "\(reason)", cause: reason)
            }
        }

        var results = [TableComparison?](repeating: nil, count: specs.count)
        var reader = BootstrapTables(document)
        // The local side of the table expected next (the document follows the catalog), read before its remote
        // side and kept while the document passes tables that were not selected.
        var prepared: (index: Int, sides: (ReferenceTable, BundleAgreement))?
        var next = 0
        while true {
            if prepared == nil, next < specs.count { prepared = (next, try await localSide(next)) }
            guard let remote = try decode({ try reader.next() }) else { break }
            guard let index = positions[remote.spec.name] else { continue }
            let sides = if let prepared, prepared.index == index { prepared.sides } else { try await localSide(index) }
            prepared = nil
            results[index] = compared(sides, remote)
            if remote.rows.count >= 10_000 { Memory.returnFreedPages() }  // that table's sides are gone
            next = index + 1
        }
        prepared = nil
        let header = try decode { try reader.header() }
        for (index, spec) in specs.enumerated() where results[index] == nil {
            results[index] = compared(try await localSide(index), ReferenceTable(spec: spec, rows: []))
        }
        return (header, results.map { $0! })
    }

    /// The bootstrap document through the app's remote provider, without a cache; decoded table by table later.
    private func download(_ url: URL) async throws -> Data {
        let provider = RemotePostgresProvider(
            baseURL: url, cache: nil, timeout: options.httpTimeout, validatesDocuments: false, logger: logger)
        do {
            // Uncompressed from the in-process server on loopback; as the app asks for it from a real backend.
            return try await provider.downloadBootstrap(compressed: options.backendURL != nil)
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

/// A value let go of before the scope that made it ends: when each of its users has said it is done.
private final class Held<Value: Sendable>: Sendable {
    private let stored: Mutex<(value: Value?, users: Int)>

    init(_ value: Value, users: Int) { stored = Mutex((value, users)) }

    var value: Value? { stored.withLock { $0.value } }

    /// One user is done; after the last, the value is dropped and its pages handed back.
    func done() {
        let dropped = stored.withLock { state in
            state.users -= 1
            guard state.users == 0 else { return false }
            state.value = nil
            return true
        }
        if dropped { Memory.returnFreedPages() }
    }
}

import Foundation
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog

/// A migrated database seeded from a fixture, and the API serving it over real HTTP on 127.0.0.1.
public struct LiveBackend: Sendable {
    public let databaseURL: DatabaseURL
    public let api: RunningAPI
    public let seed: SeedReport

    public var baseURL: URL { api.baseURL }

    public func url(_ path: String) -> URL { URL(string: baseURL.absoluteString + path)! }

    /// Seeds `fixture` (default: the small one) into a new database and starts the API on it; with
    /// `requestLog`, the server's log lines (request lines included) are kept there.
    ///
    /// Prefer ``withLiveBackend(_:database:requestLog:_:)``, which stops it and drops its database however the
    /// test ends; a backend started here is the caller's to ``stop()``.
    public static func start(
        _ fixture: SourceFixture? = nil, database: DatabaseURL? = nil, requestLog: LogCapture? = nil,
        clients: ConnectionLimits = ConnectionLimits()
    ) async throws -> LiveBackend {
        let url: DatabaseURL
        let report: SeedReport
        if let database {
            url = database
            do {
                let directory = try (fixture ?? SourceFixture.small()).write()
                defer { try? FileManager.default.removeItem(at: directory) }
                report = try await Seeder(logger: TestDatabases.logger).seed(sourceDirectory: directory, into: url)
            }
        } else {
            // A copy of the fixture seeded once per process: the seed itself is tested in its own suites.
            (url, report) = try await TestDatabases.seeded(try fixture ?? SourceFixture.small(), prefix: "api")
        }
        do {
            let api =
                if let requestLog {
                    try await RunningAPI.start(
                        databaseURL: url, logger: requestLog.logger(level: .debug), requestLog: true, clients: clients)
                } else {
                    try await RunningAPI.start(databaseURL: url, logger: TestDatabases.logger, clients: clients)
                }
            return LiveBackend(databaseURL: url, api: api, seed: report, ownsDatabase: database == nil)
        } catch {
            if database == nil { try? await TestDatabases.drop(url) }
            throw error
        }
    }

    /// Whether ``stop()`` drops the database (it does when ``start(_:database:requestLog:)`` made it).
    let ownsDatabase: Bool

    /// Stops the server and drops the database it made. Safe to call twice.
    public func stop() async {
        await api.stop()
        if ownsDatabase { try? await TestDatabases.drop(databaseURL) }
    }
}

/// Runs `body` against a live backend (see ``LiveBackend/start(_:database:requestLog:)``), then stops the
/// server and drops the database it made, however `body` ends.
public func withLiveBackend<T>(
    _ fixture: SourceFixture? = nil, database: DatabaseURL? = nil, requestLog: LogCapture? = nil,
    clients: ConnectionLimits = ConnectionLimits(), _ body: (LiveBackend) async throws -> T
) async throws -> T {
    let backend = try await LiveBackend.start(fixture, database: database, requestLog: requestLog, clients: clients)
    do {
        let result = try await body(backend)
        await backend.stop()
        return result
    } catch {
        await backend.stop()
        throw error
    }
}

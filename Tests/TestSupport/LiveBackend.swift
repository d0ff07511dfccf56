import Foundation
import ReferenceBackend
import ReferenceCatalog
import ThrowawayPostgres

/// A migrated database seeded from a fixture, and the API serving it over real HTTP on 127.0.0.1.
public struct LiveBackend: Sendable {
    public let databaseURL: DatabaseURL
    public let api: RunningAPI
    public let seed: SeedReport

    public var baseURL: URL { api.baseURL }

    public func url(_ path: String) -> URL { URL(string: baseURL.absoluteString + path)! }

    /// Seeds `fixture` (default: the small one) into a new database and starts the API on it; with
    /// `requestLog`, the server's log lines (request lines included) are kept there.
    public static func start(
        _ fixture: SourceFixture? = nil, database: DatabaseURL? = nil, requestLog: LogCapture? = nil
    ) async throws -> LiveBackend {
        let url: DatabaseURL
        if let database { url = database } else { url = try await TestDatabases.make(prefix: "api") }
        let directory = try (fixture ?? SourceFixture.small()).write()
        let report = try await Seeder(logger: TestDatabases.logger).seed(sourceDirectory: directory, into: url)
        let api =
            if let requestLog {
                try await RunningAPI.start(databaseURL: url, logger: requestLog.logger(), requestLog: true)
            } else {
                try await RunningAPI.start(databaseURL: url, logger: TestDatabases.logger)
            }
        return LiveBackend(databaseURL: url, api: api, seed: report)
    }

    public func stop() async { await api.stop() }
}

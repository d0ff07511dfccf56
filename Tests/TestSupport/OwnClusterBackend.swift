import Foundation
import PostgresSupport
import ReferenceBackend
import ThrowawayPostgres

/// The API on a migrated (unseeded) database of a cluster of its own, for tests that stop and resume the
/// database under a running server (`cluster.suspendServer()` / `resumeServer()`).
public struct OwnClusterBackend: Sendable {
    public let cluster: ThrowawayCluster
    public let databaseURL: DatabaseURL
    public let api: RunningAPI

    public func url(_ path: String) -> URL { URL(string: api.baseURL.absoluteString + path)! }

    /// With `log`, the server's lines land there, debug included.
    public static func start(database: String, log: LogCapture? = nil) async throws -> OwnClusterBackend {
        let logger = TestDatabases.logger
        let cluster = try await ThrowawayCluster.start(logger: logger)
        do {
            try await cluster.createDatabase(database)
            let url = cluster.url(database: database)
            _ = try await Migrator(logger: logger).migrate(url)
            let api =
                if let log {
                    try await RunningAPI.start(databaseURL: url, logger: log.logger(level: .debug), requestLog: true)
                } else {
                    try await RunningAPI.start(databaseURL: url, logger: logger)
                }
            return OwnClusterBackend(cluster: cluster, databaseURL: url, api: api)
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// Stops the server, then the cluster.
    public func stop() async {
        await api.stop()
        await cluster.stop()
    }

    /// Runs `body` against a backend on a cluster of its own, then stops both, however `body` ends.
    public static func with<T>(
        database: String, log: LogCapture? = nil, _ body: (OwnClusterBackend) async throws -> T
    ) async throws -> T {
        let backend = try await start(database: database, log: log)
        do {
            let result = try await body(backend)
            await backend.stop()
            return result
        } catch {
            await backend.stop()
            throw error
        }
    }
}

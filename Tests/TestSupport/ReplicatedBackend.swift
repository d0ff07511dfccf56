import Foundation
import PostgresSupport
import ReferenceBackend
import ThrowawayPostgres

/// A throwaway primary seeded from a source, a streaming standby of it, and the API on each: for the tests
/// of what runs against a read replica. Everything is stopped however `body` ends.
public struct ReplicatedBackend: Sendable {
    public let primaryURL: DatabaseURL
    public let standbyURL: DatabaseURL
    public let onPrimary: RunningAPI
    public let onStandby: RunningAPI

    public static func with<T>(source: URL, _ body: (ReplicatedBackend) async throws -> T) async throws -> T {
        let logger = TestDatabases.logger
        let primary = try await ThrowawayCluster.start(logger: logger)
        var standby: ThrowawayCluster?
        var apis: [RunningAPI] = []
        func stopAll() async {
            for api in apis { await api.stop() }
            await standby?.stop()
            await primary.stop()
        }
        do {
            try await primary.createDatabase("reference")
            let primaryURL = primary.url(database: "reference")
            _ = try await Migrator(logger: logger).migrate(primaryURL)
            _ = try await Seeder(logger: logger).seed(sourceDirectory: source, into: primaryURL)
            let replica = try await primary.startStandby(logger: logger)
            standby = replica
            let standbyURL = replica.url(database: "reference")
            apis.append(try await RunningAPI.start(databaseURL: primaryURL, logger: logger))
            apis.append(try await RunningAPI.start(databaseURL: standbyURL, logger: logger))
            let result = try await body(
                ReplicatedBackend(
                    primaryURL: primaryURL, standbyURL: standbyURL, onPrimary: apis[0], onStandby: apis[1]))
            await stopAll()
            return result
        } catch {
            await stopAll()
            throw error
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// `GET /metrics`: the figures `APIMetrics` kept, with the database's own read at the scrape.
extension ReferenceAPI {
    /// The version the API serves, the schema's, and whether the last seed's record can be read.
    static let metricsVersionSQL = """
        SELECT m.version_seq::float8, (SELECT max(version) FROM schema_migrations)::float8,
               extract(epoch FROM m.last_updated)::float8, to_regclass('reference_seed_runs') IS NOT NULL
        FROM reference_metadata m
        """
    /// The last committed seed (migration 0006).
    static let metricsLastSeedSQL = """
        SELECT extract(epoch FROM finished_at)::float8, source_rows::float8, changed_rows::float8,
               duration_ms / 1000
        FROM reference_seed_runs ORDER BY id DESC LIMIT 1
        """

    /// Reads the database's gauges within `timeout` (`reference_database_up` 0 when it cannot; the other
    /// gauges then keep what the last scrape read), then writes out the registry. Never cached: `no-store`.
    static func metricsResponse(
        _ metrics: APIMetrics, documents: ReferenceDocuments, client: PostgresClient, timeout: Duration,
        logger: Logger
    ) async -> Response {
        do {
            // A database that is gone fails the gate's own connection at once: no wait for the pool.
            _ = try await withDatabaseDeadline(timeout) { try await documents.currentVersion() }
            let readerRole = try await documents.readerRole()
            try await withDatabaseDeadline(timeout) {
                try await client.withConnection(recordingWaitIn: metrics) { connection in
                    try await connection.readOnlySnapshot(readerRole: readerRole, logger: logger) {
                        try await readDatabaseGauges(metrics, on: connection, logger: logger)
                    }
                }
            }
            metrics.databaseUp.record(1)
        } catch {
            logger.debug("metrics: the database's figures could not be read", metadata: ["api.error": "\(error)"])
            metrics.databaseUp.record(0)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: metrics.exposition()))
    }

    private static func readDatabaseGauges(
        _ metrics: APIMetrics, on connection: PostgresConnection, logger: Logger
    ) async throws {
        var seedRecorded = false
        let rows = try await connection.query(PostgresQuery(unsafeSQL: metricsVersionSQL), logger: logger)
        for try await (sequence, schema, updated, recorded) in rows.decode((Double, Double?, Double, Bool).self) {
            metrics.versionSequence.record(sequence)
            metrics.schemaVersion.record(schema ?? 0)
            metrics.lastUpdated.record(updated)
            seedRecorded = recorded
        }
        let replication = try await connection.readReplication(logger: logger)
        metrics.inRecovery.record(replication.inRecovery ? 1 : 0)
        metrics.replayLagSeconds.record(replication.lagSeconds ?? 0)
        metrics.replayLagBytes.record(replication.lagBytes ?? 0)
        guard seedRecorded else { return }
        let seeds = try await connection.query(PostgresQuery(unsafeSQL: metricsLastSeedSQL), logger: logger)
        for try await (finished, sourceRows, changedRows, seconds) in seeds.decode(
            (Double, Double, Double, Double).self)
        {
            metrics.lastSeed(finishedAt: finished, sourceRows: sourceRows, changedRows: changedRows, seconds: seconds)
        }
    }
}

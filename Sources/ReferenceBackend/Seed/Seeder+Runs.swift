import PostgresNIO
import PostgresSupport

/// The record a committed seed leaves in `reference_seed_runs` (migration 0006), read by the API's
/// `/metrics` as the last successful seed.
extension Seeder {
    func recordRun(
        _ tables: [SeedReport.TableStats], versionSequence: Int64, started: ContinuousClock.Instant,
        on connection: PostgresConnection
    ) async throws {
        let sourceRows = Int64(tables.reduce(0) { $0 + $1.sourceRows })
        let changedRows = Int64(
            tables.reduce(0) { $0 + $1.inserted + $1.updated + $1.reactivated + $1.deactivated + $1.adopted })
        let milliseconds = (ContinuousClock.now - started).fractionalMilliseconds
        try await connection.query(
            """
            INSERT INTO reference_seed_runs (duration_ms, source_rows, changed_rows, version_seq)
            VALUES (\(milliseconds), \(sourceRows), \(changedRows), \(versionSequence))
            """, logger: logger)
    }
}

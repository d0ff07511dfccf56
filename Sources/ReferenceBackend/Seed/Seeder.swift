import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// The transactional, idempotent JSON → PostgreSQL seed (plan, phase 2).
///
/// One transaction, tables in the catalog's seed order:
/// 1. every table's source rows are COPYed into a temporary staging table (a table that is empty is loaded
///    directly instead, its secondary indexes and foreign keys rebuilt after its rows are in: ``BulkLoad``);
/// 2. the plan is computed for all tables (inserts, updates, reactivations, deactivations, admin conflicts)
///    and the guardrails are checked; any violation rolls back with nothing written;
/// 3. per table, one upsert (`ON CONFLICT ... DO UPDATE ... WHERE` the row really differs, so identical rows
///    are not written and the version does not move) and one deactivation of seed rows absent from the
///    source. No DELETE anywhere; admin rows are never deactivated or overwritten.
/// Any failure rolls the whole transaction back.
public struct Seeder: Sendable {
    public static let advisoryLockKey: Int64 = 0x7265_6673_6565_64  // "refseed"

    public let options: SeedOptions
    public let logger: Logger

    public init(options: SeedOptions = SeedOptions(), logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Validates `sourceDirectory` and seeds the database at `url`.
    public func seed(sourceDirectory: URL, into url: DatabaseURL) async throws -> SeedReport {
        let source = try ReferenceSource.load(from: sourceDirectory, allowExternalReferences: true)
        return try await url.withConnection(logger: logger) { connection in
            try await seed(source, on: connection)
        }
    }

    /// Seeds an already validated source over an open connection (not inside a transaction).
    public func seed(_ source: ReferenceSource, on connection: PostgresConnection) async throws -> SeedReport {
        let started = ContinuousClock.now
        try await connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
        var final: SeedReport
        do {
            final = try await seedInTransaction(source, on: connection, started: started)
            try await connection.execute("COMMIT", logger: logger)
        } catch {
            try? await connection.execute("ROLLBACK", logger: logger)
            if error is SeedGuardError || error is SourceValidationError { throw error }
            throw SeedDatabaseError(cause: error)
        }
        // Committed: a failure from here on must not claim that nothing was written.
        do {
            final.referenceVersion = try await ReferenceVersion.read(on: connection, logger: logger).token
        } catch {
            throw SeedCommittedError(cause: error)
        }
        final.milliseconds = (ContinuousClock.now - started).fractionalMilliseconds
        logSummary(final)
        return final
    }

    private func seedInTransaction(
        _ source: ReferenceSource, on connection: PostgresConnection, started: ContinuousClock.Instant
    ) async throws -> SeedReport {
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))", logger: logger)
        // 1. Stage every table, as the login user: reference_seeder may not create temporary tables
        // (migration 0005), so it is granted reading the staged rows instead.
        // A table with no rows at all (a first seed) needs no staging, comparison or guard: its source rows are
        // COPYed straight into it in step 3, as `psql \copy` would.
        let seedRole = try await canUseSeedRole(connection)
        var stats: [String: SeedReport.TableStats] = [:]
        var stageTimes: [String: Double] = [:]
        var direct: Set<String> = []
        for table in source.tables {
            let tableStarted = ContinuousClock.now
            if try await isEmpty(table.spec, on: connection) {
                direct.insert(table.spec.name)
                continue
            }
            try await stage(table, on: connection)
            if seedRole {
                try await connection.execute(
                    "GRANT SELECT ON \(Self.stageName(table.spec)) TO reference_seeder", logger: logger)
            }
            stageTimes[table.spec.name] = (ContinuousClock.now - tableStarted).fractionalMilliseconds
        }
        // Tables loaded from empty lose their secondary indexes and foreign keys until their rows are in.
        let bulk = try await BulkLoad.prepare(
            source.tables.filter { direct.contains($0.spec.name) && !$0.rows.isEmpty }.map(\.spec), on: connection,
            logger: logger)
        if seedRole {
            try await connection.execute("SET LOCAL ROLE reference_seeder", logger: logger)
        } else {
            logger.notice("the connecting user is not a member of reference_seeder; seeding with its own privileges")
        }
        try await checkExternalReferences(source.unresolvedReferences, on: connection)
        let before = try await ReferenceVersion.read(on: connection, logger: logger)

        // 2. Plan and guard.
        var violations: [SeedGuardError.Violation] = []
        for table in source.tables {
            if direct.contains(table.spec.name) {
                var tableStats = SeedReport.TableStats(table: table.spec.name)
                tableStats.sourceRows = table.rows.count
                tableStats.inserted = table.rows.count
                stats[table.spec.name] = tableStats
                continue
            }
            let (tableStats, tableViolations) = try await guardedPlan(table, on: connection)
            stats[table.spec.name] = tableStats
            violations += tableViolations
        }
        if !violations.isEmpty { throw SeedGuardError(violations: violations) }
        // 3. Apply in seed order.
        var ordered: [SeedReport.TableStats] = []
        for table in source.tables {
            let tableStarted = ContinuousClock.now
            var tableStats = stats[table.spec.name]!
            if direct.contains(table.spec.name) {
                try await copy(table, into: table.spec.name, on: connection)
            } else {
                try await apply(table, stats: tableStats, on: connection)
            }
            tableStats.milliseconds =
                (ContinuousClock.now - tableStarted).fractionalMilliseconds + (stageTimes[table.spec.name] ?? 0)
            logTable(tableStats)
            ordered.append(tableStats)
        }
        if !bulk.recreate.isEmpty {
            // Back to the login user, who dropped them (reference_seeder owns no table).
            if seedRole { try await connection.execute("RESET ROLE", logger: logger) }
            try await bulk.finish(on: connection, logger: logger)
        }
        let after = try await ReferenceVersion.read(on: connection, logger: logger)
        try await recordRun(ordered, versionSequence: after.sequence, started: started, on: connection)
        let schemaVersion = try await Migrator.schemaVersion(on: connection, logger: logger)
        return SeedReport(
            tables: ordered, milliseconds: 0, schemaVersion: schemaVersion, referenceVersion: after.token,
            versionChanged: after.sequence != before.sequence)
    }
}

import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// Steps 2 and 3 of the seed: per table the plan and its guardrails (empty sources, mass deactivation, admin
/// collisions), then the writes the plan found, and only those.
extension Seeder {
    /// One table's counts and the guardrails it breaks, from its staged rows.
    func guardedPlan(
        _ table: SourceTable, on connection: PostgresConnection
    ) async throws
        -> (SeedReport.TableStats, [SeedGuardError.Violation])
    {
        let spec = table.spec
        let sql = SeedSQL(spec: spec)
        var stats = SeedReport.TableStats(table: spec.name)
        stats.sourceRows = table.rows.count
        var violations: [SeedGuardError.Violation] = []

        let planRows = try await connection.query(PostgresQuery(unsafeSQL: sql.planQuery), logger: logger)
        for try await (inserted, admin, reactivated, updated) in planRows.decode((Int, Int, Int, Int).self) {
            stats.inserted = inserted
            stats.reactivated = reactivated
            stats.updated = updated
            stats.adopted = options.adoptAdminRows ? admin : 0
            stats.unchanged = table.rows.count - inserted - reactivated - updated - admin
            if admin > 0 && !options.adoptAdminRows {
                let keys = try await connection.strings(sql.adminConflictKeysQuery, logger: logger)
                violations.append(
                    .init(
                        table: spec.name,
                        message:
                            "\(admin) source row(s) have the key of an admin row (\(keys.joined(separator: "; "))); "
                            + "admin rows are never overwritten: remove them from the source, or pass --adopt-admin-rows"
                    ))
            }
        }
        let deactivationRows = try await connection.query(
            PostgresQuery(unsafeSQL: sql.deactivationPlanQuery), logger: logger)
        for try await (activeSeed, toDeactivate) in deactivationRows.decode((Int, Int).self) {
            stats.deactivated = toDeactivate
            let emptySource = table.rows.isEmpty && activeSeed > 0
            if emptySource && options.allowEmptyTables.contains(spec.name) {
                // Explicitly allowed: deactivating every seed row is the point.
            } else if emptySource {
                violations.append(
                    .init(
                        table: spec.name,
                        message:
                            "the source is empty but the database has \(activeSeed) active seed row(s); refusing to "
                            + "deactivate them all. If that is intended, pass --allow-empty \(spec.name)"))
            } else if activeSeed > 0, !options.allowMassDeactivationTables.contains(spec.name),
                Double(toDeactivate) / Double(activeSeed) > options.maxDeactivationShare
            {
                let share = Int((Double(toDeactivate) / Double(activeSeed) * 100).rounded())
                violations.append(
                    .init(
                        table: spec.name,
                        message:
                            "the seed would deactivate \(toDeactivate) of \(activeSeed) active seed rows (\(share)%), "
                            + "more than the allowed \(Int(options.maxDeactivationShare * 100))%. If that is intended, "
                            + "pass --allow-mass-deactivation \(spec.name) or raise --max-deactivation-share"))
            }
        }
        return (stats, violations)
    }

    /// Writes what the plan found, and only that: a table the plan found unchanged costs no statement at
    /// all (an identical re-seed is staging and planning only).
    func apply(
        _ table: SourceTable, stats: SeedReport.TableStats, on connection: PostgresConnection
    ) async throws {
        let sql = SeedSQL(spec: table.spec)
        if stats.inserted + stats.updated + stats.reactivated + stats.adopted > 0 {
            // Taking admin rows over is the one change the database's guard lets reference_seeder make, and
            // only with this transaction-local setting (migration 0005), set around this statement alone.
            let adopting = options.adoptAdminRows && stats.adopted > 0
            if adopting {
                try await connection.execute(
                    "SELECT set_config('reference.adopt_admin_rows', 'on', true)", logger: logger)
            }
            try await connection.execute(sql.upsertStatement(adoptAdminRows: options.adoptAdminRows), logger: logger)
            if adopting {
                try await connection.execute(
                    "SELECT set_config('reference.adopt_admin_rows', 'off', true)", logger: logger)
            }
        }
        if stats.deactivated > 0 {
            try await connection.execute(sql.deactivateStatement, logger: logger)
        }
    }
}

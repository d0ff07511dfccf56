import Foundation
import Logging
import NIOCore
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
            let (tableStats, tableViolations) = try await plan(table, on: connection)
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
        let schemaVersion = try await Migrator.schemaVersion(on: connection, logger: logger)
        return SeedReport(
            tables: ordered, milliseconds: 0, schemaVersion: schemaVersion, referenceVersion: after.token,
            versionChanged: after.sequence != before.sequence)
    }

    private func canUseSeedRole(_ connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = 'reference_seeder'",
            logger: logger)
        for try await member in rows.decode(Bool.self) { return member }
        return false
    }

    /// References that point outside the source must name active rows of the database.
    private func checkExternalReferences(
        _ references: [UnresolvedReference], on connection: PostgresConnection
    )
        async throws
    {
        guard !references.isEmpty else { return }
        var problems: [SourceProblem] = []
        let grouped = Dictionary(grouping: references) {
            "\($0.foreignKey.referencedTable)|\($0.foreignKey.referencedColumns.joined(separator: ","))"
        }
        for (_, group) in grouped.sorted(by: { $0.key < $1.key }) {
            let foreignKey = group[0].foreignKey
            guard foreignKey.referencedColumns.count == 1,
                let target = ReferenceCatalog.table(named: foreignKey.referencedTable)
            else { continue }
            let wanted = Array(Set(group.map { $0.values[0] }))
            let sql =
                "SELECT \(quoteIdentifier(foreignKey.referencedColumns[0]))::text FROM \(quoteIdentifier(target.name)) WHERE is_active AND \(quoteIdentifier(foreignKey.referencedColumns[0])) = ANY($1::text[])"
            var bindings = PostgresBindings()
            bindings.append(wanted)
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            var found = Set<String>()
            for try await value in rows.decode(String.self) { found.insert(value) }
            for reference in group where !found.contains(reference.values[0]) {
                problems.append(
                    SourceProblem(
                        .unresolvedReference, file: "\(reference.table).json", table: reference.table,
                        row: reference.row,
                        key: reference.key, field: reference.foreignKey.columns.joined(separator: ","),
                        message:
                            "\(reference.values[0]) is neither in \(target.name).json nor an active row of \(target.name)"
                    ))
            }
        }
        if !problems.isEmpty {
            throw SourceValidationError(
                problems: problems.sorted { ($0.table ?? "", $0.row ?? 0) < ($1.table ?? "", $1.row ?? 0) })
        }
    }

    static func stageName(_ spec: TableSpec) -> String { "seed_stage_\(spec.name)" }

    private func stage(_ table: SourceTable, on connection: PostgresConnection) async throws {
        let spec = table.spec
        let stageName = Self.stageName(spec)
        let columnList = spec.columns.map { quoteIdentifier($0.name) }.joined(separator: ", ")
        try await connection.execute(
            "CREATE TEMP TABLE \(stageName) ON COMMIT DROP AS SELECT \(columnList) FROM \(quoteIdentifier(spec.name)) WITH NO DATA",
            logger: logger)
        try await copy(table, into: stageName, on: connection)
        try await connection.execute("ANALYZE \(stageName)", logger: logger)
    }

    /// Whether `spec`'s table has no rows at all (active or not, seed or admin).
    private func isEmpty(_ spec: TableSpec, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT NOT EXISTS (SELECT 1 FROM \(quoteIdentifier(spec.name)))"), logger: logger)
        for try await empty in rows.decode(Bool.self) { return empty }
        return false
    }

    /// COPYs the source rows of `table` into `target` (the catalog columns; `is_active` and `source_type` take
    /// their defaults, true and 'seed').
    private func copy(_ table: SourceTable, into target: String, on connection: PostgresConnection) async throws {
        let spec = table.spec
        guard !table.rows.isEmpty else { return }
        try await connection.copyFrom(
            table: target, columns: spec.columns.map(\.name), format: .text(.init()), logger: logger
        ) { writer in
            var buffer = ByteBufferAllocator().buffer(capacity: 1 << 17)
            for row in table.rows {
                CopyEncoder.appendRow(row, columns: spec.columns, to: &buffer)
                if buffer.readableBytes >= 1 << 16 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }

    private func plan(
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
    private func apply(
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

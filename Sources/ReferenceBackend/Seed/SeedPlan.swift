import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// What a seed would do, computed without writing (`reference-backend seed --dry-run`): per table the rows it
/// would insert, update (and which fields), reactivate and deactivate, and the source rows that collide with
/// admin rows. Computed in a `READ ONLY` transaction with the seed's own comparison (values as text, so
/// `1.10` vs `1.1` and array order count), the source passed as one binary `text[]` parameter per column and
/// read by `unnest`: no staging table, no temporary object.
public struct SeedPlan: Sendable {
    /// Rows that would change in one column.
    public struct FieldChange: Sendable, Hashable {
        public let field: String
        public let rows: Int
    }

    public struct TablePlan: Sendable, Hashable {
        public let table: String
        public let sourceRows: Int
        public let inserted: Int
        public let updated: Int
        /// Rows that would change per column, for the columns that change.
        public let updatedFields: [FieldChange]
        public let reactivated: Int
        public let deactivated: Int
        public let adminConflicts: Int

        public var isEmpty: Bool { inserted + updated + reactivated + deactivated + adminConflicts == 0 }
    }

    public let tables: [TablePlan]
    public let milliseconds: Double

    /// Nothing would be written.
    public var isEmpty: Bool { tables.allSatisfy(\.isEmpty) }

    public var text: String {
        var lines: [String] = []
        for plan in tables where !plan.isEmpty {
            var parts: [String] = []
            if plan.inserted > 0 { parts.append("insert \(plan.inserted)") }
            if plan.updated > 0 {
                parts.append(
                    "update \(plan.updated) ("
                        + plan.updatedFields.map { "\($0.field) \($0.rows)" }.joined(separator: ", ") + ")")
            }
            if plan.reactivated > 0 { parts.append("reactivate \(plan.reactivated)") }
            if plan.deactivated > 0 { parts.append("deactivate \(plan.deactivated)") }
            if plan.adminConflicts > 0 { parts.append("\(plan.adminConflicts) source rows collide with admin rows") }
            lines.append("\(plan.table): " + parts.joined(separator: ", "))
        }
        lines.append(
            isEmpty
                ? "the database already holds the source: a seed would write nothing"
                : "a seed would change \(tables.filter { !$0.isEmpty }.count) of \(tables.count) tables")
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        var root = JSONObject()
        root.append("empty", .bool(isEmpty))
        root.append(
            "tables",
            .array(
                tables.map { plan in
                    var object = JSONObject()
                    object.append("table", .string(plan.table))
                    object.append("sourceRows", .number(JSONNumber(plan.sourceRows)))
                    object.append("insert", .number(JSONNumber(plan.inserted)))
                    object.append("update", .number(JSONNumber(plan.updated)))
                    var fields = JSONObject()
                    for change in plan.updatedFields { fields.append(change.field, .number(JSONNumber(change.rows))) }
                    object.append("updatedFields", .object(fields))
                    object.append("reactivate", .number(JSONNumber(plan.reactivated)))
                    object.append("deactivate", .number(JSONNumber(plan.deactivated)))
                    object.append("adminConflicts", .number(JSONNumber(plan.adminConflicts)))
                    return .object(object)
                }))
        root.append("milliseconds", .number(JSONNumber(literal: String(format: "%.1f", milliseconds))))
        return .object(root)
    }
}

extension Seeder {
    /// Validates `sourceDirectory` and computes the seed plan against the database at `url`, writing nothing.
    public func plan(sourceDirectory: URL, against url: DatabaseURL) async throws -> SeedPlan {
        let source = try ReferenceSource.load(from: sourceDirectory, allowExternalReferences: true)
        return try await url.withConnection(logger: logger) { connection in
            try await plan(source, on: connection)
        }
    }

    /// The plan over an open connection, in a `READ ONLY` transaction that is rolled back.
    public func plan(_ source: ReferenceSource, on connection: PostgresConnection) async throws -> SeedPlan {
        let started = ContinuousClock.now
        try await connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
        do {
            // One plan for any array size: a custom plan reads every array parameter once more while planning
            // (1.2 s of 3.2 s for 200,000 exercises). Its row estimate is then a guess, so a hash join is asked
            // for (an index probe per source row is slower past a few thousand rows) with room to hash in memory.
            for setting in ["plan_cache_mode = force_generic_plan", "enable_nestloop = off", "work_mem = '256MB'"] {
                try await connection.execute("SET LOCAL \(setting)", logger: logger)
            }
            var plans: [SeedPlan.TablePlan] = []
            // The next table's parameters are encoded while the database computes this table's plan.
            let tables = source.tables
            var next = tables.first.map { first in Task { PlanParameters(first) } }
            for (index, table) in tables.enumerated() {
                guard let parameters = await next?.value else { break }
                next =
                    index + 1 < tables.count
                    ? Task { [following = tables[index + 1]] in PlanParameters(following) } : nil
                plans.append(try await plan(table, parameters, on: connection))
            }
            try await connection.execute("ROLLBACK", logger: logger)
            return SeedPlan(tables: plans, milliseconds: (ContinuousClock.now - started).fractionalMilliseconds)
        } catch {
            try? await connection.execute("ROLLBACK", logger: logger)
            throw SeedDatabaseError(cause: error)
        }
    }

    private func plan(
        _ table: SourceTable, _ parameters: PlanParameters, on connection: PostgresConnection
    ) async throws -> SeedPlan.TablePlan {
        let spec = table.spec
        let name = quoteIdentifier(spec.name)
        let keys = spec.primaryKey.map(quoteIdentifier)
        let values = spec.columns.map(\.name).filter { !spec.primaryKey.contains($0) }
        let match = keys.map { "t.\($0) = s.\($0)" }.joined(separator: " AND ")
        // `s` holds each value column as the text the seed compares (`column::text`), see `PlanParameters`.
        let differs =
            values.isEmpty
            ? "false"
            : "ROW(\(values.map { "t.\(quoteIdentifier($0))::text" }.joined(separator: ", "))) IS DISTINCT FROM "
                + "ROW(\(values.map { "s.\(quoteIdentifier($0))" }.joined(separator: ", ")))"
        let live = "t.\(keys[0]) IS NOT NULL AND t.source_type = 'seed' AND t.is_active"
        let fieldCounts = values.map {
            "count(*) FILTER (WHERE \(live) AND t.\(quoteIdentifier($0))::text IS DISTINCT FROM s.\(quoteIdentifier($0)))::int8"
        }
        let columns = spec.columns.enumerated().map { position, column in
            "\(PlanParameters.expression("u.c\(position)", column, isKey: spec.primaryKey.contains(column.name))) "
                + "AS \(quoteIdentifier(column.name))"
        }
        let unnested = spec.columns.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        let aliases = spec.columns.indices.map { "c\($0)" }.joined(separator: ", ")
        let source = "SELECT \(columns.joined(separator: ", ")) FROM unnest(\(unnested)) AS u(\(aliases))"
        // The counts first; the per-field counts only for a table with updates.
        let sql = """
            WITH s AS (\(source))
            SELECT count(*) FILTER (WHERE t.\(keys[0]) IS NULL)::int8,
                   count(*) FILTER (WHERE t.\(keys[0]) IS NOT NULL AND t.source_type = 'admin')::int8,
                   count(*) FILTER (WHERE t.\(keys[0]) IS NOT NULL AND t.source_type = 'seed' AND NOT t.is_active)::int8,
                   count(*) FILTER (WHERE \(live) AND \(differs))::int8,
                   (SELECT count(*) FROM \(name) t LEFT JOIN s ON \(match)
                    WHERE t.source_type = 'seed' AND t.is_active AND s.\(keys[0]) IS NULL)::int8
            FROM s LEFT JOIN \(name) t ON \(match)
            """
        var bindings = PostgresBindings()
        for column in parameters.columns { bindings.append(column, context: .default) }
        var counts: [Int] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        {
            let columns = row.makeRandomAccess()
            counts = try (0..<5).map { Int(try columns[$0].decode(Int64.self)) }
        }
        guard counts.count == 5 else { throw SeedPlanError(table: spec.name) }
        var fields: [SeedPlan.FieldChange] = []
        if counts[3] > 0, !fieldCounts.isEmpty {
            let fieldSQL = """
                WITH s AS (\(source))
                SELECT \(fieldCounts.joined(separator: ", ")) FROM s JOIN \(name) t ON \(match)
                """
            for try await row in try await connection.query(
                PostgresQuery(unsafeSQL: fieldSQL, binds: bindings), logger: logger)
            {
                let columns = row.makeRandomAccess()
                for (offset, field) in values.enumerated() {
                    let changed = Int(try columns[offset].decode(Int64.self))
                    if changed > 0 { fields.append(SeedPlan.FieldChange(field: field, rows: changed)) }
                }
            }
        }
        return SeedPlan.TablePlan(
            table: spec.name, sourceRows: table.rows.count, inserted: counts[0], updated: counts[3],
            updatedFields: fields, reactivated: counts[2], deactivated: counts[4], adminConflicts: counts[1])
    }
}

/// The plan query returned no row (it always returns one).
struct SeedPlanError: Error, CustomStringConvertible {
    let table: String
    var description: String { "the seed plan query for \(table) returned no row" }
}

import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// What a seed would do, computed without writing (`reference-backend seed --dry-run`): per table the rows it
/// would insert, update (and which fields), reactivate and deactivate, and the source rows that collide with
/// admin rows. Computed in a `READ ONLY` transaction with the seed's own comparison (values as text, so
/// `1.10` vs `1.1` and array order count), the source passed as one JSON parameter per table and typed by
/// `jsonb_populate_recordset`: no staging table, no temporary object.
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
            var plans: [SeedPlan.TablePlan] = []
            for table in source.tables { plans.append(try await plan(table, on: connection)) }
            try await connection.execute("ROLLBACK", logger: logger)
            return SeedPlan(tables: plans, milliseconds: (ContinuousClock.now - started).fractionalMilliseconds)
        } catch {
            try? await connection.execute("ROLLBACK", logger: logger)
            throw SeedDatabaseError(cause: error)
        }
    }

    private func plan(_ table: SourceTable, on connection: PostgresConnection) async throws -> SeedPlan.TablePlan {
        let spec = table.spec
        let name = quoteIdentifier(spec.name)
        let keys = spec.primaryKey.map(quoteIdentifier)
        let values = spec.columns.map(\.name).filter { !spec.primaryKey.contains($0) }
        let match = keys.map { "t.\($0) = s.\($0)" }.joined(separator: " AND ")
        let differs =
            values.isEmpty
            ? "false"
            : "ROW(\(values.map { "t.\(quoteIdentifier($0))::text" }.joined(separator: ", "))) IS DISTINCT FROM "
                + "ROW(\(values.map { "s.\(quoteIdentifier($0))::text" }.joined(separator: ", ")))"
        let live = "t.\(keys[0]) IS NOT NULL AND t.source_type = 'seed' AND t.is_active"
        let fieldCounts = values.map {
            "count(*) FILTER (WHERE \(live) AND t.\(quoteIdentifier($0))::text IS DISTINCT FROM s.\(quoteIdentifier($0))::text)::int8"
        }
        let source = "SELECT * FROM jsonb_populate_recordset(NULL::public.\(name), $1::jsonb)"
        let sql = """
            WITH s AS (\(source))
            SELECT count(*) FILTER (WHERE t.\(keys[0]) IS NULL)::int8,
                   count(*) FILTER (WHERE t.\(keys[0]) IS NOT NULL AND t.source_type = 'admin')::int8,
                   count(*) FILTER (WHERE t.\(keys[0]) IS NOT NULL AND t.source_type = 'seed' AND NOT t.is_active)::int8,
                   count(*) FILTER (WHERE \(live) AND \(differs))::int8,
                   (SELECT count(*) FROM \(name) t LEFT JOIN s ON \(match)
                    WHERE t.source_type = 'seed' AND t.is_active AND s.\(keys[0]) IS NULL)::int8
                   \(fieldCounts.map { ", " + $0 }.joined())
            FROM s LEFT JOIN \(name) t ON \(match)
            """
        var bindings = PostgresBindings()
        bindings.append(Self.json(table))
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await row in rows {
            let columns = row.makeRandomAccess()
            func count(_ index: Int) throws -> Int { Int(try columns[index].decode(Int64.self)) }
            var fields: [SeedPlan.FieldChange] = []
            for (offset, field) in values.enumerated() {
                let changed = try count(5 + offset)
                if changed > 0 { fields.append(SeedPlan.FieldChange(field: field, rows: changed)) }
            }
            return SeedPlan.TablePlan(
                table: spec.name, sourceRows: table.rows.count, inserted: try count(0), updated: try count(3),
                updatedFields: fields, reactivated: try count(2), deactivated: try count(4),
                adminConflicts: try count(1))
        }
        throw SeedPlanError(table: spec.name)
    }

    /// The table's validated rows as one JSON array of objects with every catalog column.
    static func json(_ table: SourceTable) -> String {
        var elements: [JSONValue] = []
        elements.reserveCapacity(table.rows.count)
        for row in table.rows {
            var object = JSONObject()
            for (position, column) in table.spec.columns.enumerated() { object.append(column.name, row[position]) }
            elements.append(.object(object))
        }
        return JSONWriter().string(.array(elements))
    }
}

/// The plan query returned no row (it always returns one).
struct SeedPlanError: Error, CustomStringConvertible {
    let table: String
    var description: String { "the seed plan query for \(table) returned no row" }
}

import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

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
        var named: [SeedPlan.RowChange] = []
        if counts.contains(where: { $0 > 0 }) {
            named = try await namedRows(
                spec, source: source, match: match, live: live, differs: differs, values: values, bindings: bindings,
                on: connection)
        }
        return SeedPlan.TablePlan(
            table: spec.name, sourceRows: table.rows.count, inserted: counts[0], updated: counts[3],
            updatedFields: fields, reactivated: counts[2], deactivated: counts[4], adminConflicts: counts[1],
            rows: named)
    }

    /// The first rows of each kind by key (byte order), at most ``SeedPlan/namedRowsPerKind`` each, with the
    /// fields each update would change.
    private func namedRows(
        _ spec: TableSpec, source: String, match: String, live: String, differs: String, values: [String],
        bindings: PostgresBindings, on connection: PostgresConnection
    ) async throws -> [SeedPlan.RowChange] {
        let keys = spec.primaryKey.map(quoteIdentifier)
        func keyArray(_ alias: String) -> String {
            "ARRAY[\(keys.map { "\(alias).\($0)::text" }.joined(separator: ", "))]"
        }
        func order(_ alias: String) -> String {
            keys.map { "\(alias).\($0)::text COLLATE \"C\"" }.joined(separator: ", ")
        }
        let limit = SeedPlan.namedRowsPerKind
        let changed =
            values.isEmpty
            ? "ARRAY[]::text[]"
            : "array_remove(ARRAY[\(values.map { "CASE WHEN t.\(quoteIdentifier($0))::text IS DISTINCT FROM s.\(quoteIdentifier($0)) THEN '\($0)' END" }.joined(separator: ", "))], NULL)"
        func fromSource(
            _ kind: SeedPlan.RowChange.Kind, _ condition: String, fields: String = "ARRAY[]::text[]"
        )
            -> String
        {
            """
            (SELECT '\(kind.rawValue)', \(keyArray("s")), \(fields) FROM s LEFT JOIN \(quoteIdentifier(spec.name)) t ON \(match)
             WHERE \(condition) ORDER BY \(order("s")) LIMIT \(limit))
            """
        }
        let sql = """
            WITH s AS (\(source))
            \(fromSource(.insert, "t.\(keys[0]) IS NULL"))
            UNION ALL \(fromSource(.adminConflict, "t.\(keys[0]) IS NOT NULL AND t.source_type = 'admin'"))
            UNION ALL \(fromSource(.reactivate, "t.\(keys[0]) IS NOT NULL AND t.source_type = 'seed' AND NOT t.is_active"))
            UNION ALL \(fromSource(.update, "\(live) AND \(differs)", fields: changed))
            UNION ALL (SELECT 'deactivate', \(keyArray("t")), ARRAY[]::text[]
                       FROM \(quoteIdentifier(spec.name)) t LEFT JOIN s ON \(match)
                       WHERE t.source_type = 'seed' AND t.is_active AND s.\(keys[0]) IS NULL
                       ORDER BY \(order("t")) LIMIT \(limit))
            """
        var named: [SeedPlan.RowChange] = []
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await (kind, key, fields) in rows.decode((String, [String], [String]).self) {
            guard let kind = SeedPlan.RowChange.Kind(rawValue: kind), key.count == spec.primaryKey.count else {
                continue
            }
            named.append(
                SeedPlan.RowChange(
                    kind: kind, key: Array(zip(spec.primaryKey, key)).map { (column: $0.0, value: $0.1) },
                    fields: fields))
        }
        return named
    }
}

/// The plan query returned no row (it always returns one).
struct SeedPlanError: Error, CustomStringConvertible {
    let table: String
    var description: String { "the seed plan query for \(table) returned no row" }
}

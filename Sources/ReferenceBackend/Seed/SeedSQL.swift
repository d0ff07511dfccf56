import PostgresSupport
import ReferenceCatalog

/// The seed's statements for one table, built from the catalog only (identifiers are quoted; no value is
/// ever concatenated: values travel through COPY into the staging table).
struct SeedSQL {
    let spec: TableSpec

    private var table: String { quoteIdentifier(spec.name) }
    private var stage: String { Seeder.stageName(spec) }
    private var keyColumns: [String] { spec.primaryKey.map(quoteIdentifier) }
    private var valueColumns: [String] {
        spec.columns.map(\.name).filter { !spec.primaryKey.contains($0) }.map(quoteIdentifier)
    }

    /// `t.k1 = s.k1 AND ...`
    private func keyMatch(_ left: String, _ right: String) -> String {
        keyColumns.map { "\(left).\($0) = \(right).\($0)" }.joined(separator: " AND ")
    }

    /// Whether the non-key values differ, compared as text so that a decimal's written form (1.10 vs 1.1)
    /// and array order count, exactly as the versioning trigger sees them.
    private func differs(_ current: String, _ incoming: String) -> String {
        guard !valueColumns.isEmpty else { return "false" }
        let left = valueColumns.map { "\(current).\($0)::text" }.joined(separator: ", ")
        let right = valueColumns.map { "\(incoming).\($0)::text" }.joined(separator: ", ")
        return "ROW(\(left)) IS DISTINCT FROM ROW(\(right))"
    }

    /// (inserted, admin conflicts, reactivated, updated) for the staged rows.
    var planQuery: String {
        let firstKey = keyColumns[0]
        return """
            SELECT count(*) FILTER (WHERE t.\(firstKey) IS NULL)::int8,
                   count(*) FILTER (WHERE t.\(firstKey) IS NOT NULL AND t.source_type = 'admin')::int8,
                   count(*) FILTER (WHERE t.\(firstKey) IS NOT NULL AND t.source_type = 'seed' AND NOT t.is_active)::int8,
                   count(*) FILTER (WHERE t.\(firstKey) IS NOT NULL AND t.source_type = 'seed' AND t.is_active
                                      AND \(differs("t", "s")))::int8
            FROM \(stage) s LEFT JOIN \(table) t ON \(keyMatch("t", "s"))
            """
    }

    /// Keys of staged rows that collide with admin rows (at most 10), for the message.
    var adminConflictKeysQuery: String {
        let key = keyColumns.map { "s.\($0)::text" }.joined(separator: " || ', ' || ")
        return """
            SELECT \(key) FROM \(stage) s JOIN \(table) t ON \(keyMatch("t", "s"))
            WHERE t.source_type = 'admin' ORDER BY 1 LIMIT 10
            """
    }

    /// (active seed rows, of which absent from the source). A join, not a `NOT EXISTS` inside `FILTER`:
    /// that would be a correlated subplan, quadratic in the table size.
    var deactivationPlanQuery: String {
        let firstKey = keyColumns[0]
        return """
            SELECT count(*)::int8, count(*) FILTER (WHERE s.\(firstKey) IS NULL)::int8
            FROM \(table) t LEFT JOIN \(stage) s ON \(keyMatch("t", "s"))
            WHERE t.source_type = 'seed' AND t.is_active
            """
    }

    func upsertStatement(adoptAdminRows: Bool) -> String {
        let columns = spec.columns.map { quoteIdentifier($0.name) }
        let assignments = valueColumns.map { "\($0) = excluded.\($0)" } + ["is_active = true", "source_type = 'seed'"]
        let ownership = adoptAdminRows ? "" : "t.source_type = 'seed' AND "
        return """
            INSERT INTO \(table) AS t (\(columns.joined(separator: ", ")), is_active, source_type)
            SELECT \(columns.joined(separator: ", ")), true, 'seed' FROM \(stage)
            ON CONFLICT (\(keyColumns.joined(separator: ", "))) DO UPDATE SET \(assignments.joined(separator: ", "))
            WHERE \(ownership)(NOT t.is_active OR t.source_type <> 'seed' OR \(differs("t", "excluded")))
            """
    }

    /// Seed rows absent from the source become inactive; admin rows are never touched.
    var deactivateStatement: String {
        """
        UPDATE \(table) t SET is_active = false
        WHERE t.source_type = 'seed' AND t.is_active
          AND NOT EXISTS (SELECT 1 FROM \(stage) s WHERE \(keyMatch("t", "s")))
        """
    }
}

import Logging
import PostgresNIO
import PostgresSupport
import ReferenceCatalog

/// Compares a migrated database's schema with the catalog: for the cutover checklist, which must prove the
/// schema from the database itself. Returns one line per problem; none means the schema holds.
public enum SchemaInspector {
    public static func problems(on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var problems: [String] = []
        for spec in ReferenceCatalog.tables {
            let columns = try await connection.strings(
                """
                SELECT a.attname || ' ' || format_type(coalesce(nullif(t.typbasetype, 0), a.atttypid), a.atttypmod)
                       || CASE WHEN a.attnotnull OR t.typnotnull THEN ' not null' ELSE '' END
                FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                WHERE a.attrelid = to_regclass('public.\(spec.name)') AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """, logger: logger)
            if columns.isEmpty {
                problems.append("\(spec.name): table missing")
                continue
            }
            let expected =
                spec.columns.map { "\($0.name) \($0.type.postgresType)\($0.isNullable ? "" : " not null")" }
                + ["is_active boolean not null", "source_type text not null"]
            if columns != expected {
                problems.append("\(spec.name): columns \(columns) differ from the catalog \(expected)")
            }
            let key = try await connection.strings(
                """
                SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index i
                CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(att, n)
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att
                WHERE i.indrelid = '\(spec.name)'::regclass AND i.indisprimary
                """, logger: logger)
            if key != [spec.primaryKey.joined(separator: ",")] { problems.append("\(spec.name): primary key \(key)") }
            let foreignKeys = try await connection.strings(
                """
                SELECT c.conname::text FROM pg_constraint c
                WHERE c.conrelid = '\(spec.name)'::regclass AND c.contype = 'f'
                  AND (c.confupdtype <> 'c' OR c.confdeltype <> 'r'
                       OR NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
                                      AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey))
                """, logger: logger)
            for name in foreignKeys {
                problems.append("\(spec.name): foreign key \(name) is not CASCADE/RESTRICT or has no index")
            }
            let foreignKeyCount = try await connection.strings(
                "SELECT count(*)::text FROM pg_constraint WHERE conrelid = '\(spec.name)'::regclass AND contype = 'f'",
                logger: logger)
            if foreignKeyCount != ["\(spec.foreignKeys.count)"] {
                problems.append(
                    "\(spec.name): \(foreignKeyCount.first ?? "?") foreign keys, the catalog has \(spec.foreignKeys.count)"
                )
            }
            let guardrails = try await connection.strings(
                """
                SELECT count(*)::text FROM pg_constraint WHERE conrelid = '\(spec.name)'::regclass AND contype = 'c'
                  AND pg_get_constraintdef(oid) LIKE '%source_type%seed%admin%'
                """, logger: logger)
            if guardrails != ["1"] { problems.append("\(spec.name): no source_type CHECK") }
            let activeIndexes = try await connection.strings(
                """
                SELECT count(*)::text FROM pg_index
                WHERE indrelid = '\(spec.name)'::regclass AND pg_get_expr(indpred, indrelid) = 'is_active'
                """, logger: logger)
            if activeIndexes != ["1"] { problems.append("\(spec.name): no partial index over active rows") }
        }
        // Row-level triggers: only the admin-row guard (migration 0005), which runs for the rows its WHEN
        // clause picks; the versioning trigger is statement-level.
        let rowTriggers = try await connection.strings(
            """
            SELECT count(*)::text FROM pg_trigger
            WHERE NOT tgisinternal AND (tgtype & 1) = 1
              AND NOT (tgfoid = 'reference_guard_admin_rows'::regproc AND tgqual IS NOT NULL AND (tgtype & 2) = 2)
            """, logger: logger)
        if rowTriggers != ["0"] {
            problems.append("row-level triggers other than the admin-row guard: \(rowTriggers[0])")
        }
        let guards = try await connection.strings(
            "SELECT count(*)::text FROM pg_trigger WHERE tgfoid = 'reference_guard_admin_rows'::regproc",
            logger: logger)
        if guards != ["\(2 * ReferenceCatalog.tables.count)"] {
            problems.append("admin-row guard triggers: \(guards.first ?? "?") (expected 2 per table)")
        }
        return problems
    }
}

import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend
import ReferenceCatalog
import TestSupport
import Testing

/// The migrated schema and the catalog describe the same 20 tables, column by column.
@Suite("Migrated schema matches the catalog", .integration)
struct SchemaCatalogTests {
    let logger = TestDatabases.logger

    @Test("columns: names, types, nullability and order", arguments: ReferenceCatalog.tables)
    func columns(table: TableSpec) async throws {
        let url = try await TestDatabases.suiteDatabase("schema")
        try await url.withConnection(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT a.attname::text,
                       format_type(coalesce(nullif(t.typbasetype, 0), a.atttypid), a.atttypmod),
                       (a.attnotnull OR coalesce(t.typnotnull, false))
                FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                WHERE a.attrelid = \(table.name)::regclass AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """, logger: logger)
            var actual: [String] = []
            for try await (name, type, notNull) in rows.decode((String, String, Bool).self) {
                actual.append("\(name) \(type)\(notNull ? " not null" : "")")
            }
            let expected =
                table.columns.map { "\($0.name) \($0.type.postgresType)\($0.isNullable ? "" : " not null")" }
                + ["is_active boolean not null", "source_type text not null"]
            #expect(actual == expected)
        }
    }

    @Test("primary keys are the natural keys, in order", arguments: ReferenceCatalog.tables)
    func primaryKeys(table: TableSpec) async throws {
        let url = try await TestDatabases.suiteDatabase("schema")
        try await url.withConnection(logger: logger) { connection in
            let columns = try await connection.strings(
                """
                SELECT a.attname::text FROM pg_index i
                CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = '\(table.name)'::regclass AND i.indisprimary ORDER BY k.position
                """)
            #expect(columns == table.primaryKey)
        }
    }

    @Test(
        "foreign keys: ON UPDATE CASCADE ON DELETE RESTRICT, each with an index leading with its columns",
        arguments: ReferenceCatalog.tables)
    func foreignKeys(table: TableSpec) async throws {
        let url = try await TestDatabases.suiteDatabase("schema")
        try await url.withConnection(logger: logger) { connection in
            let actual = try await connection.strings(
                """
                SELECT (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(att, n)
                          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att)
                       || '->' || c.confrelid::regclass::text || '('
                       || (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(att, n)
                          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att)
                       || ') update=' || c.confupdtype::text || ' delete=' || c.confdeltype::text
                       || ' indexed=' || EXISTS (
                            SELECT 1 FROM pg_index i
                            WHERE i.indrelid = c.conrelid
                              AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)::text
                FROM pg_constraint c WHERE c.conrelid = '\(table.name)'::regclass AND c.contype = 'f'
                ORDER BY 1
                """)
            let expected = table.foreignKeys.map {
                "\($0.columns.joined(separator: ","))->\($0.referencedTable)(\($0.referencedColumns.joined(separator: ","))) update=c delete=r indexed=true"
            }.sorted()
            #expect(actual == expected)
        }
    }

    @Test(
        "is_active and source_type with its CHECK, and a partial index over active rows in key order",
        arguments: ReferenceCatalog.tables)
    func systemColumnsAndActiveIndex(table: TableSpec) async throws {
        let url = try await TestDatabases.suiteDatabase("schema")
        try await url.withConnection(logger: logger) { connection in
            let checks = try await connection.strings(
                """
                SELECT pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = '\(table.name)'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%source_type%'
                """)
            #expect(checks == ["CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))"])
            let defaults = try await connection.strings(
                """
                SELECT column_name || '=' || column_default FROM information_schema.columns
                WHERE table_name = '\(table.name)' AND column_name IN ('is_active', 'source_type') ORDER BY column_name
                """)
            #expect(defaults == ["is_active=true", "source_type='seed'::text"])
            let activeIndexes = try await connection.strings(
                """
                SELECT pg_get_indexdef(indexrelid) FROM pg_index
                WHERE indrelid = '\(table.name)'::regclass AND pg_get_expr(indpred, indrelid) = 'is_active'
                """)
            #expect(activeIndexes.count == 1)
            #expect(
                activeIndexes.first?.hasSuffix("(\(table.primaryKey.joined(separator: ", "))) WHERE is_active") == true)
        }
    }

    @Test("the versioning trigger is statement-level on every table and event, never row-level")
    func triggers() async throws {
        let url = try await TestDatabases.suiteDatabase("schema")
        try await url.withConnection(logger: logger) { connection in
            let rowLevel = try await connection.integer(
                """
                SELECT count(*) FROM pg_trigger
                WHERE NOT tgisinternal AND (tgtype & 1) = 1 AND tgfoid = 'reference_bump_version'::regproc
                """)
            #expect(rowLevel == 0)
            // The only row-level triggers: the admin-row guard, BEFORE, with a WHEN clause, two per table.
            let guards = try await connection.strings(
                """
                SELECT c.relname || ':' || string_agg(CASE WHEN t.tgtype & 4 <> 0 THEN 'insert' ELSE 'update' END, ','
                                                      ORDER BY t.tgtype & 4)
                FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE NOT t.tgisinternal AND (t.tgtype & 1) = 1
                  AND (t.tgfoid <> 'reference_guard_admin_rows'::regproc OR t.tgqual IS NOT NULL AND (t.tgtype & 2) = 2)
                GROUP BY c.relname ORDER BY c.relname
                """)
            #expect(guards == ReferenceCatalog.tableNames.sorted().map { "\($0):update,insert" })
            let perTable = try await connection.strings(
                """
                SELECT relname || ':' || string_agg(event, ',' ORDER BY event) FROM (
                    SELECT c.relname::text AS relname,
                           CASE WHEN t.tgtype & 4 <> 0 THEN 'insert' WHEN t.tgtype & 8 <> 0 THEN 'delete'
                                WHEN t.tgtype & 16 <> 0 THEN 'update' ELSE 'truncate' END AS event
                    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
                    WHERE NOT t.tgisinternal AND p.proname = 'reference_bump_version') events
                GROUP BY relname ORDER BY relname
                """)
            #expect(perTable == ReferenceCatalog.tableNames.sorted().map { "\($0):delete,insert,truncate,update" })
        }
    }
}

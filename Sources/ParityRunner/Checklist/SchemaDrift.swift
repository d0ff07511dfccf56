import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend

/// The reference schema of a database as named objects and their definitions, read from the system catalogs
/// only (no writes): applied migrations, columns, constraints (keys, foreign keys with their actions,
/// CHECKs), indexes, triggers, functions and the roles' table grants. Two snapshots compare by name.
public struct SchemaSnapshot: Sendable, Hashable {
    /// `kind name` → definition, e.g. `index exercises_active_idx` → its `CREATE INDEX`.
    public let objects: [String: String]

    static let queries: [(kind: String, sql: String)] = [
        (
            "column",
            """
            SELECT c.table_name || '.' || c.column_name,
                   c.data_type || '/' || c.udt_name || ' ' || c.is_nullable || ' default ' || coalesce(c.column_default, '-')
            FROM information_schema.columns c
            WHERE c.table_schema = 'public'
            """
        ),
        (
            "constraint",
            """
            SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0
            """
        ),
        ("index", "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"),
        (
            "trigger",
            """
            SELECT tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid)
            FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
            """
        ),
        (
            "function",
            "SELECT proname, md5(pg_get_functiondef(oid)) FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
        ),
        (
            "grant",
            """
            SELECT grantee || ' ' || privilege_type || ' ' || table_name, 'granted'
            FROM information_schema.role_table_grants
            WHERE table_schema = 'public' AND grantee IN ('reference_reader', 'reference_seeder')
            """
        ),
        (
            "migration",
            "SELECT lpad(version::text, 4, '0') || ' ' || name, checksum FROM schema_migrations"
        ),
    ]

    /// Reads the snapshot over `connection` (SELECTs only).
    public static func read(on connection: PostgresConnection, logger: Logger) async throws -> SchemaSnapshot {
        var objects: [String: String] = [:]
        for (kind, sql) in queries {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            for try await (name, definition) in rows.decode((String, String).self) {
                objects["\(kind) \(name)"] = definition
            }
        }
        return SchemaSnapshot(objects: objects)
    }

    /// What `live` has that this (expected) snapshot does not, what it lacks, and what differs, each named;
    /// objects whose name (after the kind) is in `ignoring` are left out.
    public func drift(of live: SchemaSnapshot, ignoring: Set<String> = []) -> [String] {
        func ignored(_ key: String) -> Bool {
            let name = key.split(separator: " ", maxSplits: 1).last.map(String.init) ?? key
            return ignoring.contains(name) || ignoring.contains(key)
        }
        var problems: [String] = []
        for key in objects.keys.sorted() where !ignored(key) {
            guard let found = live.objects[key] else {
                problems.append("\(key) missing")
                continue
            }
            if found != objects[key] {
                problems.append(
                    key.hasPrefix("migration ")
                        ? "\(key) checksum differs" : "\(key) differs: expected \(objects[key]!), found \(found)")
            }
        }
        for key in live.objects.keys.sorted() where objects[key] == nil && !ignored(key) {
            problems.append(
                key.hasPrefix("migration ")
                    ? "\(key) is unknown to this build" : "\(key): not in the catalog or the migrations")
        }
        return problems
    }
}

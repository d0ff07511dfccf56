import Logging
import PostgresNIO
import PostgresSupport
import ReferenceBackend

/// The reference schema of a database as named objects and their definitions, read from the system catalogs
/// only (no writes): every kind of object the migrations create and every property of it they fix
/// (relations with their persistence and row security, columns, constraints, domains and types, indexes with
/// their validity, triggers with whether they fire, rules, policies, functions with their security and
/// settings, every privilege granted to a role other than the owner, default privileges, the reference roles'
/// attributes, memberships and settings, the database's settings, event triggers, extensions) and the applied
/// migrations. Two snapshots compare by name.
public struct SchemaSnapshot: Sendable, Hashable {
    /// `kind name` → definition, e.g. `index exercises_active_idx` → its `CREATE INDEX`.
    public let objects: [String: String]

    /// The reference roles, whose attributes, memberships and settings the migrations fix.
    static let referenceRoles = "('reference_reader', 'reference_seeder')"

    /// One query per kind of object: `(name, definition)`. A definition lists every property of the object
    /// that the migrations fix and that changes what the system does; storage tuning (reloptions,
    /// statistics targets, CLUSTER marks) and statistics (what VACUUM ANALYZE changes) are left out. Owners
    /// are left out (they depend on who ran the migrations), and so are the owner's own privileges.
    static let queries: [(kind: String, sql: String)] = [
        (
            "relation",
            """
            SELECT c.relname,
                   CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                        WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence'
                        ELSE c.relkind::text END
                   || ', ' || CASE c.relpersistence WHEN 'p' THEN 'logged' WHEN 'u' THEN 'UNLOGGED (emptied by a crash)'
                        ELSE 'temporary' END
                   || ', row security ' || CASE WHEN c.relforcerowsecurity THEN 'forced'
                        WHEN c.relrowsecurity THEN 'enabled' ELSE 'off' END
                   || CASE WHEN c.relkind = 'v' THEN ', ' || md5(pg_get_viewdef(c.oid)) ELSE '' END
            FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
            """
        ),
        (
            "column",
            """
            SELECT c.table_name || '.' || c.column_name,
                   c.data_type || '/' || c.udt_name || ' ' || c.is_nullable || ' default ' || coalesce(c.column_default, '-')
                   || coalesce(' collate ' || c.collation_name, '')
                   || CASE WHEN c.is_identity = 'YES' THEN ' identity ' || c.identity_generation ELSE '' END
                   || CASE WHEN c.is_generated = 'ALWAYS' THEN ' generated ' || coalesce(c.generation_expression, '') ELSE '' END
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
        (
            "domain constraint",
            """
            SELECT contypid::regtype::text || '.' || conname, pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contypid <> 0
            """
        ),
        (
            "type",
            """
            SELECT t.typname,
                   CASE t.typtype WHEN 'd' THEN 'domain over ' || format_type(t.typbasetype, t.typtypmod)
                        WHEN 'e' THEN 'enum (' || coalesce((SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                                                            FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')'
                        WHEN 'r' THEN 'range' ELSE t.typtype::text END
                   || ', not null ' || t.typnotnull || ', default ' || coalesce(t.typdefault, '-')
                   || ', collation ' || coalesce((SELECT collname FROM pg_collation WHERE oid = t.typcollation), '-')
            FROM pg_type t
            WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('d', 'e', 'r', 'm')
            """
        ),
        ("index", "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"),
        (
            "index state",
            """
            SELECT c.relname, 'valid ' || i.indisvalid || ', ready ' || i.indisready
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE c.relnamespace = 'public'::regnamespace
            """
        ),
        (
            "trigger",
            """
            SELECT tgrelid::regclass::text || '.' || tgname,
                   pg_get_triggerdef(oid) || '; fires: '
                   || CASE tgenabled WHEN 'O' THEN 'yes' WHEN 'D' THEN 'NO (disabled)' WHEN 'R' THEN 'only as a replica'
                        WHEN 'A' THEN 'always' END
            FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
            """
        ),
        (
            "foreign key triggers",
            """
            SELECT tgrelid::regclass::text,
                   count(*) FILTER (WHERE tgenabled = 'D') || ' of ' || count(*) || ' disabled'
            FROM pg_trigger WHERE tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
            GROUP BY 1
            """
        ),
        (
            "rule",
            """
            SELECT ev_class::regclass::text || '.' || rulename, pg_get_ruledef(oid)
            FROM pg_rewrite WHERE rulename <> '_RETURN'
              AND ev_class IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
            """
        ),
        (
            "policy",
            """
            SELECT polrelid::regclass::text || '.' || polname,
                   polcmd::text || CASE WHEN polpermissive THEN ' permissive' ELSE ' restrictive' END || ' to '
                   || array_to_string(ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r) END
                                            FROM unnest(polroles) r ORDER BY 1), ',')
                   || ' using ' || coalesce(pg_get_expr(polqual, polrelid), '-')
                   || ' check ' || coalesce(pg_get_expr(polwithcheck, polrelid), '-')
            FROM pg_policy WHERE polrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
            """
        ),
        (
            "function",
            """
            SELECT proname || '(' || pg_get_function_identity_arguments(oid) || ')',
                   -- pg_get_functiondef refuses aggregates and window functions: those are named by kind.
                   CASE WHEN prokind IN ('f', 'p') THEN md5(pg_get_functiondef(oid)) ELSE 'kind ' || prokind::text END
                   || ' ('
                   || CASE WHEN prosecdef THEN 'security definer' ELSE 'security invoker' END
                   || ', ' || CASE provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END
                   || ', settings ' || coalesce(array_to_string(proconfig, '; '), '-') || ')'
            FROM pg_proc WHERE pronamespace = 'public'::regnamespace
            """
        ),
        (
            "privilege",
            """
            SELECT kind || ' ' || object || ' to ' || CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(grantee) END,
                   string_agg(privilege_type || CASE WHEN is_grantable THEN ' (grantable)' ELSE '' END, ', '
                              ORDER BY privilege_type)
            FROM (
                SELECT 'on ' || CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END AS kind, c.relname::text AS object,
                       a.grantee, a.privilege_type, a.is_grantable
                FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
                WHERE c.relnamespace = 'public'::regnamespace AND a.grantee <> c.relowner
                UNION ALL
                SELECT 'on column', c.relname || '.' || att.attname, a.grantee, a.privilege_type, a.is_grantable
                FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid
                CROSS JOIN LATERAL aclexplode(att.attacl) a
                WHERE c.relnamespace = 'public'::regnamespace AND NOT att.attisdropped AND a.grantee <> c.relowner
                UNION ALL
                SELECT 'on function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', a.grantee, a.privilege_type, a.is_grantable
                FROM pg_proc p CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                WHERE p.pronamespace = 'public'::regnamespace AND a.grantee <> p.proowner
                UNION ALL
                SELECT 'on type', t.typname::text, a.grantee, a.privilege_type, a.is_grantable
                FROM pg_type t CROSS JOIN LATERAL aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) a
                WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('d', 'e', 'r', 'm') AND a.grantee <> t.typowner
                UNION ALL
                SELECT 'on schema', n.nspname::text, a.grantee, a.privilege_type, a.is_grantable
                FROM pg_namespace n CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                WHERE n.nspname = 'public' AND a.grantee <> n.nspowner
                UNION ALL
                SELECT 'on database', 'this database', a.grantee, a.privilege_type, a.is_grantable
                FROM pg_database d CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                WHERE d.datname = current_database() AND a.grantee <> d.datdba
            ) privileges
            GROUP BY 1
            """
        ),
        (
            "default privilege",
            """
            SELECT coalesce(pg_get_userbyid(d.defaclrole), '?') || ' ' || d.defaclobjtype::text || ' in '
                   || coalesce(d.defaclnamespace::regnamespace::text, 'every schema'),
                   array_to_string(d.defaclacl, ', ')
            FROM pg_default_acl d
            """
        ),
        (
            "role",
            """
            SELECT r.rolname,
                   'superuser ' || r.rolsuper || ', login ' || r.rolcanlogin || ', bypass row security ' || r.rolbypassrls
                   || ', create role ' || r.rolcreaterole || ', create database ' || r.rolcreatedb
                   || ', replication ' || r.rolreplication || ', member of '
                   || coalesce((SELECT string_agg(b.rolname, ', ' ORDER BY b.rolname)
                                FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid), '-')
            FROM pg_roles r WHERE r.rolname IN \(referenceRoles)
            """
        ),
        (
            "setting",
            """
            SELECT coalesce(pg_get_userbyid(nullif(s.setrole, 0)), 'every role') || ' in '
                   || CASE WHEN s.setdatabase = 0 THEN 'every database' ELSE 'this database' END || ': '
                   || split_part(setting, '=', 1),
                   substr(setting, strpos(setting, '=') + 1)
            FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) setting
            WHERE (s.setrole = 0 AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))
               OR (s.setrole IN (SELECT oid FROM pg_roles WHERE rolname IN \(referenceRoles))
                   AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database())))
            """
        ),
        (
            "event trigger",
            "SELECT evtname, evtevent || ' ' || evtfoid::regproc::text || ' ' || evtenabled::text FROM pg_event_trigger"
        ),
        ("extension", "SELECT extname, extnamespace::regnamespace::text FROM pg_extension WHERE extname <> 'plpgsql'"),
        (
            "migration",
            "SELECT lpad(version::text, 4, '0') || ' ' || name, checksum FROM schema_migrations"
        ),
    ]

    /// Reads the snapshot over `connection` (SELECTs only).
    public static func read(on connection: PostgresConnection, logger: Logger) async throws -> SchemaSnapshot {
        var objects: [String: String] = [:]
        for (kind, sql) in queries {
            do {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                for try await (name, definition) in rows.decode((String?, String?).self) {
                    objects["\(kind) \(name ?? "?")"] = definition ?? "-"
                }
            } catch {
                throw ParityError.infrastructure(
                    step: "read the schema's \(kind) objects from the catalogs", reason: String(reflecting: error),
                    cause: error)
            }
        }
        return SchemaSnapshot(objects: objects)
    }

    /// What `live` has that this (expected) snapshot does not, what it lacks, and what differs, each named;
    /// objects whose name (after the kind) is in `ignoring` are left out.
    public func drift(of live: SchemaSnapshot, ignoring: Set<String> = []) -> [String] {
        // A kind may be more than one word ("index state"): a name matches the end of the key.
        func ignored(_ key: String) -> Bool {
            ignoring.contains(key) || ignoring.contains { key.hasSuffix(" " + $0) }
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

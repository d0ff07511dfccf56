-- The roles' limits, kept by the database rather than by the seed's code.
--
-- 1. Admin rows. reference_seeder may not change or deactivate a row whose source_type is 'admin', may not
--    change any row's source_type, and may not insert a row as 'admin'. A BEFORE trigger per table checks
--    only the rows its WHEN clause picks (an admin row, or a source_type that changes), so the seed's normal
--    updates never call it. The one deliberate way through is `seed --adopt-admin-rows`: that code sets the
--    transaction-local setting reference.adopt_admin_rows to 'on' for its upsert only. The guard stops a
--    mistake (a bug in the seed, a hand-written statement run as the role); whoever can run SQL as the role
--    can also set the setting, so it is not a wall against a hostile seed login. Other roles (the operators
--    who own admin rows) are not affected.
-- 2. Temporary objects: not here. Whether PUBLIC may create temporary objects is a privilege of the database,
--    which CREATE DATABASE ... TEMPLATE and a restore without --create do not carry over, so the migrator
--    sets it on every run instead (Migrator.restrictTemporaryObjects).

CREATE OR REPLACE FUNCTION reference_guard_admin_rows() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    row_key text;
BEGIN
    IF current_user <> 'reference_seeder'
        OR current_setting('reference.adopt_admin_rows', true) IS NOT DISTINCT FROM 'on' THEN
        RETURN NEW;
    END IF;
    -- The trigger's arguments name the table's key columns.
    SELECT string_agg(
               format('%s=%s', column_name,
                      to_jsonb(CASE WHEN TG_OP = 'INSERT' THEN NEW ELSE OLD END) ->> column_name), ', ')
        INTO row_key FROM unnest(TG_ARGV) AS column_name;
    IF TG_OP = 'INSERT' THEN
        RAISE EXCEPTION 'reference_seeder may not insert %(%) as source_type %', TG_TABLE_NAME, row_key,
            NEW.source_type
            USING ERRCODE = 'insufficient_privilege', HINT = 'the seed inserts its rows as seed rows';
    ELSIF OLD.source_type = 'admin' THEN
        RAISE EXCEPTION 'reference_seeder may not change admin row %(%)', TG_TABLE_NAME, row_key
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'admin rows belong to operators; seed --adopt-admin-rows takes them over on purpose';
    END IF;
    RAISE EXCEPTION 'reference_seeder may not change source_type of %(%) from % to %', TG_TABLE_NAME, row_key,
        OLD.source_type, NEW.source_type
        USING ERRCODE = 'insufficient_privilege';
END
$$;

DO $$
DECLARE
    reference_table text;
    key_columns text;
BEGIN
    FOR reference_table, key_columns IN
        SELECT c.relname, string_agg(quote_literal(a.attname), ', ' ORDER BY k.ordinality)
        FROM pg_class c
        JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality)
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
          AND EXISTS (SELECT FROM pg_attribute s
                      WHERE s.attrelid = c.oid AND s.attname = 'source_type' AND NOT s.attisdropped)
        GROUP BY c.relname
        ORDER BY c.relname
    LOOP
        EXECUTE format(
            'CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW '
            'WHEN (OLD.source_type = ''admin'' OR NEW.source_type IS DISTINCT FROM OLD.source_type) '
            'EXECUTE FUNCTION reference_guard_admin_rows(%s)',
            reference_table || '_guard_admin_update', reference_table, key_columns);
        EXECUTE format(
            'CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW WHEN (NEW.source_type <> ''seed'') '
            'EXECUTE FUNCTION reference_guard_admin_rows(%s)',
            reference_table || '_guard_admin_insert', reference_table, key_columns);
    END LOOP;
END
$$;

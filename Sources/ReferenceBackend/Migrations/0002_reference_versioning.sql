-- Reference data versioning (DESIGN.md, "Versioning").
--
-- reference_metadata is one row. One shared function, attached to every reference table as statement-level
-- AFTER triggers (one per event, because a transition table is only allowed on a single-event trigger),
-- raises version_seq at most once per transaction, and only when the statement really changed rows:
--   * INSERT / DELETE: the transition table is not empty;
--   * UPDATE: some new row differs from every old row, compared as row text (so numeric 1.10 -> 1.1 counts,
--     and an UPDATE that rewrote identical values does not).
-- The bump is an UPDATE of the single metadata row under its row lock, held until commit: a concurrent
-- writer waits for it, then re-reads the committed version, so versions follow commit order. A rolled-back
-- transaction leaves no trace, since the bump rolls back with it. TRUNCATE (which fires no DELETE trigger)
-- always counts as a change.

CREATE TABLE reference_metadata (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    instance_id uuid NOT NULL DEFAULT gen_random_uuid(),
    version_seq bigint NOT NULL DEFAULT 1 CHECK (version_seq > 0),
    last_updated timestamptz NOT NULL DEFAULT clock_timestamp(),
    bumped_by_xact xid8
);
INSERT INTO reference_metadata DEFAULT VALUES;

CREATE FUNCTION reference_bump_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    changed boolean;
BEGIN
    -- This transaction already raised the version: nothing more can change that.
    IF EXISTS (SELECT 1 FROM reference_metadata WHERE bumped_by_xact = pg_current_xact_id()) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        changed := EXISTS (SELECT 1 FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT 1 FROM old_rows);
    ELSIF TG_OP = 'TRUNCATE' THEN
        changed := true;
    ELSE
        changed := EXISTS (SELECT n::text FROM new_rows n EXCEPT ALL SELECT o::text FROM old_rows o);
    END IF;
    IF changed THEN
        UPDATE reference_metadata
           SET version_seq = version_seq + 1,
               last_updated = greatest(clock_timestamp(), last_updated + interval '1 microsecond'),
               bumped_by_xact = pg_current_xact_id()
         WHERE bumped_by_xact IS DISTINCT FROM pg_current_xact_id();
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER body_regions_version_insert AFTER INSERT ON body_regions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER body_regions_version_update AFTER UPDATE ON body_regions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER body_regions_version_delete AFTER DELETE ON body_regions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER body_regions_version_truncate AFTER TRUNCATE ON body_regions
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER muscle_groups_version_insert AFTER INSERT ON muscle_groups
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER muscle_groups_version_update AFTER UPDATE ON muscle_groups
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER muscle_groups_version_delete AFTER DELETE ON muscle_groups
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER muscle_groups_version_truncate AFTER TRUNCATE ON muscle_groups
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER muscles_version_insert AFTER INSERT ON muscles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER muscles_version_update AFTER UPDATE ON muscles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER muscles_version_delete AFTER DELETE ON muscles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER muscles_version_truncate AFTER TRUNCATE ON muscles
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER equipment_categories_version_insert AFTER INSERT ON equipment_categories
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER equipment_categories_version_update AFTER UPDATE ON equipment_categories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER equipment_categories_version_delete AFTER DELETE ON equipment_categories
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER equipment_categories_version_truncate AFTER TRUNCATE ON equipment_categories
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER equipment_version_insert AFTER INSERT ON equipment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER equipment_version_update AFTER UPDATE ON equipment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER equipment_version_delete AFTER DELETE ON equipment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER equipment_version_truncate AFTER TRUNCATE ON equipment
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER exercise_categories_version_insert AFTER INSERT ON exercise_categories
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_categories_version_update AFTER UPDATE ON exercise_categories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_categories_version_delete AFTER DELETE ON exercise_categories
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_categories_version_truncate AFTER TRUNCATE ON exercise_categories
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER force_types_version_insert AFTER INSERT ON force_types
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER force_types_version_update AFTER UPDATE ON force_types
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER force_types_version_delete AFTER DELETE ON force_types
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER force_types_version_truncate AFTER TRUNCATE ON force_types
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER mechanic_types_version_insert AFTER INSERT ON mechanic_types
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER mechanic_types_version_update AFTER UPDATE ON mechanic_types
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER mechanic_types_version_delete AFTER DELETE ON mechanic_types
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER mechanic_types_version_truncate AFTER TRUNCATE ON mechanic_types
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER difficulty_levels_version_insert AFTER INSERT ON difficulty_levels
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER difficulty_levels_version_update AFTER UPDATE ON difficulty_levels
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER difficulty_levels_version_delete AFTER DELETE ON difficulty_levels
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER difficulty_levels_version_truncate AFTER TRUNCATE ON difficulty_levels
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER licenses_version_insert AFTER INSERT ON licenses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER licenses_version_update AFTER UPDATE ON licenses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER licenses_version_delete AFTER DELETE ON licenses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER licenses_version_truncate AFTER TRUNCATE ON licenses
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER scoring_formulas_version_insert AFTER INSERT ON scoring_formulas
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER scoring_formulas_version_update AFTER UPDATE ON scoring_formulas
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER scoring_formulas_version_delete AFTER DELETE ON scoring_formulas
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER scoring_formulas_version_truncate AFTER TRUNCATE ON scoring_formulas
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER scoring_coefficients_version_insert AFTER INSERT ON scoring_coefficients
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER scoring_coefficients_version_update AFTER UPDATE ON scoring_coefficients
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER scoring_coefficients_version_delete AFTER DELETE ON scoring_coefficients
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER scoring_coefficients_version_truncate AFTER TRUNCATE ON scoring_coefficients
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER metric_types_version_insert AFTER INSERT ON metric_types
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER metric_types_version_update AFTER UPDATE ON metric_types
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER metric_types_version_delete AFTER DELETE ON metric_types
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER metric_types_version_truncate AFTER TRUNCATE ON metric_types
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER units_version_insert AFTER INSERT ON units
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER units_version_update AFTER UPDATE ON units
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER units_version_delete AFTER DELETE ON units
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER units_version_truncate AFTER TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER set_types_version_insert AFTER INSERT ON set_types
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER set_types_version_update AFTER UPDATE ON set_types
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER set_types_version_delete AFTER DELETE ON set_types
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER set_types_version_truncate AFTER TRUNCATE ON set_types
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER exercises_version_insert AFTER INSERT ON exercises
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercises_version_update AFTER UPDATE ON exercises
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercises_version_delete AFTER DELETE ON exercises
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercises_version_truncate AFTER TRUNCATE ON exercises
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER exercise_muscles_version_insert AFTER INSERT ON exercise_muscles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_muscles_version_update AFTER UPDATE ON exercise_muscles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_muscles_version_delete AFTER DELETE ON exercise_muscles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_muscles_version_truncate AFTER TRUNCATE ON exercise_muscles
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER exercise_equipment_version_insert AFTER INSERT ON exercise_equipment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_equipment_version_update AFTER UPDATE ON exercise_equipment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_equipment_version_delete AFTER DELETE ON exercise_equipment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_equipment_version_truncate AFTER TRUNCATE ON exercise_equipment
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER exercise_aliases_version_insert AFTER INSERT ON exercise_aliases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_aliases_version_update AFTER UPDATE ON exercise_aliases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_aliases_version_delete AFTER DELETE ON exercise_aliases
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_aliases_version_truncate AFTER TRUNCATE ON exercise_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

CREATE TRIGGER exercise_metrics_version_insert AFTER INSERT ON exercise_metrics
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_metrics_version_update AFTER UPDATE ON exercise_metrics
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_metrics_version_delete AFTER DELETE ON exercise_metrics
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();
CREATE TRIGGER exercise_metrics_version_truncate AFTER TRUNCATE ON exercise_metrics
    FOR EACH STATEMENT EXECUTE FUNCTION reference_bump_version();

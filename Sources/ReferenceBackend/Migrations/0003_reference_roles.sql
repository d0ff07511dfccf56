-- Roles. reference_reader (the API) may only read; reference_seeder (the seed) may read, insert and update
-- reference rows but never delete them. Both are group roles without LOGIN: grant them to a login role, or
-- let a connection SET ROLE to them (the API and the seed do). Roles are cluster-wide, so they are created
-- only when missing; grants are per database.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reference_reader') THEN
        CREATE ROLE reference_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reference_seeder') THEN
        CREATE ROLE reference_seeder NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO reference_reader, reference_seeder;
GRANT USAGE ON TYPE reference_slug TO reference_reader, reference_seeder;

GRANT SELECT ON
    body_regions,
    muscle_groups,
    muscles,
    equipment_categories,
    equipment,
    exercise_categories,
    force_types,
    mechanic_types,
    difficulty_levels,
    licenses,
    scoring_formulas,
    scoring_coefficients,
    metric_types,
    units,
    set_types,
    exercises,
    exercise_muscles,
    exercise_equipment,
    exercise_aliases,
    exercise_metrics,
    reference_metadata,
    schema_migrations
TO reference_reader;

GRANT SELECT, INSERT, UPDATE ON
    body_regions,
    muscle_groups,
    muscles,
    equipment_categories,
    equipment,
    exercise_categories,
    force_types,
    mechanic_types,
    difficulty_levels,
    licenses,
    scoring_formulas,
    scoring_coefficients,
    metric_types,
    units,
    set_types,
    exercises,
    exercise_muscles,
    exercise_equipment,
    exercise_aliases,
    exercise_metrics
TO reference_seeder;
GRANT SELECT ON reference_metadata, schema_migrations TO reference_seeder;

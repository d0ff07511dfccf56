-- The 20 reference tables of the contract (DESIGN.md, "The 20 tables"), in seed order.
-- Natural keys are lowercase kebab-case slugs, stored with COLLATE "C" so that primary-key order is byte
-- order everywhere. Every foreign key is ON UPDATE CASCADE ON DELETE RESTRICT and has an index leading with
-- its columns (a composite primary key that leads with the column counts). Every table has is_active and
-- source_type, and a partial index over its active rows in key order for the bootstrap and per-table reads.

CREATE DOMAIN reference_slug AS text COLLATE "C"
    CHECK (VALUE ~ '^[a-z0-9]+(-[a-z0-9]+)*$');

CREATE TABLE body_regions (
    body_region_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    sort_order integer NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX body_regions_active_idx ON body_regions (body_region_key) WHERE is_active;

CREATE TABLE muscle_groups (
    muscle_group_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    body_region_key reference_slug NOT NULL
        REFERENCES body_regions (body_region_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    sort_order integer NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX muscle_groups_body_region_key_idx ON muscle_groups (body_region_key);
CREATE INDEX muscle_groups_active_idx ON muscle_groups (muscle_group_key) WHERE is_active;

CREATE TABLE muscles (
    muscle_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    latin_name text,
    muscle_group_key reference_slug NOT NULL
        REFERENCES muscle_groups (muscle_group_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    is_front boolean,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX muscles_muscle_group_key_idx ON muscles (muscle_group_key);
CREATE INDEX muscles_active_idx ON muscles (muscle_key) WHERE is_active;

CREATE TABLE equipment_categories (
    equipment_category_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    sort_order integer NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX equipment_categories_active_idx ON equipment_categories (equipment_category_key) WHERE is_active;

CREATE TABLE equipment (
    equipment_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    equipment_category_key reference_slug NOT NULL
        REFERENCES equipment_categories (equipment_category_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    is_bodyweight boolean NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX equipment_equipment_category_key_idx ON equipment (equipment_category_key);
CREATE INDEX equipment_active_idx ON equipment (equipment_key) WHERE is_active;

CREATE TABLE exercise_categories (
    category_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    description text,
    sort_order integer NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX exercise_categories_active_idx ON exercise_categories (category_key) WHERE is_active;

CREATE TABLE force_types (
    force_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX force_types_active_idx ON force_types (force_key) WHERE is_active;

CREATE TABLE mechanic_types (
    mechanic_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX mechanic_types_active_idx ON mechanic_types (mechanic_key) WHERE is_active;

CREATE TABLE difficulty_levels (
    level_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    rank smallint NOT NULL UNIQUE,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX difficulty_levels_active_idx ON difficulty_levels (level_key) WHERE is_active;

CREATE TABLE licenses (
    license_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    url text,
    requires_attribution boolean NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX licenses_active_idx ON licenses (license_key) WHERE is_active;

CREATE TABLE scoring_formulas (
    formula_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('one_rep_max', 'relative_strength')),
    expression text NOT NULL,
    min_reps smallint,
    max_reps smallint,
    citation text,
    variables jsonb NOT NULL CHECK (jsonb_typeof(variables) = 'object'),
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX scoring_formulas_active_idx ON scoring_formulas (formula_key) WHERE is_active;

CREATE TABLE scoring_coefficients (
    formula_key reference_slug NOT NULL
        REFERENCES scoring_formulas (formula_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    variant reference_slug NOT NULL,
    coefficient reference_slug NOT NULL,
    value numeric NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin')),
    PRIMARY KEY (formula_key, variant, coefficient)
);
CREATE INDEX scoring_coefficients_active_idx ON scoring_coefficients (formula_key, variant, coefficient)
    WHERE is_active;

CREATE TABLE metric_types (
    metric_type_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    value_kind text NOT NULL CHECK (value_kind IN ('count', 'mass', 'distance', 'duration')),
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX metric_types_active_idx ON metric_types (metric_type_key) WHERE is_active;

CREATE TABLE units (
    unit_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    symbol text NOT NULL,
    metric_type_key reference_slug NOT NULL
        REFERENCES metric_types (metric_type_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    si_factor numeric NOT NULL,
    aliases text[] NOT NULL DEFAULT '{}',
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX units_metric_type_key_idx ON units (metric_type_key);
CREATE INDEX units_active_idx ON units (unit_key) WHERE is_active;

CREATE TABLE set_types (
    set_type_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    counts_toward_volume boolean NOT NULL,
    sort_order integer NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX set_types_active_idx ON set_types (set_type_key) WHERE is_active;

CREATE TABLE exercises (
    exercise_key reference_slug PRIMARY KEY,
    name text NOT NULL,
    category_key reference_slug NOT NULL
        REFERENCES exercise_categories (category_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    force_key reference_slug
        REFERENCES force_types (force_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    mechanic_key reference_slug
        REFERENCES mechanic_types (mechanic_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    level_key reference_slug NOT NULL
        REFERENCES difficulty_levels (level_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    license_key reference_slug NOT NULL
        REFERENCES licenses (license_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    one_rm_formula_key reference_slug
        REFERENCES scoring_formulas (formula_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    source_id text,
    instructions text[] NOT NULL DEFAULT '{}',
    image_paths text[] NOT NULL DEFAULT '{}',
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin'))
);
CREATE INDEX exercises_category_key_idx ON exercises (category_key);
CREATE INDEX exercises_force_key_idx ON exercises (force_key);
CREATE INDEX exercises_mechanic_key_idx ON exercises (mechanic_key);
CREATE INDEX exercises_level_key_idx ON exercises (level_key);
CREATE INDEX exercises_license_key_idx ON exercises (license_key);
CREATE INDEX exercises_one_rm_formula_key_idx ON exercises (one_rm_formula_key);
CREATE INDEX exercises_active_idx ON exercises (exercise_key) WHERE is_active;

CREATE TABLE exercise_muscles (
    exercise_key reference_slug NOT NULL
        REFERENCES exercises (exercise_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    muscle_key reference_slug NOT NULL
        REFERENCES muscles (muscle_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    role text COLLATE "C" NOT NULL CHECK (role IN ('primary', 'secondary')),
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin')),
    PRIMARY KEY (exercise_key, muscle_key, role)
);
CREATE INDEX exercise_muscles_muscle_key_idx ON exercise_muscles (muscle_key);
CREATE INDEX exercise_muscles_active_idx ON exercise_muscles (exercise_key, muscle_key, role) WHERE is_active;

CREATE TABLE exercise_equipment (
    exercise_key reference_slug NOT NULL
        REFERENCES exercises (exercise_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    equipment_key reference_slug NOT NULL
        REFERENCES equipment (equipment_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin')),
    PRIMARY KEY (exercise_key, equipment_key)
);
CREATE INDEX exercise_equipment_equipment_key_idx ON exercise_equipment (equipment_key);
CREATE INDEX exercise_equipment_active_idx ON exercise_equipment (exercise_key, equipment_key) WHERE is_active;

CREATE TABLE exercise_aliases (
    exercise_key reference_slug NOT NULL
        REFERENCES exercises (exercise_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    alias text COLLATE "C" NOT NULL,
    language text NOT NULL DEFAULT 'en',
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin')),
    PRIMARY KEY (exercise_key, alias)
);
CREATE INDEX exercise_aliases_active_idx ON exercise_aliases (exercise_key, alias) WHERE is_active;

CREATE TABLE exercise_metrics (
    exercise_key reference_slug NOT NULL
        REFERENCES exercises (exercise_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    metric_type_key reference_slug NOT NULL
        REFERENCES metric_types (metric_type_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    is_required boolean NOT NULL,
    default_unit_key reference_slug
        REFERENCES units (unit_key) ON UPDATE CASCADE ON DELETE RESTRICT,
    sort_order integer NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    source_type text NOT NULL DEFAULT 'seed' CHECK (source_type IN ('seed', 'admin')),
    PRIMARY KEY (exercise_key, metric_type_key)
);
CREATE INDEX exercise_metrics_metric_type_key_idx ON exercise_metrics (metric_type_key);
CREATE INDEX exercise_metrics_default_unit_key_idx ON exercise_metrics (default_unit_key);
CREATE INDEX exercise_metrics_active_idx ON exercise_metrics (exercise_key, metric_type_key) WHERE is_active;

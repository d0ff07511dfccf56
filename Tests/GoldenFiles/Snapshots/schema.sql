CREATE DOMAIN public.reference_slug AS text COLLATE pg_catalog."C"
	CONSTRAINT reference_slug_check CHECK ((VALUE ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text));

CREATE FUNCTION public.reference_bump_version() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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
               content_id = gen_random_uuid(),
               last_updated = greatest(clock_timestamp(), last_updated + interval '1 microsecond'),
               bumped_by_xact = pg_current_xact_id()
         WHERE bumped_by_xact IS DISTINCT FROM pg_current_xact_id();
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION public.reference_guard_admin_rows() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

CREATE TABLE public.body_regions (
    body_region_key public.reference_slug NOT NULL,
    name text NOT NULL,
    sort_order integer NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT body_regions_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.difficulty_levels (
    level_key public.reference_slug NOT NULL,
    name text NOT NULL,
    rank smallint NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT difficulty_levels_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.equipment (
    equipment_key public.reference_slug NOT NULL,
    name text NOT NULL,
    equipment_category_key public.reference_slug NOT NULL,
    is_bodyweight boolean NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT equipment_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.equipment_categories (
    equipment_category_key public.reference_slug NOT NULL,
    name text NOT NULL,
    sort_order integer NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT equipment_categories_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.exercise_aliases (
    exercise_key public.reference_slug NOT NULL,
    alias text NOT NULL COLLATE pg_catalog."C",
    language text DEFAULT 'en'::text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT exercise_aliases_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.exercise_categories (
    category_key public.reference_slug NOT NULL,
    name text NOT NULL,
    description text,
    sort_order integer NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT exercise_categories_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.exercise_equipment (
    exercise_key public.reference_slug NOT NULL,
    equipment_key public.reference_slug NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT exercise_equipment_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.exercise_metrics (
    exercise_key public.reference_slug NOT NULL,
    metric_type_key public.reference_slug NOT NULL,
    is_required boolean NOT NULL,
    default_unit_key public.reference_slug,
    sort_order integer NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT exercise_metrics_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.exercise_muscles (
    exercise_key public.reference_slug NOT NULL,
    muscle_key public.reference_slug NOT NULL,
    role text NOT NULL COLLATE pg_catalog."C",
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT exercise_muscles_role_check CHECK ((role = ANY (ARRAY['primary'::text, 'secondary'::text]))),
    CONSTRAINT exercise_muscles_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.exercises (
    exercise_key public.reference_slug NOT NULL,
    name text NOT NULL,
    category_key public.reference_slug NOT NULL,
    force_key public.reference_slug,
    mechanic_key public.reference_slug,
    level_key public.reference_slug NOT NULL,
    license_key public.reference_slug NOT NULL,
    one_rm_formula_key public.reference_slug,
    source_id text,
    instructions text[] DEFAULT '{}'::text[] NOT NULL,
    image_paths text[] DEFAULT '{}'::text[] NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT exercises_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.force_types (
    force_key public.reference_slug NOT NULL,
    name text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT force_types_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.licenses (
    license_key public.reference_slug NOT NULL,
    name text NOT NULL,
    url text,
    requires_attribution boolean NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT licenses_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.mechanic_types (
    mechanic_key public.reference_slug NOT NULL,
    name text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT mechanic_types_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.metric_types (
    metric_type_key public.reference_slug NOT NULL,
    name text NOT NULL,
    value_kind text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT metric_types_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text]))),
    CONSTRAINT metric_types_value_kind_check CHECK ((value_kind = ANY (ARRAY['count'::text, 'mass'::text, 'distance'::text, 'duration'::text])))
);

CREATE TABLE public.muscle_groups (
    muscle_group_key public.reference_slug NOT NULL,
    name text NOT NULL,
    body_region_key public.reference_slug NOT NULL,
    sort_order integer NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT muscle_groups_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.muscles (
    muscle_key public.reference_slug NOT NULL,
    name text NOT NULL,
    latin_name text,
    muscle_group_key public.reference_slug NOT NULL,
    is_front boolean,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT muscles_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.reference_metadata (
    singleton boolean DEFAULT true NOT NULL,
    content_id uuid DEFAULT gen_random_uuid() NOT NULL,
    version_seq bigint DEFAULT 1 NOT NULL,
    last_updated timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    bumped_by_xact xid8,
    CONSTRAINT reference_metadata_singleton_check CHECK (singleton),
    CONSTRAINT reference_metadata_version_seq_check CHECK ((version_seq > 0))
);

CREATE TABLE public.reference_seed_runs (
    id bigint NOT NULL,
    finished_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    duration_ms double precision NOT NULL,
    source_rows bigint NOT NULL,
    changed_rows bigint NOT NULL,
    version_seq bigint NOT NULL,
    CONSTRAINT reference_seed_runs_changed_rows_check CHECK ((changed_rows >= 0)),
    CONSTRAINT reference_seed_runs_duration_ms_check CHECK ((duration_ms >= (0)::double precision)),
    CONSTRAINT reference_seed_runs_source_rows_check CHECK ((source_rows >= 0)),
    CONSTRAINT reference_seed_runs_version_seq_check CHECK ((version_seq > 0))
);

ALTER TABLE public.reference_seed_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.reference_seed_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.scoring_coefficients (
    formula_key public.reference_slug NOT NULL,
    variant public.reference_slug NOT NULL,
    coefficient public.reference_slug NOT NULL,
    value numeric NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT scoring_coefficients_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.scoring_formulas (
    formula_key public.reference_slug NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    expression text NOT NULL,
    min_reps smallint,
    max_reps smallint,
    citation text,
    variables jsonb NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT scoring_formulas_kind_check CHECK ((kind = ANY (ARRAY['one_rep_max'::text, 'relative_strength'::text]))),
    CONSTRAINT scoring_formulas_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text]))),
    CONSTRAINT scoring_formulas_variables_check CHECK ((jsonb_typeof(variables) = 'object'::text))
);

CREATE TABLE public.set_types (
    set_type_key public.reference_slug NOT NULL,
    name text NOT NULL,
    counts_toward_volume boolean NOT NULL,
    sort_order integer NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT set_types_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

CREATE TABLE public.units (
    unit_key public.reference_slug NOT NULL,
    name text NOT NULL,
    symbol text NOT NULL,
    metric_type_key public.reference_slug NOT NULL,
    si_factor numeric NOT NULL,
    aliases text[] DEFAULT '{}'::text[] NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    source_type text DEFAULT 'seed'::text NOT NULL,
    CONSTRAINT units_source_type_check CHECK ((source_type = ANY (ARRAY['seed'::text, 'admin'::text])))
);

ALTER TABLE ONLY public.body_regions
    ADD CONSTRAINT body_regions_pkey PRIMARY KEY (body_region_key);

ALTER TABLE ONLY public.difficulty_levels
    ADD CONSTRAINT difficulty_levels_pkey PRIMARY KEY (level_key);

ALTER TABLE ONLY public.difficulty_levels
    ADD CONSTRAINT difficulty_levels_rank_key UNIQUE (rank);

ALTER TABLE ONLY public.equipment_categories
    ADD CONSTRAINT equipment_categories_pkey PRIMARY KEY (equipment_category_key);

ALTER TABLE ONLY public.equipment
    ADD CONSTRAINT equipment_pkey PRIMARY KEY (equipment_key);

ALTER TABLE ONLY public.exercise_aliases
    ADD CONSTRAINT exercise_aliases_pkey PRIMARY KEY (exercise_key, alias);

ALTER TABLE ONLY public.exercise_categories
    ADD CONSTRAINT exercise_categories_pkey PRIMARY KEY (category_key);

ALTER TABLE ONLY public.exercise_equipment
    ADD CONSTRAINT exercise_equipment_pkey PRIMARY KEY (exercise_key, equipment_key);

ALTER TABLE ONLY public.exercise_metrics
    ADD CONSTRAINT exercise_metrics_pkey PRIMARY KEY (exercise_key, metric_type_key);

ALTER TABLE ONLY public.exercise_muscles
    ADD CONSTRAINT exercise_muscles_pkey PRIMARY KEY (exercise_key, muscle_key, role);

ALTER TABLE ONLY public.exercises
    ADD CONSTRAINT exercises_pkey PRIMARY KEY (exercise_key);

ALTER TABLE ONLY public.force_types
    ADD CONSTRAINT force_types_pkey PRIMARY KEY (force_key);

ALTER TABLE ONLY public.licenses
    ADD CONSTRAINT licenses_pkey PRIMARY KEY (license_key);

ALTER TABLE ONLY public.mechanic_types
    ADD CONSTRAINT mechanic_types_pkey PRIMARY KEY (mechanic_key);

ALTER TABLE ONLY public.metric_types
    ADD CONSTRAINT metric_types_pkey PRIMARY KEY (metric_type_key);

ALTER TABLE ONLY public.muscle_groups
    ADD CONSTRAINT muscle_groups_pkey PRIMARY KEY (muscle_group_key);

ALTER TABLE ONLY public.muscles
    ADD CONSTRAINT muscles_pkey PRIMARY KEY (muscle_key);

ALTER TABLE ONLY public.reference_metadata
    ADD CONSTRAINT reference_metadata_pkey PRIMARY KEY (singleton);

ALTER TABLE ONLY public.reference_seed_runs
    ADD CONSTRAINT reference_seed_runs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY public.scoring_coefficients
    ADD CONSTRAINT scoring_coefficients_pkey PRIMARY KEY (formula_key, variant, coefficient);

ALTER TABLE ONLY public.scoring_formulas
    ADD CONSTRAINT scoring_formulas_pkey PRIMARY KEY (formula_key);

ALTER TABLE ONLY public.set_types
    ADD CONSTRAINT set_types_pkey PRIMARY KEY (set_type_key);

ALTER TABLE ONLY public.units
    ADD CONSTRAINT units_pkey PRIMARY KEY (unit_key);

CREATE INDEX body_regions_active_idx ON public.body_regions USING btree (body_region_key) WHERE is_active;

CREATE INDEX difficulty_levels_active_idx ON public.difficulty_levels USING btree (level_key) WHERE is_active;

CREATE INDEX equipment_active_idx ON public.equipment USING btree (equipment_key) WHERE is_active;

CREATE INDEX equipment_categories_active_idx ON public.equipment_categories USING btree (equipment_category_key) WHERE is_active;

CREATE INDEX equipment_equipment_category_key_idx ON public.equipment USING btree (equipment_category_key);

CREATE INDEX exercise_aliases_active_idx ON public.exercise_aliases USING btree (exercise_key, alias) WHERE is_active;

CREATE INDEX exercise_categories_active_idx ON public.exercise_categories USING btree (category_key) WHERE is_active;

CREATE INDEX exercise_equipment_active_idx ON public.exercise_equipment USING btree (exercise_key, equipment_key) WHERE is_active;

CREATE INDEX exercise_equipment_equipment_key_idx ON public.exercise_equipment USING btree (equipment_key);

CREATE INDEX exercise_metrics_active_idx ON public.exercise_metrics USING btree (exercise_key, metric_type_key) WHERE is_active;

CREATE INDEX exercise_metrics_default_unit_key_idx ON public.exercise_metrics USING btree (default_unit_key);

CREATE INDEX exercise_metrics_metric_type_key_idx ON public.exercise_metrics USING btree (metric_type_key);

CREATE INDEX exercise_muscles_active_idx ON public.exercise_muscles USING btree (exercise_key, muscle_key, role) WHERE is_active;

CREATE INDEX exercise_muscles_muscle_key_idx ON public.exercise_muscles USING btree (muscle_key);

CREATE INDEX exercises_active_idx ON public.exercises USING btree (exercise_key) WHERE is_active;

CREATE INDEX exercises_category_key_idx ON public.exercises USING btree (category_key);

CREATE INDEX exercises_force_key_idx ON public.exercises USING btree (force_key);

CREATE INDEX exercises_level_key_idx ON public.exercises USING btree (level_key);

CREATE INDEX exercises_license_key_idx ON public.exercises USING btree (license_key);

CREATE INDEX exercises_mechanic_key_idx ON public.exercises USING btree (mechanic_key);

CREATE INDEX exercises_one_rm_formula_key_idx ON public.exercises USING btree (one_rm_formula_key);

CREATE INDEX force_types_active_idx ON public.force_types USING btree (force_key) WHERE is_active;

CREATE INDEX licenses_active_idx ON public.licenses USING btree (license_key) WHERE is_active;

CREATE INDEX mechanic_types_active_idx ON public.mechanic_types USING btree (mechanic_key) WHERE is_active;

CREATE INDEX metric_types_active_idx ON public.metric_types USING btree (metric_type_key) WHERE is_active;

CREATE INDEX muscle_groups_active_idx ON public.muscle_groups USING btree (muscle_group_key) WHERE is_active;

CREATE INDEX muscle_groups_body_region_key_idx ON public.muscle_groups USING btree (body_region_key);

CREATE INDEX muscles_active_idx ON public.muscles USING btree (muscle_key) WHERE is_active;

CREATE INDEX muscles_muscle_group_key_idx ON public.muscles USING btree (muscle_group_key);

CREATE INDEX scoring_coefficients_active_idx ON public.scoring_coefficients USING btree (formula_key, variant, coefficient) WHERE is_active;

CREATE INDEX scoring_formulas_active_idx ON public.scoring_formulas USING btree (formula_key) WHERE is_active;

CREATE INDEX set_types_active_idx ON public.set_types USING btree (set_type_key) WHERE is_active;

CREATE INDEX units_active_idx ON public.units USING btree (unit_key) WHERE is_active;

CREATE INDEX units_metric_type_key_idx ON public.units USING btree (metric_type_key);

CREATE TRIGGER body_regions_guard_admin_insert BEFORE INSERT ON public.body_regions FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('body_region_key');

CREATE TRIGGER body_regions_guard_admin_update BEFORE UPDATE ON public.body_regions FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('body_region_key');

CREATE TRIGGER body_regions_version_delete AFTER DELETE ON public.body_regions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER body_regions_version_insert AFTER INSERT ON public.body_regions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER body_regions_version_truncate AFTER TRUNCATE ON public.body_regions FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER body_regions_version_update AFTER UPDATE ON public.body_regions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER difficulty_levels_guard_admin_insert BEFORE INSERT ON public.difficulty_levels FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('level_key');

CREATE TRIGGER difficulty_levels_guard_admin_update BEFORE UPDATE ON public.difficulty_levels FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('level_key');

CREATE TRIGGER difficulty_levels_version_delete AFTER DELETE ON public.difficulty_levels REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER difficulty_levels_version_insert AFTER INSERT ON public.difficulty_levels REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER difficulty_levels_version_truncate AFTER TRUNCATE ON public.difficulty_levels FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER difficulty_levels_version_update AFTER UPDATE ON public.difficulty_levels REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER equipment_categories_guard_admin_insert BEFORE INSERT ON public.equipment_categories FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('equipment_category_key');

CREATE TRIGGER equipment_categories_guard_admin_update BEFORE UPDATE ON public.equipment_categories FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('equipment_category_key');

CREATE TRIGGER equipment_categories_version_delete AFTER DELETE ON public.equipment_categories REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER equipment_categories_version_insert AFTER INSERT ON public.equipment_categories REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER equipment_categories_version_truncate AFTER TRUNCATE ON public.equipment_categories FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER equipment_categories_version_update AFTER UPDATE ON public.equipment_categories REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER equipment_guard_admin_insert BEFORE INSERT ON public.equipment FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('equipment_key');

CREATE TRIGGER equipment_guard_admin_update BEFORE UPDATE ON public.equipment FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('equipment_key');

CREATE TRIGGER equipment_version_delete AFTER DELETE ON public.equipment REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER equipment_version_insert AFTER INSERT ON public.equipment REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER equipment_version_truncate AFTER TRUNCATE ON public.equipment FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER equipment_version_update AFTER UPDATE ON public.equipment REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_aliases_guard_admin_insert BEFORE INSERT ON public.exercise_aliases FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key', 'alias');

CREATE TRIGGER exercise_aliases_guard_admin_update BEFORE UPDATE ON public.exercise_aliases FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key', 'alias');

CREATE TRIGGER exercise_aliases_version_delete AFTER DELETE ON public.exercise_aliases REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_aliases_version_insert AFTER INSERT ON public.exercise_aliases REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_aliases_version_truncate AFTER TRUNCATE ON public.exercise_aliases FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_aliases_version_update AFTER UPDATE ON public.exercise_aliases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_categories_guard_admin_insert BEFORE INSERT ON public.exercise_categories FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('category_key');

CREATE TRIGGER exercise_categories_guard_admin_update BEFORE UPDATE ON public.exercise_categories FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('category_key');

CREATE TRIGGER exercise_categories_version_delete AFTER DELETE ON public.exercise_categories REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_categories_version_insert AFTER INSERT ON public.exercise_categories REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_categories_version_truncate AFTER TRUNCATE ON public.exercise_categories FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_categories_version_update AFTER UPDATE ON public.exercise_categories REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_equipment_guard_admin_insert BEFORE INSERT ON public.exercise_equipment FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key', 'equipment_key');

CREATE TRIGGER exercise_equipment_guard_admin_update BEFORE UPDATE ON public.exercise_equipment FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key', 'equipment_key');

CREATE TRIGGER exercise_equipment_version_delete AFTER DELETE ON public.exercise_equipment REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_equipment_version_insert AFTER INSERT ON public.exercise_equipment REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_equipment_version_truncate AFTER TRUNCATE ON public.exercise_equipment FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_equipment_version_update AFTER UPDATE ON public.exercise_equipment REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_metrics_guard_admin_insert BEFORE INSERT ON public.exercise_metrics FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key', 'metric_type_key');

CREATE TRIGGER exercise_metrics_guard_admin_update BEFORE UPDATE ON public.exercise_metrics FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key', 'metric_type_key');

CREATE TRIGGER exercise_metrics_version_delete AFTER DELETE ON public.exercise_metrics REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_metrics_version_insert AFTER INSERT ON public.exercise_metrics REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_metrics_version_truncate AFTER TRUNCATE ON public.exercise_metrics FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_metrics_version_update AFTER UPDATE ON public.exercise_metrics REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_muscles_guard_admin_insert BEFORE INSERT ON public.exercise_muscles FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key', 'muscle_key', 'role');

CREATE TRIGGER exercise_muscles_guard_admin_update BEFORE UPDATE ON public.exercise_muscles FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key', 'muscle_key', 'role');

CREATE TRIGGER exercise_muscles_version_delete AFTER DELETE ON public.exercise_muscles REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_muscles_version_insert AFTER INSERT ON public.exercise_muscles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_muscles_version_truncate AFTER TRUNCATE ON public.exercise_muscles FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercise_muscles_version_update AFTER UPDATE ON public.exercise_muscles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercises_guard_admin_insert BEFORE INSERT ON public.exercises FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key');

CREATE TRIGGER exercises_guard_admin_update BEFORE UPDATE ON public.exercises FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('exercise_key');

CREATE TRIGGER exercises_version_delete AFTER DELETE ON public.exercises REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercises_version_insert AFTER INSERT ON public.exercises REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercises_version_truncate AFTER TRUNCATE ON public.exercises FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER exercises_version_update AFTER UPDATE ON public.exercises REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER force_types_guard_admin_insert BEFORE INSERT ON public.force_types FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('force_key');

CREATE TRIGGER force_types_guard_admin_update BEFORE UPDATE ON public.force_types FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('force_key');

CREATE TRIGGER force_types_version_delete AFTER DELETE ON public.force_types REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER force_types_version_insert AFTER INSERT ON public.force_types REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER force_types_version_truncate AFTER TRUNCATE ON public.force_types FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER force_types_version_update AFTER UPDATE ON public.force_types REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER licenses_guard_admin_insert BEFORE INSERT ON public.licenses FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('license_key');

CREATE TRIGGER licenses_guard_admin_update BEFORE UPDATE ON public.licenses FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('license_key');

CREATE TRIGGER licenses_version_delete AFTER DELETE ON public.licenses REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER licenses_version_insert AFTER INSERT ON public.licenses REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER licenses_version_truncate AFTER TRUNCATE ON public.licenses FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER licenses_version_update AFTER UPDATE ON public.licenses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER mechanic_types_guard_admin_insert BEFORE INSERT ON public.mechanic_types FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('mechanic_key');

CREATE TRIGGER mechanic_types_guard_admin_update BEFORE UPDATE ON public.mechanic_types FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('mechanic_key');

CREATE TRIGGER mechanic_types_version_delete AFTER DELETE ON public.mechanic_types REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER mechanic_types_version_insert AFTER INSERT ON public.mechanic_types REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER mechanic_types_version_truncate AFTER TRUNCATE ON public.mechanic_types FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER mechanic_types_version_update AFTER UPDATE ON public.mechanic_types REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER metric_types_guard_admin_insert BEFORE INSERT ON public.metric_types FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('metric_type_key');

CREATE TRIGGER metric_types_guard_admin_update BEFORE UPDATE ON public.metric_types FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('metric_type_key');

CREATE TRIGGER metric_types_version_delete AFTER DELETE ON public.metric_types REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER metric_types_version_insert AFTER INSERT ON public.metric_types REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER metric_types_version_truncate AFTER TRUNCATE ON public.metric_types FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER metric_types_version_update AFTER UPDATE ON public.metric_types REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER muscle_groups_guard_admin_insert BEFORE INSERT ON public.muscle_groups FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('muscle_group_key');

CREATE TRIGGER muscle_groups_guard_admin_update BEFORE UPDATE ON public.muscle_groups FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('muscle_group_key');

CREATE TRIGGER muscle_groups_version_delete AFTER DELETE ON public.muscle_groups REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER muscle_groups_version_insert AFTER INSERT ON public.muscle_groups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER muscle_groups_version_truncate AFTER TRUNCATE ON public.muscle_groups FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER muscle_groups_version_update AFTER UPDATE ON public.muscle_groups REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER muscles_guard_admin_insert BEFORE INSERT ON public.muscles FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('muscle_key');

CREATE TRIGGER muscles_guard_admin_update BEFORE UPDATE ON public.muscles FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('muscle_key');

CREATE TRIGGER muscles_version_delete AFTER DELETE ON public.muscles REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER muscles_version_insert AFTER INSERT ON public.muscles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER muscles_version_truncate AFTER TRUNCATE ON public.muscles FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER muscles_version_update AFTER UPDATE ON public.muscles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER scoring_coefficients_guard_admin_insert BEFORE INSERT ON public.scoring_coefficients FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('formula_key', 'variant', 'coefficient');

CREATE TRIGGER scoring_coefficients_guard_admin_update BEFORE UPDATE ON public.scoring_coefficients FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('formula_key', 'variant', 'coefficient');

CREATE TRIGGER scoring_coefficients_version_delete AFTER DELETE ON public.scoring_coefficients REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER scoring_coefficients_version_insert AFTER INSERT ON public.scoring_coefficients REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER scoring_coefficients_version_truncate AFTER TRUNCATE ON public.scoring_coefficients FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER scoring_coefficients_version_update AFTER UPDATE ON public.scoring_coefficients REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER scoring_formulas_guard_admin_insert BEFORE INSERT ON public.scoring_formulas FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('formula_key');

CREATE TRIGGER scoring_formulas_guard_admin_update BEFORE UPDATE ON public.scoring_formulas FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('formula_key');

CREATE TRIGGER scoring_formulas_version_delete AFTER DELETE ON public.scoring_formulas REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER scoring_formulas_version_insert AFTER INSERT ON public.scoring_formulas REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER scoring_formulas_version_truncate AFTER TRUNCATE ON public.scoring_formulas FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER scoring_formulas_version_update AFTER UPDATE ON public.scoring_formulas REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER set_types_guard_admin_insert BEFORE INSERT ON public.set_types FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('set_type_key');

CREATE TRIGGER set_types_guard_admin_update BEFORE UPDATE ON public.set_types FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('set_type_key');

CREATE TRIGGER set_types_version_delete AFTER DELETE ON public.set_types REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER set_types_version_insert AFTER INSERT ON public.set_types REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER set_types_version_truncate AFTER TRUNCATE ON public.set_types FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER set_types_version_update AFTER UPDATE ON public.set_types REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER units_guard_admin_insert BEFORE INSERT ON public.units FOR EACH ROW WHEN ((new.source_type <> 'seed'::text)) EXECUTE FUNCTION public.reference_guard_admin_rows('unit_key');

CREATE TRIGGER units_guard_admin_update BEFORE UPDATE ON public.units FOR EACH ROW WHEN (((old.source_type = 'admin'::text) OR (new.source_type IS DISTINCT FROM old.source_type))) EXECUTE FUNCTION public.reference_guard_admin_rows('unit_key');

CREATE TRIGGER units_version_delete AFTER DELETE ON public.units REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER units_version_insert AFTER INSERT ON public.units REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER units_version_truncate AFTER TRUNCATE ON public.units FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

CREATE TRIGGER units_version_update AFTER UPDATE ON public.units REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.reference_bump_version();

ALTER TABLE ONLY public.equipment
    ADD CONSTRAINT equipment_equipment_category_key_fkey FOREIGN KEY (equipment_category_key) REFERENCES public.equipment_categories(equipment_category_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercise_aliases
    ADD CONSTRAINT exercise_aliases_exercise_key_fkey FOREIGN KEY (exercise_key) REFERENCES public.exercises(exercise_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercise_equipment
    ADD CONSTRAINT exercise_equipment_equipment_key_fkey FOREIGN KEY (equipment_key) REFERENCES public.equipment(equipment_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercise_equipment
    ADD CONSTRAINT exercise_equipment_exercise_key_fkey FOREIGN KEY (exercise_key) REFERENCES public.exercises(exercise_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercise_metrics
    ADD CONSTRAINT exercise_metrics_default_unit_key_fkey FOREIGN KEY (default_unit_key) REFERENCES public.units(unit_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercise_metrics
    ADD CONSTRAINT exercise_metrics_exercise_key_fkey FOREIGN KEY (exercise_key) REFERENCES public.exercises(exercise_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercise_metrics
    ADD CONSTRAINT exercise_metrics_metric_type_key_fkey FOREIGN KEY (metric_type_key) REFERENCES public.metric_types(metric_type_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercise_muscles
    ADD CONSTRAINT exercise_muscles_exercise_key_fkey FOREIGN KEY (exercise_key) REFERENCES public.exercises(exercise_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercise_muscles
    ADD CONSTRAINT exercise_muscles_muscle_key_fkey FOREIGN KEY (muscle_key) REFERENCES public.muscles(muscle_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercises
    ADD CONSTRAINT exercises_category_key_fkey FOREIGN KEY (category_key) REFERENCES public.exercise_categories(category_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercises
    ADD CONSTRAINT exercises_force_key_fkey FOREIGN KEY (force_key) REFERENCES public.force_types(force_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercises
    ADD CONSTRAINT exercises_level_key_fkey FOREIGN KEY (level_key) REFERENCES public.difficulty_levels(level_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercises
    ADD CONSTRAINT exercises_license_key_fkey FOREIGN KEY (license_key) REFERENCES public.licenses(license_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercises
    ADD CONSTRAINT exercises_mechanic_key_fkey FOREIGN KEY (mechanic_key) REFERENCES public.mechanic_types(mechanic_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.exercises
    ADD CONSTRAINT exercises_one_rm_formula_key_fkey FOREIGN KEY (one_rm_formula_key) REFERENCES public.scoring_formulas(formula_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.muscle_groups
    ADD CONSTRAINT muscle_groups_body_region_key_fkey FOREIGN KEY (body_region_key) REFERENCES public.body_regions(body_region_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.muscles
    ADD CONSTRAINT muscles_muscle_group_key_fkey FOREIGN KEY (muscle_group_key) REFERENCES public.muscle_groups(muscle_group_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.scoring_coefficients
    ADD CONSTRAINT scoring_coefficients_formula_key_fkey FOREIGN KEY (formula_key) REFERENCES public.scoring_formulas(formula_key) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.units
    ADD CONSTRAINT units_metric_type_key_fkey FOREIGN KEY (metric_type_key) REFERENCES public.metric_types(metric_type_key) ON UPDATE CASCADE ON DELETE RESTRICT;

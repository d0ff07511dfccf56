-- One row per committed seed run (DESIGN.md, "Versioning"), written by the seed inside its own transaction,
-- so a run that rolled back leaves none. The API's /metrics reads the latest: when the data was last seeded,
-- how many source rows, how long it took. No trigger: a seed run is not reference data and moves no version.

CREATE TABLE reference_seed_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    duration_ms double precision NOT NULL CHECK (duration_ms >= 0),
    source_rows bigint NOT NULL CHECK (source_rows >= 0),
    changed_rows bigint NOT NULL CHECK (changed_rows >= 0),
    version_seq bigint NOT NULL CHECK (version_seq > 0)
);

GRANT SELECT ON reference_seed_runs TO reference_reader;
GRANT SELECT, INSERT ON reference_seed_runs TO reference_seeder;

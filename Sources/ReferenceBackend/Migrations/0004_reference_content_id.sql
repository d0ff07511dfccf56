-- One version names one content, ever (DESIGN.md, "Versioning").
--
-- The published token was <version_seq>.<instance_id>: a backup restore rewinds version_seq, and every
-- database cloned from one template shares instance_id, so the same token could name different content (a
-- client holding its ETag got 304 and kept stale data). Now every bump also draws a new random content_id,
-- and the token is <version_seq>.<content_id>: a committed change always gets a token no content has had,
-- here or in any other database, while a restore or a clone brings back exactly the token of the content it
-- brings back. An identical re-seed still changes nothing, token included.

ALTER TABLE reference_metadata RENAME COLUMN instance_id TO content_id;

CREATE OR REPLACE FUNCTION reference_bump_version() RETURNS trigger
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
               content_id = gen_random_uuid(),
               last_updated = greatest(clock_timestamp(), last_updated + interval '1 microsecond'),
               bumped_by_xact = pg_current_xact_id()
         WHERE bumped_by_xact IS DISTINCT FROM pg_current_xact_id();
    END IF;
    RETURN NULL;
END
$$;

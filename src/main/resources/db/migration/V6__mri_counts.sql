-- Counts that do not scan: the summary of GET /MRI (rows by ground-truth class and by prediction) read from
-- counters kept by the database itself, so that every write path (upload, import, re-classification, a change,
-- a delete, a restore, a manual UPDATE in psql) is counted, exactly, in the writing transaction: a rolled-back
-- write rolls its counts back with it.
--
-- mri_counts: per UTC day of created_at, for date ranges; mri_counts_total: the same without the day, for the
-- common case (no date filter), a few rows per hospital. Keys with a zero count are kept (a later row reuses them).
-- Only the triggers write them (SECURITY DEFINER, as the owner): the service role may read, never write.
CREATE TABLE mri_counts (
    hospital      text    NOT NULL,
    gender        text    NOT NULL,
    label         text    NOT NULL,   -- 'tumor', 'healthy' or 'none' (unlabelled)
    prediction    text    NOT NULL,
    model_version text    NOT NULL,
    unfamiliar    boolean NOT NULL,
    day           date    NOT NULL,   -- (created_at AT TIME ZONE 'UTC')::date
    n             bigint  NOT NULL,   -- deltas arrive as upserts (negative ones too), so no CHECK: the tests compare with a scan
    PRIMARY KEY (hospital, day, gender, label, prediction, model_version, unfamiliar)
);
-- date ranges over all hospitals (the primary key serves the ones of one hospital)
CREATE INDEX mri_counts_day_idx ON mri_counts (day);

CREATE TABLE mri_counts_total (
    hospital      text    NOT NULL,
    gender        text    NOT NULL,
    label         text    NOT NULL,
    prediction    text    NOT NULL,
    model_version text    NOT NULL,
    unfamiliar    boolean NOT NULL,
    n             bigint  NOT NULL,
    PRIMARY KEY (hospital, gender, label, prediction, model_version, unfamiliar)
);

-- Adds the signed deltas of one statement. Statement-level (transition tables), so a bulk INSERT ... SELECT or
-- COPY of a million rows costs one grouped upsert, not a million; keys in a fixed order, so two transactions
-- never wait on each other's counters in opposite orders (no deadlock between writers).
CREATE FUNCTION mri_counts_after_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO mri_counts AS c (hospital, gender, label, prediction, model_version, unfamiliar, day, n)
    SELECT hospital, gender, coalesce(label, 'none'), prediction, model_version, unfamiliar,
           (created_at AT TIME ZONE 'UTC')::date, count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 7, 2, 3, 4, 5, 6
    ON CONFLICT (hospital, day, gender, label, prediction, model_version, unfamiliar) DO UPDATE SET n = c.n + excluded.n;
    INSERT INTO mri_counts_total AS c (hospital, gender, label, prediction, model_version, unfamiliar, n)
    SELECT hospital, gender, coalesce(label, 'none'), prediction, model_version, unfamiliar, count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (hospital, gender, label, prediction, model_version, unfamiliar) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END;
$$;

CREATE FUNCTION mri_counts_after_delete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO mri_counts AS c (hospital, gender, label, prediction, model_version, unfamiliar, day, n)
    SELECT hospital, gender, coalesce(label, 'none'), prediction, model_version, unfamiliar,
           (created_at AT TIME ZONE 'UTC')::date, -count(*)
    FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 7, 2, 3, 4, 5, 6
    ON CONFLICT (hospital, day, gender, label, prediction, model_version, unfamiliar) DO UPDATE SET n = c.n + excluded.n;
    INSERT INTO mri_counts_total AS c (hospital, gender, label, prediction, model_version, unfamiliar, n)
    SELECT hospital, gender, coalesce(label, 'none'), prediction, model_version, unfamiliar, -count(*)
    FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (hospital, gender, label, prediction, model_version, unfamiliar) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END;
$$;

-- An UPDATE moves a row from its old key to its new one; rows whose counted columns did not change net to zero
-- and touch no counter (a version bump, a new probability).
CREATE FUNCTION mri_counts_after_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    WITH moves AS (
        SELECT hospital, gender, coalesce(label, 'none') AS label, prediction, model_version, unfamiliar,
               (created_at AT TIME ZONE 'UTC')::date AS day, -1 AS delta FROM old_rows
        UNION ALL
        SELECT hospital, gender, coalesce(label, 'none'), prediction, model_version, unfamiliar,
               (created_at AT TIME ZONE 'UTC')::date, 1 FROM new_rows),
    d AS (SELECT hospital, gender, label, prediction, model_version, unfamiliar, day, sum(delta) AS n
          FROM moves GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(delta) <> 0)
    INSERT INTO mri_counts AS c (hospital, gender, label, prediction, model_version, unfamiliar, day, n)
    SELECT * FROM d ORDER BY hospital, day, gender, label, prediction, model_version, unfamiliar
    ON CONFLICT (hospital, day, gender, label, prediction, model_version, unfamiliar) DO UPDATE SET n = c.n + excluded.n;
    WITH moves AS (
        SELECT hospital, gender, coalesce(label, 'none') AS label, prediction, model_version, unfamiliar,
               -1 AS delta FROM old_rows
        UNION ALL
        SELECT hospital, gender, coalesce(label, 'none'), prediction, model_version, unfamiliar, 1 FROM new_rows),
    d AS (SELECT hospital, gender, label, prediction, model_version, unfamiliar, sum(delta) AS n
          FROM moves GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0)
    INSERT INTO mri_counts_total AS c (hospital, gender, label, prediction, model_version, unfamiliar, n)
    SELECT * FROM d ORDER BY hospital, gender, label, prediction, model_version, unfamiliar
    ON CONFLICT (hospital, gender, label, prediction, model_version, unfamiliar) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END;
$$;

CREATE FUNCTION mri_counts_after_truncate() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    TRUNCATE mri_counts, mri_counts_total;
    RETURN NULL;
END;
$$;

CREATE TRIGGER mri_counts_insert AFTER INSERT ON mri REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mri_counts_after_insert();
CREATE TRIGGER mri_counts_update AFTER UPDATE ON mri REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mri_counts_after_update();
CREATE TRIGGER mri_counts_delete AFTER DELETE ON mri REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mri_counts_after_delete();
CREATE TRIGGER mri_counts_truncate AFTER TRUNCATE ON mri
    FOR EACH STATEMENT EXECUTE FUNCTION mri_counts_after_truncate();

-- the rows stored before this migration (the trigger counts every row from here on)
INSERT INTO mri_counts (hospital, gender, label, prediction, model_version, unfamiliar, day, n)
SELECT hospital, gender, coalesce(label, 'none'), prediction, model_version, unfamiliar,
       (created_at AT TIME ZONE 'UTC')::date, count(*)
FROM mri GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO mri_counts_total (hospital, gender, label, prediction, model_version, unfamiliar, n)
SELECT hospital, gender, label, prediction, model_version, unfamiliar, sum(n)
FROM mri_counts GROUP BY 1, 2, 3, 4, 5, 6;

-- Rows by image alone (the unique key leads with the hospital): an object store's release and start-up sweep ask
-- whether any row still references an image's bytes.
CREATE INDEX mri_image_sha256_idx ON mri (image_sha256);

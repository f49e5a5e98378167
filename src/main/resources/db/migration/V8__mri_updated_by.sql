-- Who last changed a row (its metadata, its label or its prediction): a client whose If-Match went stale is told
-- who moved the row on. Null until the row is first changed after its upload, and for rows changed before V8.
ALTER TABLE mri ADD COLUMN updated_by_name text;

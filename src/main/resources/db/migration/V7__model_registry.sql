-- The model registry (issue 14): every model the server can serve, by version, and the history of which one
-- served. The active model is the latest activation, so a restart serves what was last activated, and
-- rolling back is activating the previous one again.
CREATE TABLE model_registry (
    version        text        PRIMARY KEY CHECK (version ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    name           text        NOT NULL,
    architecture   text        NOT NULL,
    created        text,
    source         text        NOT NULL CHECK (source IN ('shipped', 'upload', 'train')),
    registered_at  timestamptz NOT NULL DEFAULT now(),
    registered_by  text        NOT NULL,
    -- model.json as it was registered: its validation figures are what GET /models reports as metrics
    descriptor     jsonb       NOT NULL
);

CREATE TABLE model_activation (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version       text        NOT NULL REFERENCES model_registry (version),
    activated_at  timestamptz NOT NULL DEFAULT now(),
    activated_by  text        NOT NULL
);

-- A class set by a person (at upload, by PATCH/PUT, or by import from folder names) is confirmed; only those
-- rows count in a model's measured performance. Classes stored before this column were set the same ways.
ALTER TABLE mri ADD COLUMN class_confirmed boolean NOT NULL DEFAULT false;
UPDATE mri SET class_confirmed = true WHERE label IS NOT NULL;
CREATE INDEX mri_confirmed_idx ON mri (model_version, created_at) WHERE class_confirmed;

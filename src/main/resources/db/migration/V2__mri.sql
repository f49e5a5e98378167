-- The MRI data set: one row per uploaded slice, its prediction, and (separately) its bytes.
CREATE TABLE mri (
    id              uuid        PRIMARY KEY,
    gender          text        NOT NULL CHECK (gender IN ('female', 'male', 'other', 'unknown')),
    hospital        text        NOT NULL,
    label           text        CHECK (label IN ('tumor', 'healthy')),
    prediction      text        NOT NULL CHECK (prediction IN ('tumor', 'healthy')),
    probability     real        NOT NULL CHECK (probability >= 0 AND probability <= 1),
    model_version   text        NOT NULL,
    image_sha256    text        NOT NULL CHECK (image_sha256 ~ '^[0-9a-f]{64}$'),
    content_type    text        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size_bytes      integer     NOT NULL CHECK (size_bytes > 0),
    width           integer     NOT NULL CHECK (width > 0),
    height          integer     NOT NULL CHECK (height > 0),
    created_by      uuid,
    created_by_name text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer     NOT NULL DEFAULT 1,
    -- one hospital stores an image once: re-uploads and re-imports find the existing row
    CONSTRAINT mri_hospital_sha256_key UNIQUE (hospital, image_sha256)
);
-- newest first, per hospital and overall: the list's order and its cursor
CREATE INDEX mri_hospital_created_idx ON mri (hospital, created_at DESC, id DESC);
CREATE INDEX mri_created_idx ON mri (created_at DESC, id DESC);

-- The bytes, exactly as uploaded, apart from the metadata so that lists never read them. Written in the same
-- transaction as their row and removed with it.
CREATE TABLE mri_image (
    mri_id  uuid  PRIMARY KEY REFERENCES mri (id) ON DELETE CASCADE,
    bytes   bytea NOT NULL
);
ALTER TABLE mri_image ALTER COLUMN bytes SET STORAGE EXTERNAL;

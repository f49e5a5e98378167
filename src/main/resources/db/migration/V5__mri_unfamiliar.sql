-- The unfamiliar-input flag of each prediction (the image is unlike the model's training data: another scanner or
-- sequence, another body part, not an MRI slice at all) and the embedding distance behind it. Rows classified
-- before the flag existed are not flagged and have no score.
ALTER TABLE mri ADD COLUMN unfamiliar boolean NOT NULL DEFAULT false;
ALTER TABLE mri ADD COLUMN unfamiliar_score real CHECK (unfamiliar_score IS NULL OR unfamiliar_score >= 0);
-- flagged rows are few: a partial index finds a hospital's newest ones without reading the rest
CREATE INDEX mri_unfamiliar_idx ON mri (hospital, created_at DESC, id DESC) WHERE unfamiliar;

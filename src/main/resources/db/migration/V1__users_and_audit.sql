-- Users of the service, each tied to one hospital.
CREATE TABLE users (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_name      text        NOT NULL,
    email          text        NOT NULL,
    password_hash  text        NOT NULL,
    hospital       text        NOT NULL,
    role           text        NOT NULL CHECK (role IN ('admin', 'moderator', 'doctor', 'technician')),
    -- bumped on every password or role change and on deletion: tokens carry it, so old tokens stop working
    token_version  integer     NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        integer     NOT NULL DEFAULT 1,
    CONSTRAINT users_user_name_key UNIQUE (user_name)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_hospital_name_idx ON users (hospital, user_name);

-- Who did what to which row, when, from where, with what outcome. Append-only: enforced by a trigger,
-- so it holds for every role that can write to the table.
CREATE TABLE audit_log (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     uuid,
    actor_name   text,
    actor_role   text,
    hospital     text,
    action       text        NOT NULL,
    target_type  text,
    target_id    text,
    outcome      text        NOT NULL,
    status       integer,
    address      text,
    request_id   text,
    details      jsonb
);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

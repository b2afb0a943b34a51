-- 为企服务 (issue 14, article 17; article 5's 前台综合受理、后台分类审批): the problem pool, every
-- change of a problem as an event, attachments, the working group's routing changes, the API keys
-- of the channels (Open311), and 千名干部联万企 (assignments and visits).
--
-- service_problems holds each problem's current state, written in the same transaction as the
-- event that changed it (the events are the history: append-only, triggers refuse UPDATE/DELETE).
CREATE TABLE service_problems (
    id                 BIGSERIAL PRIMARY KEY,
    -- 统一社会信用代码 as given; registered = 0 when not in the registry (accepted and flagged).
    uscc               TEXT    NOT NULL,
    enterprise_name    TEXT    NOT NULL,
    registered         BOOLEAN NOT NULL,
    county             TEXT    NOT NULL,
    category           TEXT    NOT NULL,
    title              TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    -- enterprise_page | visit | front_desk | hotline | open311
    channel            TEXT    NOT NULL,
    -- The contact person and phone: never shown in a public read.
    contact_name       TEXT    NOT NULL DEFAULT '',
    contact_phone      TEXT    NOT NULL DEFAULT '',
    public             BOOLEAN NOT NULL,
    received_on        DATE    NOT NULL,
    received_month     TEXT    NOT NULL,
    received_at        TIMESTAMPTZ NOT NULL,
    -- unit:<id> | county:<jurisdiction>
    handler            TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    limit_workdays     BIGINT  NOT NULL,
    extension_workdays BIGINT  NOT NULL DEFAULT 0,
    deadline           DATE    NOT NULL,
    transfers          BIGINT  NOT NULL DEFAULT 0,
    duplicate_of       BIGINT  REFERENCES service_problems (id),
    -- The first 办结 (reply or closure with a reason): day, on time, working days taken.
    done_on            DATE,
    done_on_time       BOOLEAN,
    done_workdays      BIGINT,
    -- The latest 办结 (the confirmation and reopening windows count from it).
    last_done_on       DATE,
    resolved           BOOLEAN NOT NULL DEFAULT FALSE,
    reopened           BOOLEAN NOT NULL DEFAULT FALSE,
    rating             BIGINT  CHECK (rating BETWEEN 1 AND 5),
    reply              TEXT    NOT NULL DEFAULT '',
    -- The record number of the channel (a 12345 ticket, a visit) if any.
    source_ref         TEXT    NOT NULL DEFAULT '',
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX service_problems_handler ON service_problems (handler, state, deadline);
CREATE INDEX service_problems_county ON service_problems (county, state, deadline);
CREATE INDEX service_problems_uscc ON service_problems (uscc, category, received_on);
CREATE INDEX service_problems_public ON service_problems (public, received_on);
CREATE INDEX service_problems_state ON service_problems (state, deadline);

-- Every change: who, when, from, to, note (and the handler before and after a dispatch/transfer).
CREATE TABLE service_events (
    id           BIGSERIAL PRIMARY KEY,
    problem_id   BIGINT  NOT NULL REFERENCES service_problems (id),
    action       TEXT    NOT NULL,
    from_state   TEXT,
    to_state     TEXT    NOT NULL,
    note         TEXT    NOT NULL DEFAULT '',
    handler_from TEXT    NOT NULL DEFAULT '',
    handler_to   TEXT    NOT NULL DEFAULT '',
    by_user      TEXT    NOT NULL,
    by_role      TEXT    NOT NULL,
    on_day       DATE    NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX service_events_problem ON service_events (problem_id, id);

CREATE TABLE service_attachments (
    id           BIGSERIAL PRIMARY KEY,
    problem_id   BIGINT  NOT NULL REFERENCES service_problems (id),
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size_bytes   BIGINT  NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BYTEA   NOT NULL
);
CREATE INDEX service_attachments_problem ON service_attachments (problem_id);

-- The working group's routing changes (category × county → unit:<id> | county): the latest counts.
CREATE TABLE service_routes (
    id         BIGSERIAL PRIMARY KEY,
    category   TEXT NOT NULL,
    county     TEXT NOT NULL,
    handler    TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);

-- An API key per channel (e.g. the 12345 hotline) for Open311 POST; only its SHA-256 is kept.
CREATE TABLE service_api_keys (
    id         BIGSERIAL PRIMARY KEY,
    channel    TEXT NOT NULL,
    name       TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);

-- 千名干部联万企: an official (name, post, county) linked to enterprises; the latest row per
-- (official, uscc) counts (active = 0 ends a link).
CREATE TABLE service_assignments (
    id         BIGSERIAL PRIMARY KEY,
    official   TEXT NOT NULL,
    post       TEXT NOT NULL DEFAULT '',
    county     TEXT NOT NULL,
    uscc       TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    changed_on DATE NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX service_assignments_official ON service_assignments (official, uscc, id);
CREATE INDEX service_assignments_county ON service_assignments (county);

-- The visit log; problems raised enter the pool with channel 'visit' (their source_ref is 'visit:<id>').
CREATE TABLE service_visits (
    id         BIGSERIAL PRIMARY KEY,
    official   TEXT NOT NULL,
    uscc       TEXT NOT NULL,
    county     TEXT NOT NULL,
    visited_on DATE NOT NULL,
    discussed  TEXT NOT NULL,
    logged_by  TEXT NOT NULL,
    logged_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX service_visits_official ON service_visits (official, visited_on);
CREATE INDEX service_visits_county ON service_visits (county, visited_on);

CREATE FUNCTION huiqi_service_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '只能追加，不能修改或删除（%）', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER service_events_append_only BEFORE UPDATE OR DELETE ON service_events
    FOR EACH ROW EXECUTE FUNCTION huiqi_service_append_only();
CREATE TRIGGER service_visits_append_only BEFORE UPDATE OR DELETE ON service_visits
    FOR EACH ROW EXECUTE FUNCTION huiqi_service_append_only();
CREATE TRIGGER service_problems_no_delete BEFORE DELETE ON service_problems
    FOR EACH ROW EXECUTE FUNCTION huiqi_service_append_only();

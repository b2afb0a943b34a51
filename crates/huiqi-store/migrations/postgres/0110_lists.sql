-- Lists beside the registry that 日常调度 computes targets from (issue 7): 认定名单 (`certifications`:
-- 科技型中小企业, 创新型中小企业, 省级专精特新) and 创业培训台账 (`trainings`, one row per session).
-- Their provenance is kept in list_imports, not in `imports` (whose CHECK names the registry's sources
-- and whose rows each carry a year).

CREATE TABLE list_imports (
    id             BIGSERIAL PRIMARY KEY,
    source         TEXT    NOT NULL CHECK (source IN ('certifications', 'trainings')),
    file_name      TEXT    NOT NULL,
    file_sha256    TEXT    NOT NULL,
    imported_at    TIMESTAMPTZ   NOT NULL,
    rows_total     BIGINT NOT NULL,
    rows_new       BIGINT NOT NULL,
    rows_updated   BIGINT NOT NULL,
    rows_unchanged BIGINT NOT NULL
);

-- One row per enterprise and kind of certification; import_id: the file (name, SHA-256, time) the
-- row's values came from.
CREATE TABLE certifications (
    uscc           TEXT    NOT NULL REFERENCES enterprises (uscc),
    kind           TEXT    NOT NULL CHECK (kind IN ('tech_sme', 'innovative_sme', 'provincial_zjtx')),
    certified_on   DATE   NOT NULL,
    certificate_no TEXT,
    import_id      BIGINT NOT NULL REFERENCES list_imports (id),
    PRIMARY KEY (uscc, kind)
);
CREATE INDEX certifications_kind_date ON certifications (kind, certified_on);

-- One row per training session (场次); county is a jurisdiction id of the policy pack.
CREATE TABLE training_sessions (
    session_id TEXT    PRIMARY KEY NOT NULL,
    held_on    DATE   NOT NULL,
    county     TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    organiser  TEXT,
    attendees  BIGINT NOT NULL CHECK (attendees >= 0),
    import_id  BIGINT NOT NULL REFERENCES list_imports (id)
);
CREATE INDEX training_sessions_held_on ON training_sessions (held_on);

-- The old values of a row that a later import changed (JSON object of the changed columns' old
-- values), so nothing is overwritten without a record.
CREATE TABLE list_history (
    id            BIGSERIAL PRIMARY KEY,
    source        TEXT    NOT NULL,
    row_key       TEXT    NOT NULL,
    old_values    TEXT    NOT NULL,
    old_import_id BIGINT NOT NULL REFERENCES list_imports (id),
    new_import_id BIGINT NOT NULL REFERENCES list_imports (id)
);
CREATE INDEX list_history_key ON list_history (source, row_key);

-- The finance figures of 日常调度 (new loans, first loans per year) read only the rows a finance
-- import filled; a partial index finds them without scanning every fact row, and costs the other
-- imports nothing.
CREATE INDEX enterprise_facts_finance ON enterprise_facts (year) WHERE finance_import_id IS NOT NULL;

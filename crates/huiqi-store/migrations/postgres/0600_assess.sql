-- 督办与考核 (issue 16): task reports and their evidence, 督办单 with their events, published cases,
-- stored assessments, and the incentive-fund ledger of article 19.
-- Everything here is append-only: a correction is a new row (the latest report counts; a ledger
-- entry is corrected by a reversing entry). Triggers refuse UPDATE and DELETE.

-- A report on one supervision line (task × unit × jurisdiction) for one period (2023-Q3, 2023-09,
-- 2023-H1, 2023). unit '' = the jurisdiction's government itself. kind: progress | case | practice
-- (article 18's 典型案例 and 经验做法).
CREATE TABLE task_reports (
    id           BIGSERIAL PRIMARY KEY,
    task         TEXT    NOT NULL,
    unit         TEXT    NOT NULL DEFAULT '',
    jurisdiction TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('progress', 'case', 'practice')),
    status       TEXT    NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done', 'lagging')),
    title        TEXT    NOT NULL DEFAULT '',
    progress     TEXT    NOT NULL,
    measures     TEXT    NOT NULL DEFAULT '',
    figures      TEXT    NOT NULL DEFAULT '',
    reporter     TEXT    NOT NULL,
    -- The day of the report in China (on time or late is decided by it).
    reported_on  DATE    NOT NULL,
    reported_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX task_reports_line ON task_reports (jurisdiction, task, unit, period, id);
CREATE INDEX task_reports_period ON task_reports (period, id);

-- Evidence files of a report (bytes kept in the database, with their SHA-256).
CREATE TABLE task_report_files (
    id           BIGSERIAL PRIMARY KEY,
    report_id    BIGINT  NOT NULL REFERENCES task_reports (id),
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size_bytes   BIGINT  NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BYTEA   NOT NULL
);
CREATE INDEX task_report_files_report ON task_report_files (report_id);

-- Publishing a case or practice on the public page, and taking it back: the latest row counts.
CREATE TABLE task_report_publications (
    id         BIGSERIAL PRIMARY KEY,
    report_id  BIGINT  NOT NULL REFERENCES task_reports (id),
    published  BOOLEAN NOT NULL,
    changed_by TEXT    NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    note       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX task_report_publications_report ON task_report_publications (report_id, id);

-- 督办单: sent for one line and period; its states are events (issue, reply, close, return, withdraw).
CREATE TABLE supervision_orders (
    id           BIGSERIAL PRIMARY KEY,
    task         TEXT    NOT NULL,
    unit         TEXT    NOT NULL DEFAULT '',
    jurisdiction TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    requirement  TEXT    NOT NULL,
    issued_on    DATE    NOT NULL,
    issued_by    TEXT    NOT NULL
);
CREATE INDEX supervision_orders_line ON supervision_orders (jurisdiction, task, unit);

CREATE TABLE supervision_order_events (
    id         BIGSERIAL PRIMARY KEY,
    order_id   BIGINT  NOT NULL REFERENCES supervision_orders (id),
    -- 1 for the issue; two people acting at once cannot both write the same next step.
    seq        BIGINT  NOT NULL,
    action     TEXT    NOT NULL CHECK (action IN ('issue', 'reply', 'close', 'return', 'withdraw')),
    from_state TEXT,
    to_state   TEXT    NOT NULL CHECK (to_state IN ('issued', 'replied', 'returned', 'closed', 'withdrawn')),
    note       TEXT    NOT NULL DEFAULT '',
    -- The reply date in force after this event.
    due_on     DATE    NOT NULL,
    by_user    TEXT    NOT NULL,
    on_date    DATE    NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    UNIQUE (order_id, seq)
);

-- A computed assessment kept as it was shown (JSON of huiqi-assess's Assessment), and its publication.
CREATE TABLE assessments (
    id             BIGSERIAL PRIMARY KEY,
    year           INTEGER NOT NULL,
    scheme_id      TEXT    NOT NULL,
    scheme_version TEXT    NOT NULL,
    scheme_sha256  TEXT    NOT NULL,
    pool_fen       BIGINT  NOT NULL CHECK (pool_fen >= 0),
    result         TEXT    NOT NULL,
    computed_by    TEXT    NOT NULL,
    computed_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX assessments_year ON assessments (year, id);

CREATE TABLE assessment_publications (
    id            BIGSERIAL PRIMARY KEY,
    assessment_id BIGINT  NOT NULL REFERENCES assessments (id),
    published     BOOLEAN NOT NULL,
    changed_by    TEXT    NOT NULL,
    changed_at    TIMESTAMPTZ NOT NULL,
    note          TEXT    NOT NULL DEFAULT ''
);

-- The incentive-fund ledger: one account per jurisdiction and award year, entries numbered 1, 2, …
-- within it, each carrying the balance after it (never negative). A reversal names the entry it
-- reverses (at most once).
CREATE TABLE fund_entries (
    id                BIGSERIAL PRIMARY KEY,
    jurisdiction      TEXT    NOT NULL,
    year              INTEGER NOT NULL,
    seq               BIGINT  NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('award', 'spend', 'reversal')),
    entry_date        DATE    NOT NULL,
    amount_fen        BIGINT  NOT NULL CHECK (amount_fen > 0),
    purpose           TEXT    CHECK (purpose IN ('public_service_platform', 'startup_coaching',
                          'entrepreneur_training', 'zjtx_support', 'insurance_subsidy')),
    project           TEXT    NOT NULL DEFAULT '',
    recipient         TEXT    NOT NULL DEFAULT '',
    document_no       TEXT    NOT NULL DEFAULT '',
    attachment        TEXT,
    reverses          BIGINT  UNIQUE REFERENCES fund_entries (id),
    reversed_kind     TEXT    CHECK (reversed_kind IN ('award', 'spend')),
    assessment_id     BIGINT  REFERENCES assessments (id),
    balance_after_fen BIGINT  NOT NULL CHECK (balance_after_fen >= 0),
    note              TEXT    NOT NULL DEFAULT '',
    recorded_by       TEXT    NOT NULL,
    recorded_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (jurisdiction, year, seq),
    CHECK ((kind = 'spend') = (purpose IS NOT NULL) OR kind = 'reversal'),
    CHECK ((kind = 'reversal') = (reverses IS NOT NULL))
);

-- Own-funded support of jurisdictions (article 19: 未获得激励的县（区）需自行安排资金), kept apart from
-- the awarded money. Corrected by reversal as well.
CREATE TABLE fund_own_support (
    id           BIGSERIAL PRIMARY KEY,
    jurisdiction TEXT    NOT NULL,
    year         INTEGER NOT NULL,
    entry_date   DATE    NOT NULL,
    amount_fen   BIGINT  NOT NULL CHECK (amount_fen > 0),
    purpose      TEXT    CHECK (purpose IN ('public_service_platform', 'startup_coaching',
                     'entrepreneur_training', 'zjtx_support', 'insurance_subsidy')),
    project      TEXT    NOT NULL,
    recipient    TEXT    NOT NULL DEFAULT '',
    document_no  TEXT    NOT NULL DEFAULT '',
    attachment   TEXT,
    reverses     BIGINT  UNIQUE REFERENCES fund_own_support (id),
    note         TEXT    NOT NULL DEFAULT '',
    recorded_by  TEXT    NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX fund_own_support_year ON fund_own_support (year, jurisdiction);

-- Append-only, enforced by the database itself.
CREATE FUNCTION huiqi_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '只能追加，不能修改或删除（%）：更正请追加新记录或冲销', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER task_reports_append_only BEFORE UPDATE OR DELETE ON task_reports
    FOR EACH ROW EXECUTE FUNCTION huiqi_append_only();
CREATE TRIGGER task_report_files_append_only BEFORE UPDATE OR DELETE ON task_report_files
    FOR EACH ROW EXECUTE FUNCTION huiqi_append_only();
CREATE TRIGGER task_report_publications_append_only BEFORE UPDATE OR DELETE ON task_report_publications
    FOR EACH ROW EXECUTE FUNCTION huiqi_append_only();
CREATE TRIGGER supervision_orders_append_only BEFORE UPDATE OR DELETE ON supervision_orders
    FOR EACH ROW EXECUTE FUNCTION huiqi_append_only();
CREATE TRIGGER supervision_order_events_append_only BEFORE UPDATE OR DELETE ON supervision_order_events
    FOR EACH ROW EXECUTE FUNCTION huiqi_append_only();
CREATE TRIGGER assessments_append_only BEFORE UPDATE OR DELETE ON assessments
    FOR EACH ROW EXECUTE FUNCTION huiqi_append_only();
CREATE TRIGGER assessment_publications_append_only BEFORE UPDATE OR DELETE ON assessment_publications
    FOR EACH ROW EXECUTE FUNCTION huiqi_append_only();
CREATE TRIGGER fund_entries_append_only BEFORE UPDATE OR DELETE ON fund_entries
    FOR EACH ROW EXECUTE FUNCTION huiqi_append_only();
CREATE TRIGGER fund_own_support_append_only BEFORE UPDATE OR DELETE ON fund_own_support
    FOR EACH ROW EXECUTE FUNCTION huiqi_append_only();

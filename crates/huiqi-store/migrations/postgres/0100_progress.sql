-- 日常调度 (issue 7): jurisdiction shares of the city targets and the monthly reports.
-- Values are exact: BIGINT in units of 1/10000 of the target's unit (亿元 to 1万元, % to 0.0001).
-- Nothing is updated in place: a new allocation or report is a new row; the latest one counts.
CREATE TABLE progress_allocations (
    id           BIGSERIAL PRIMARY KEY,
    target       TEXT    NOT NULL,
    jurisdiction TEXT    NOT NULL,
    value_e4     BIGINT  NOT NULL,
    changed_at   TIMESTAMPTZ NOT NULL,
    changed_by   TEXT    NOT NULL,
    note         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX progress_allocations_key ON progress_allocations (target, jurisdiction, id);

-- value: year to date for yearly targets, since the start for cumulative ones, the level reached for
-- by-date ones (ratios), as of the end of `period` (YYYY-MM).
CREATE TABLE progress_reports (
    id           BIGSERIAL PRIMARY KEY,
    target       TEXT    NOT NULL,
    jurisdiction TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    value_e4     BIGINT  NOT NULL,
    note         TEXT    NOT NULL DEFAULT '',
    attachment   TEXT,
    reporter     TEXT    NOT NULL,
    reported_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX progress_reports_period ON progress_reports (period, target, jurisdiction, id);

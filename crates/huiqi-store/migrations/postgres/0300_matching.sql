-- 免申即享 (issue 5): matching runs and their results, and benefits actually granted.
-- A run is never overwritten: runs are compared with each other.
CREATE TABLE match_runs (
    id            BIGSERIAL PRIMARY KEY,
    started_at    TIMESTAMPTZ NOT NULL,
    at_date       DATE    NOT NULL,
    year          INTEGER NOT NULL,
    pack_id       TEXT    NOT NULL,
    pack_version  TEXT    NOT NULL,
    -- The parameter values in force at at_date (JSON: id → value, start date, reference).
    parameters    TEXT    NOT NULL,
    enterprises   BIGINT  NOT NULL,
    total_fen     BIGINT  NOT NULL
);

-- One row per enterprise and run; each measure is a column (eligible = amount > 0, or the flag).
-- Wide rather than one row per measure: 1M rows per run instead of 9M.
CREATE TABLE match_results (
    run_id                  BIGINT  NOT NULL REFERENCES match_runs (id),
    uscc                    TEXT    NOT NULL,
    size_class              TEXT    NOT NULL,
    small_low_profit        BOOLEAN NOT NULL,
    cit_relief_fen          BIGINT  NOT NULL,
    iit_business_relief_fen BIGINT  NOT NULL,
    six_taxes_relief_fen    BIGINT  NOT NULL,
    vat_relief_fen          BIGINT  NOT NULL,
    startup_deduction_fen   BIGINT  NOT NULL,
    rd_extra_deduction_fen  BIGINT  NOT NULL,
    total_relief_fen        BIGINT  NOT NULL,
    PRIMARY KEY (run_id, uscc)
);

-- Benefits actually granted (import source `granted`), for the auditor's two lists.
CREATE TABLE grants (
    id         BIGSERIAL PRIMARY KEY,
    uscc       TEXT    NOT NULL,
    measure    TEXT    NOT NULL,
    amount_fen BIGINT  NOT NULL,
    granted_on DATE    NOT NULL,
    file_name  TEXT    NOT NULL,
    UNIQUE (uscc, measure, granted_on)
);

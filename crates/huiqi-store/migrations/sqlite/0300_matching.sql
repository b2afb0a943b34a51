-- 免申即享 (issue 5): matching runs and their results, and benefits actually granted.
-- A run is never overwritten: runs are compared with each other.
CREATE TABLE match_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at    TEXT    NOT NULL,
    at_date       TEXT    NOT NULL,
    year          INTEGER NOT NULL,
    pack_id       TEXT    NOT NULL,
    pack_version  TEXT    NOT NULL,
    -- The parameter values in force at at_date (JSON: id → value, start date, reference).
    parameters    TEXT    NOT NULL,
    enterprises   INTEGER NOT NULL,
    total_fen     INTEGER NOT NULL
);

-- One row per enterprise and run; each measure is a column (eligible = amount > 0, or the flag).
-- Wide rather than one row per measure: 1M rows per run instead of 9M.
CREATE TABLE match_results (
    run_id                  INTEGER NOT NULL REFERENCES match_runs (id),
    uscc                    TEXT    NOT NULL,
    size_class              TEXT    NOT NULL,
    small_low_profit        INTEGER NOT NULL,
    cit_relief_fen          INTEGER NOT NULL,
    iit_business_relief_fen INTEGER NOT NULL,
    six_taxes_relief_fen    INTEGER NOT NULL,
    vat_relief_fen          INTEGER NOT NULL,
    startup_deduction_fen   INTEGER NOT NULL,
    rd_extra_deduction_fen  INTEGER NOT NULL,
    total_relief_fen        INTEGER NOT NULL,
    PRIMARY KEY (run_id, uscc)
);

-- Benefits actually granted (import source `granted`), for the auditor's two lists.
CREATE TABLE grants (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uscc       TEXT    NOT NULL,
    measure    TEXT    NOT NULL,
    amount_fen INTEGER NOT NULL,
    granted_on TEXT    NOT NULL,
    file_name  TEXT    NOT NULL,
    UNIQUE (uscc, measure, granted_on)
);

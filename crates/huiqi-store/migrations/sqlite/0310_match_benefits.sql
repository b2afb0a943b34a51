-- 免申即享 (issue 11): a run's results in a layout that does not change when a measure is added.
--   match_results:  one row per run and enterprise (its size class and county at the run);
--   match_benefits: one row per run, measure and enterprise the enterprise benefits from: the amount
--                   in fen, or 1 for a flag (小型微利企业). No row: not eligible. The measure is its
--                   id in huiqi-rules' measure table, so a new measure needs no migration. The total
--                   (total_relief) is not stored: it is the sum of the amounts it counts.
-- The primary key (run, measure, county, uscc) serves the push lists: one measure of a run, the
-- whole city or one county, in uscc order, with its count and total.
-- match_runs.import_watermark: the latest import the run read (NULL for runs made before), so that
-- a push list explains each amount with the facts as they were at the run (value_history).

ALTER TABLE match_runs ADD COLUMN import_watermark INTEGER;

CREATE TABLE match_benefits (
    run_id     INTEGER NOT NULL REFERENCES match_runs (id),
    measure    TEXT    NOT NULL,
    county     TEXT    NOT NULL,
    uscc       TEXT    NOT NULL,
    amount_fen INTEGER NOT NULL,
    PRIMARY KEY (run_id, measure, county, uscc)
) WITHOUT ROWID;

INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen)
SELECT m.run_id, 'small_low_profit', COALESCE(e.county, ''), m.uscc, 1
FROM match_results m LEFT JOIN enterprises e ON e.uscc = m.uscc WHERE m.small_low_profit <> 0;

INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen)
SELECT m.run_id, 'cit_relief', COALESCE(e.county, ''), m.uscc, m.cit_relief_fen
FROM match_results m LEFT JOIN enterprises e ON e.uscc = m.uscc WHERE m.cit_relief_fen > 0;

INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen)
SELECT m.run_id, 'iit_business_relief', COALESCE(e.county, ''), m.uscc, m.iit_business_relief_fen
FROM match_results m LEFT JOIN enterprises e ON e.uscc = m.uscc WHERE m.iit_business_relief_fen > 0;

INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen)
SELECT m.run_id, 'six_taxes_relief', COALESCE(e.county, ''), m.uscc, m.six_taxes_relief_fen
FROM match_results m LEFT JOIN enterprises e ON e.uscc = m.uscc WHERE m.six_taxes_relief_fen > 0;

INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen)
SELECT m.run_id, 'vat_relief', COALESCE(e.county, ''), m.uscc, m.vat_relief_fen
FROM match_results m LEFT JOIN enterprises e ON e.uscc = m.uscc WHERE m.vat_relief_fen > 0;

INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen)
SELECT m.run_id, 'startup_deduction', COALESCE(e.county, ''), m.uscc, m.startup_deduction_fen
FROM match_results m LEFT JOIN enterprises e ON e.uscc = m.uscc WHERE m.startup_deduction_fen > 0;

INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen)
SELECT m.run_id, 'rd_extra_deduction', COALESCE(e.county, ''), m.uscc, m.rd_extra_deduction_fen
FROM match_results m LEFT JOIN enterprises e ON e.uscc = m.uscc WHERE m.rd_extra_deduction_fen > 0;

CREATE TABLE match_results_0310 (
    run_id     INTEGER NOT NULL REFERENCES match_runs (id),
    uscc       TEXT    NOT NULL,
    county     TEXT    NOT NULL,
    size_class TEXT    NOT NULL,
    PRIMARY KEY (run_id, uscc)
);
INSERT INTO match_results_0310 (run_id, uscc, county, size_class)
SELECT m.run_id, m.uscc, COALESCE(e.county, ''), m.size_class
FROM match_results m LEFT JOIN enterprises e ON e.uscc = m.uscc;
DROP TABLE match_results;
ALTER TABLE match_results_0310 RENAME TO match_results;

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

ALTER TABLE match_runs ADD COLUMN import_watermark BIGINT;

CREATE TABLE match_benefits (
    run_id     BIGINT NOT NULL REFERENCES match_runs (id),
    measure    TEXT    NOT NULL,
    county     TEXT    NOT NULL,
    uscc       TEXT    NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (run_id, measure, county, uscc)
);

INSERT INTO match_benefits (run_id, measure, county, uscc, amount_fen)
SELECT m.run_id, 'small_low_profit', COALESCE(e.county, ''), m.uscc, 1
FROM match_results m LEFT JOIN enterprises e ON e.uscc = m.uscc WHERE m.small_low_profit;

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

ALTER TABLE match_results ADD COLUMN county TEXT;
UPDATE match_results m SET county = COALESCE((SELECT e.county FROM enterprises e WHERE e.uscc = m.uscc), '');
ALTER TABLE match_results ALTER COLUMN county SET NOT NULL;
ALTER TABLE match_results
    DROP COLUMN small_low_profit,
    DROP COLUMN cit_relief_fen,
    DROP COLUMN iit_business_relief_fen,
    DROP COLUMN six_taxes_relief_fen,
    DROP COLUMN vat_relief_fen,
    DROP COLUMN startup_deduction_fen,
    DROP COLUMN rd_extra_deduction_fen,
    DROP COLUMN total_relief_fen;

-- no-transaction
-- Speed and scale (issue 18): the registry's two keys as unique indexes of their own instead of
-- PRIMARY KEY clauses, so that an import into an empty registry can drop them and build each once
-- after the load, by sorting (`registry/import.rs`), instead of inserting a million codes one by
-- one into each: the same rows in the sqlite3 shell, 8.7–8.8 s with the keys kept against
-- 7.3–7.5 s with them built after (2026-12-01). The same columns in the same order, the same
-- uniqueness and the same foreign keys; `enterprises_uscc` and `enterprise_facts_key` replace
-- the automatic indexes. PostgreSQL keeps its primary keys (its bulk load drops and rebuilds
-- them itself; migrations/postgres/0840_registry_keys.sql is empty).
--
-- SQLite cannot drop a PRIMARY KEY: both tables are rebuilt by its documented procedure (foreign
-- keys off, new table, copy, drop, rename) in one transaction of the file's own, as 0710 did.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE enterprises_0840 (
    uscc           TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('enterprise', 'individual_business')),
    county         TEXT    NOT NULL,
    industry       TEXT    NOT NULL,
    registered_on  TEXT,
    status         TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'deregistered')),
    import_id      INTEGER NOT NULL REFERENCES imports (id),
    contact_person TEXT,
    contact_phone  TEXT
);
INSERT INTO enterprises_0840 SELECT uscc, name, kind, county, industry, registered_on, status,
    import_id, contact_person, contact_phone FROM enterprises ORDER BY uscc;
DROP TABLE enterprises;
ALTER TABLE enterprises_0840 RENAME TO enterprises;
CREATE UNIQUE INDEX enterprises_uscc ON enterprises (uscc);

CREATE TABLE enterprise_facts_0840 (
    uscc                      TEXT    NOT NULL REFERENCES enterprises (uscc),
    year                      INTEGER NOT NULL,
    -- 税务 (tax)
    revenue                   INTEGER,
    total_assets              INTEGER,
    taxable_income            INTEGER,
    restricted_industry       INTEGER,
    business_income           INTEGER,
    other_iit_relief          INTEGER,
    vat_small_scale           INTEGER,
    vat_sales_q1              INTEGER,
    vat_sales_q2              INTEGER,
    vat_sales_q3              INTEGER,
    vat_sales_q4              INTEGER,
    resource_tax              INTEGER,
    urban_maintenance_tax     INTEGER,
    property_tax              INTEGER,
    land_use_tax              INTEGER,
    stamp_duty                INTEGER,
    farmland_occupation_tax   INTEGER,
    education_surcharge       INTEGER,
    local_education_surcharge INTEGER,
    vat_due                   INTEGER,
    iit_due                   INTEGER,
    rd_expense                INTEGER,
    tax_import_id             INTEGER REFERENCES imports (id),
    -- 人社 (hr)
    employees_x100            INTEGER,
    founder_group             TEXT CHECK (founder_group IN ('none', 'retired_soldier', 'key_group')),
    hr_import_id              INTEGER REFERENCES imports (id),
    -- 统计 (stats)
    above_scale               INTEGER,
    stats_import_id           INTEGER REFERENCES imports (id),
    -- 金融 (finance)
    loan_balance              INTEGER,
    new_loans                 INTEGER,
    first_loan                INTEGER,
    finance_import_id         INTEGER REFERENCES imports (id),
    -- 科技 (tech, 0710)
    tech_staff                INTEGER,
    rd_staff                  INTEGER,
    ip_class1                 INTEGER,
    ip_class2                 INTEGER,
    ip_high_value             INTEGER,
    ip_class1_own             INTEGER,
    main_revenue              INTEGER,
    cost_total                INTEGER,
    total_liabilities         INTEGER,
    net_profit                INTEGER,
    high_tech_certified       INTEGER,
    tech_import_id            INTEGER REFERENCES imports (id)
);
INSERT INTO enterprise_facts_0840 SELECT uscc, year, revenue, total_assets, taxable_income,
    restricted_industry, business_income, other_iit_relief, vat_small_scale, vat_sales_q1,
    vat_sales_q2, vat_sales_q3, vat_sales_q4, resource_tax, urban_maintenance_tax, property_tax,
    land_use_tax, stamp_duty, farmland_occupation_tax, education_surcharge,
    local_education_surcharge, vat_due, iit_due, rd_expense, tax_import_id, employees_x100,
    founder_group, hr_import_id, above_scale, stats_import_id, loan_balance, new_loans, first_loan,
    finance_import_id, tech_staff, rd_staff, ip_class1, ip_class2, ip_high_value, ip_class1_own,
    main_revenue, cost_total, total_liabilities, net_profit, high_tech_certified, tech_import_id
    FROM enterprise_facts ORDER BY uscc, year;
DROP TABLE enterprise_facts;
ALTER TABLE enterprise_facts_0840 RENAME TO enterprise_facts;
CREATE UNIQUE INDEX enterprise_facts_key ON enterprise_facts (uscc, year);
CREATE INDEX enterprise_facts_finance ON enterprise_facts (year) WHERE finance_import_id IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;

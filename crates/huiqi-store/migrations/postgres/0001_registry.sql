-- The enterprise registry (issue 4). PostgreSQL dialect; migrations/sqlite/0001_registry.sql is the same schema.
-- Money is BIGINT fen (分) so that SUM stays exact; headcounts are hundredths of a person (从业人数 is a
-- yearly average and may be fractional).

-- Every import of a departmental file: the provenance of each value points here.
CREATE TABLE imports (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         TEXT    NOT NULL CHECK (source IN ('market', 'tax', 'hr', 'stats', 'finance', 'facts')),
    year           INTEGER,
    file_name      TEXT    NOT NULL,
    file_sha256    TEXT    NOT NULL,
    imported_at    TIMESTAMPTZ NOT NULL,
    rows_total     BIGINT  NOT NULL,
    rows_new       BIGINT  NOT NULL,
    rows_updated   BIGINT  NOT NULL,
    rows_unchanged BIGINT  NOT NULL
);

-- One row per enterprise (统一社会信用代码). Owned by the 市场监管 source (or `facts`);
-- import_id is the provenance (source and time) of every column of the row.
CREATE TABLE enterprises (
    uscc          TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('enterprise', 'individual_business')),
    county        TEXT    NOT NULL,
    industry      TEXT    NOT NULL,
    registered_on DATE,
    status        TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'deregistered')),
    import_id     BIGINT  NOT NULL REFERENCES imports (id)
);

-- Facts per enterprise and year. Each department owns a disjoint group of columns and the group's
-- *_import_id says where and when its values came from; NULL = that department has not reported yet.
CREATE TABLE enterprise_facts (
    uscc                      TEXT    NOT NULL REFERENCES enterprises (uscc),
    year                      INTEGER NOT NULL,
    -- 税务 (tax)
    revenue                   BIGINT,
    total_assets              BIGINT,
    taxable_income            BIGINT,
    restricted_industry       BOOLEAN,
    business_income           BIGINT,
    other_iit_relief          BIGINT,
    vat_small_scale           BOOLEAN,
    vat_sales_q1              BIGINT,
    vat_sales_q2              BIGINT,
    vat_sales_q3              BIGINT,
    vat_sales_q4              BIGINT,
    resource_tax              BIGINT,
    urban_maintenance_tax     BIGINT,
    property_tax              BIGINT,
    land_use_tax              BIGINT,
    stamp_duty                BIGINT,
    farmland_occupation_tax   BIGINT,
    education_surcharge       BIGINT,
    local_education_surcharge BIGINT,
    vat_due                   BIGINT,
    iit_due                   BIGINT,
    rd_expense                BIGINT,
    tax_import_id             BIGINT REFERENCES imports (id),
    -- 人社 (hr)
    employees_x100            BIGINT,
    founder_group             TEXT CHECK (founder_group IN ('none', 'retired_soldier', 'key_group')),
    hr_import_id              BIGINT REFERENCES imports (id),
    -- 统计 (stats)
    above_scale               BOOLEAN,
    stats_import_id           BIGINT REFERENCES imports (id),
    -- 金融 (finance)
    loan_balance              BIGINT,
    new_loans                 BIGINT,
    first_loan                BOOLEAN,
    finance_import_id         BIGINT REFERENCES imports (id),
    PRIMARY KEY (uscc, year)
);

-- The old value of every value an import changed: nothing is overwritten without a record here.
-- year is NULL for the columns of `enterprises`. Values are canonical text (fen, hundredths, true/false,
-- ISO dates, snake_case enums); NULL = empty.
CREATE TABLE value_history (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uscc          TEXT    NOT NULL,
    year          INTEGER,
    field         TEXT    NOT NULL,
    old_value     TEXT,
    old_import_id BIGINT REFERENCES imports (id),
    new_value     TEXT,
    new_import_id BIGINT NOT NULL REFERENCES imports (id)
);
CREATE INDEX value_history_uscc ON value_history (uscc, year);

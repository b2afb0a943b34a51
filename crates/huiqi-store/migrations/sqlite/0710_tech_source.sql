-- no-transaction
-- 梯队培育 (issue 17): the 科技局/知识产权 source (`tech`), the facts the certification scores read
-- that the other departments do not deliver: 科技人员, 研发人员, the four IP counts (项), 主营业务收入,
-- 成本费用总额, 负债总额, 净利润 (fen) and 高新技术企业, per enterprise and year in enterprise_facts with
-- their provenance in tech_import_id. SQLite dialect; migrations/postgres/0710_tech_source.sql is the
-- same schema.
--
-- `imports.source` has a CHECK naming the sources, which SQLite cannot alter: the table is rebuilt
-- by SQLite's documented procedure (foreign keys off, new table, copy, drop, rename) in one
-- transaction of the file's own — hence `no-transaction` above, as PRAGMA foreign_keys cannot
-- change inside a transaction. The ids are copied, so every *_import_id keeps pointing at its row.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE imports_0710 (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    source         TEXT    NOT NULL CHECK (source IN ('market', 'tax', 'hr', 'stats', 'finance', 'tech', 'facts')),
    year           INTEGER,
    file_name      TEXT    NOT NULL,
    file_sha256    TEXT    NOT NULL,
    imported_at    TEXT    NOT NULL,
    rows_total     INTEGER NOT NULL,
    rows_new       INTEGER NOT NULL,
    rows_updated   INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL
);
INSERT INTO imports_0710 (id, source, year, file_name, file_sha256, imported_at, rows_total, rows_new, rows_updated, rows_unchanged)
SELECT id, source, year, file_name, file_sha256, imported_at, rows_total, rows_new, rows_updated, rows_unchanged FROM imports;
DROP TABLE imports;
ALTER TABLE imports_0710 RENAME TO imports;

ALTER TABLE enterprise_facts ADD COLUMN tech_staff INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN rd_staff INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN ip_class1 INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN ip_class2 INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN ip_high_value INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN ip_class1_own INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN main_revenue INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN cost_total INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN total_liabilities INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN net_profit INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN high_tech_certified INTEGER;
ALTER TABLE enterprise_facts ADD COLUMN tech_import_id INTEGER REFERENCES imports (id);
COMMIT;
PRAGMA foreign_keys = ON;

-- 梯队培育 (issue 17): the 科技局/知识产权 source (`tech`), the facts the certification scores read
-- that the other departments do not deliver: 科技人员, 研发人员, the four IP counts (项), 主营业务收入,
-- 成本费用总额, 负债总额, 净利润 (fen) and 高新技术企业, per enterprise and year in enterprise_facts with
-- their provenance in tech_import_id. PostgreSQL dialect; migrations/sqlite/0710_tech_source.sql is the
-- same schema.

ALTER TABLE imports DROP CONSTRAINT imports_source_check;
ALTER TABLE imports ADD CONSTRAINT imports_source_check
    CHECK (source IN ('market', 'tax', 'hr', 'stats', 'finance', 'tech', 'facts'));

ALTER TABLE enterprise_facts
    ADD COLUMN tech_staff          BIGINT,
    ADD COLUMN rd_staff            BIGINT,
    ADD COLUMN ip_class1           BIGINT,
    ADD COLUMN ip_class2           BIGINT,
    ADD COLUMN ip_high_value       BIGINT,
    ADD COLUMN ip_class1_own       BIGINT,
    ADD COLUMN main_revenue        BIGINT,
    ADD COLUMN cost_total          BIGINT,
    ADD COLUMN total_liabilities   BIGINT,
    ADD COLUMN net_profit          BIGINT,
    ADD COLUMN high_tech_certified BOOLEAN,
    ADD COLUMN tech_import_id      BIGINT REFERENCES imports (id);

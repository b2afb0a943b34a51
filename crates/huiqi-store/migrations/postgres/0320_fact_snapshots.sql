-- 免申即享 at scale (issue 18): the rows the rules read for one year (`FACTS_SQL`: every active
-- enterprise joined with its facts), kept as a few binary parts so that a matching run or a what-if
-- reads some megabytes instead of joining two tables of a million rows. A cache: written by the
-- first reader after an import (`snapshot.rs`), valid only while `import_watermark` is the latest
-- import, and deleted by every import. Never the source of a value: the registry is.
CREATE TABLE fact_snapshots (
    year             INTEGER NOT NULL,
    part             INTEGER NOT NULL,
    parts            INTEGER NOT NULL,
    import_watermark BIGINT  NOT NULL,
    row_count        BIGINT  NOT NULL,
    data             BYTEA   NOT NULL,
    PRIMARY KEY (year, part)
);
-- The parts are already compact and read whole: out of line, not compressed again by pglz.
ALTER TABLE fact_snapshots ALTER COLUMN data SET STORAGE EXTERNAL;

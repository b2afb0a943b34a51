-- 日常调度 at province scale (issue 18): new registrations per day and county, so that the dashboard's
-- registration figure (from 1 January to each month's end of its trend, per county) adds up at most
-- 366 × 8 rows per month instead of counting the registry. Derived, never a source: every import that
-- writes `enterprises` adds what it changed (+1 where a row now counts, -1 where it no longer does;
-- rows at 0 deleted) in its own transaction (`registry/import.rs`), so that the table always holds
-- `SELECT registered_on, county, COUNT(*) FROM enterprises … GROUP BY registered_on, county`.
-- It replaces the covering index of 0003, which served only these counts and cost the import a third
-- index on every row.
CREATE TABLE registration_counts (
    registered_on DATE    NOT NULL,
    county        TEXT    NOT NULL,
    n             BIGINT  NOT NULL,
    PRIMARY KEY (registered_on, county)
);

INSERT INTO registration_counts (registered_on, county, n)
SELECT registered_on, county, COUNT(*) FROM enterprises
WHERE registered_on IS NOT NULL GROUP BY registered_on, county;

DROP INDEX enterprises_registered;

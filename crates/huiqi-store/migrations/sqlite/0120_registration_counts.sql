-- 日常调度 at province scale (issue 18): new registrations per day and county, so that the dashboard's
-- registration figure (from 1 January to each month's end of its trend, per county) adds up at most
-- 366 × 8 rows per month instead of counting the registry. Derived, never a source: every import that
-- writes `enterprises` rebuilds it in its own transaction (`registry/import.rs`), so it always holds
-- exactly `SELECT registered_on, county, COUNT(*) FROM enterprises … GROUP BY registered_on, county`.
-- It replaces the covering index of 0003, which served only these counts and cost the import a third
-- index on every row.
CREATE TABLE registration_counts (
    registered_on TEXT    NOT NULL,
    county        TEXT    NOT NULL,
    n             INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (registered_on, county)
) WITHOUT ROWID;

INSERT INTO registration_counts (registered_on, county, n)
SELECT registered_on, county, COUNT(*) FROM enterprises
WHERE registered_on IS NOT NULL GROUP BY registered_on, county;

DROP INDEX enterprises_registered;

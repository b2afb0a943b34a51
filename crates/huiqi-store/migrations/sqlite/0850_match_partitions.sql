-- Speed and scale (issue 18): migrations/postgres/0850_match_partitions.sql gives each matching
-- run partitions of its own on PostgreSQL, so that its COPY writes unindexed rows and the keys are
-- built once. SQLite has no partitions and writes a run's rows through one prepared statement
-- (`sqlite_raw`); its tables stay as they are. Nothing to change.
SELECT 1;

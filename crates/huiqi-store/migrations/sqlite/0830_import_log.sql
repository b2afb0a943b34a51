-- Every import attempt, from the web or the command line, as the 数据导入 page lists it: when,
-- who (the account's username, or 命令行), what (the source or list id), which file and year, the
-- rows read / added / changed / unchanged / refused, and the outcome. A refused import writes
-- nothing to the registry; its line here is written in its own small transaction afterwards.
-- import_id: the `imports` or `list_imports` row of a committed import (which of the two follows
-- from the source), NULL otherwise.
CREATE TABLE import_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    year           INTEGER,
    file_name      TEXT    NOT NULL,
    outcome        TEXT    NOT NULL CHECK (outcome IN ('committed', 'unchanged', 'refused')),
    import_id      INTEGER,
    rows_read      INTEGER NOT NULL,
    rows_new       INTEGER NOT NULL,
    rows_updated   INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL,
    rows_refused   INTEGER NOT NULL
);

-- The imports made before this table existed: committed, by someone not recorded ('').
INSERT INTO import_log (at, actor, source, year, file_name, outcome, import_id, rows_read, rows_new, rows_updated, rows_unchanged, rows_refused)
SELECT imported_at, '', source, year, file_name, 'committed', id, rows_total, rows_new, rows_updated, rows_unchanged, 0 FROM imports;
INSERT INTO import_log (at, actor, source, year, file_name, outcome, import_id, rows_read, rows_new, rows_updated, rows_unchanged, rows_refused)
SELECT imported_at, '', source, NULL, file_name, 'committed', id, rows_total, rows_new, rows_updated, rows_unchanged, 0 FROM list_imports;
CREATE INDEX import_log_at ON import_log (at, id);

-- 日常调度 (issue 13): a report's 附件 as a real file in the shared file store (0510_files). The row
-- keeps the name it was uploaded under, its type, size and key; append-only like the reports.
-- progress_reports.attachment stays for reports made before (a name typed in, no file).
CREATE TABLE progress_report_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id    INTEGER NOT NULL REFERENCES progress_reports (id),
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT    NOT NULL REFERENCES files (sha256)
);
CREATE INDEX progress_report_files_report ON progress_report_files (report_id);
CREATE TRIGGER progress_report_files_no_update BEFORE UPDATE ON progress_report_files
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（progress_report_files）：更正请重新报送'); END;
CREATE TRIGGER progress_report_files_no_delete BEFORE DELETE ON progress_report_files
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（progress_report_files）：更正请重新报送'); END;

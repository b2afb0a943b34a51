-- 督办 evidence onto the shared file store (0510_files): the bytes move to `files`, the rows of
-- task_report_files keep the name, type, size and key.
INSERT INTO files (sha256, content_type, size_bytes, content)
    SELECT DISTINCT ON (sha256) sha256, content_type, size_bytes, content FROM task_report_files
    ORDER BY sha256, id
    ON CONFLICT (sha256) DO NOTHING;
ALTER TABLE task_report_files DROP COLUMN content;

-- The shared file store: every uploaded file's bytes kept once, under their SHA-256 (hex), with
-- their size and the content type checked at upload (huiqi_app::files). The attachments of 为企服务
-- problems, the evidence of 督办 reports (moved by 0610_report_files) and the evidence of 清欠
-- complaints are rows naming a file here by its key, with the name it was uploaded under.
CREATE TABLE files (
    sha256       TEXT    PRIMARY KEY,
    content_type TEXT    NOT NULL,
    size_bytes   INTEGER NOT NULL CHECK (size_bytes > 0),
    content      BLOB    NOT NULL
);

-- 为企服务's attachments kept their bytes in their own rows: moved here, the rows keep the key.
INSERT INTO files (sha256, content_type, size_bytes, content)
    SELECT sha256, content_type, size_bytes, content FROM service_attachments WHERE true
    ORDER BY id
    ON CONFLICT (sha256) DO NOTHING;
ALTER TABLE service_attachments DROP COLUMN content;

-- 清欠: the evidence files of a complaint, given at registration (step 1) or with a later step.
CREATE TABLE arrears_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER NOT NULL REFERENCES arrears_complaints (id),
    step_seq     INTEGER NOT NULL,
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT    NOT NULL REFERENCES files (sha256),
    by_user      TEXT    NOT NULL,
    at           TEXT    NOT NULL
);
CREATE INDEX arrears_files_complaint ON arrears_files (complaint_id, id);

CREATE TRIGGER files_no_update BEFORE UPDATE ON files
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（files）'); END;
CREATE TRIGGER files_no_delete BEFORE DELETE ON files
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（files）'); END;
CREATE TRIGGER arrears_files_no_update BEFORE UPDATE ON arrears_files
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_files）'); END;
CREATE TRIGGER arrears_files_no_delete BEFORE DELETE ON arrears_files
BEGIN SELECT RAISE(ABORT, '只能追加，不能修改或删除（arrears_files）'); END;

-- The shared file store: every uploaded file's bytes kept once, under their SHA-256 (hex), with
-- their size and the content type checked at upload (huiqi_app::files). The attachments of 为企服务
-- problems, the evidence of 督办 reports (moved by 0610_report_files) and the evidence of 清欠
-- complaints are rows naming a file here by its key, with the name it was uploaded under.
CREATE TABLE files (
    sha256       TEXT    PRIMARY KEY,
    content_type TEXT    NOT NULL,
    size_bytes   BIGINT  NOT NULL CHECK (size_bytes > 0),
    content      BYTEA   NOT NULL
);

-- 为企服务's attachments kept their bytes in their own rows: moved here, the rows keep the key.
INSERT INTO files (sha256, content_type, size_bytes, content)
    SELECT DISTINCT ON (sha256) sha256, content_type, size_bytes, content FROM service_attachments
    ORDER BY sha256, id
    ON CONFLICT (sha256) DO NOTHING;
ALTER TABLE service_attachments DROP COLUMN content;

-- 清欠: the evidence files of a complaint, given at registration (step 1) or with a later step.
CREATE TABLE arrears_files (
    id           BIGSERIAL PRIMARY KEY,
    complaint_id BIGINT  NOT NULL REFERENCES arrears_complaints (id),
    step_seq     BIGINT  NOT NULL,
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size_bytes   BIGINT  NOT NULL,
    sha256       TEXT    NOT NULL REFERENCES files (sha256),
    by_user      TEXT    NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX arrears_files_complaint ON arrears_files (complaint_id, id);

CREATE TRIGGER files_append_only BEFORE UPDATE OR DELETE ON files
    FOR EACH ROW EXECUTE FUNCTION huiqi_arrears_append_only();
CREATE TRIGGER arrears_files_append_only BEFORE UPDATE OR DELETE ON arrears_files
    FOR EACH ROW EXECUTE FUNCTION huiqi_arrears_append_only();

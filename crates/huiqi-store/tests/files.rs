//! The shared file store (migrations `0510_files`, `0610_report_files`) on SQLite and (with
//! HUIQI_TEST_POSTGRES_URL) PostgreSQL: attachments and evidence written before it keep their
//! bytes, now read from `files`, and the same bytes are kept once.

use huiqi_store::Store;
use huiqi_store::testing::{each_db_until, execute};

#[tokio::test]
async fn files_written_before_the_store_are_moved_into_it() {
    each_db_until(Some(500), |db| async move {
        let s = &db.store;
        let blob = |hex: &str| match s {
            Store::Sqlite(_) => format!("X'{hex}'"),
            Store::Postgres(_) => format!("'\\x{hex}'::bytea"),
        };
        // 为企服务 as 0400 wrote it: the bytes in the attachment's row (twice the same file).
        execute(
            s,
            "INSERT INTO service_problems (uscc, enterprise_name, registered, county, category, title, description, \
             channel, public, received_on, received_month, received_at, handler, state, limit_workdays, deadline, \
             updated_at) VALUES ('91341500MA2N0XXX0X', '某公司', true, '341502', 'financing', '续贷', '说明', \
             'front_desk', false, '2024-03-01', '2024-03', '2024-03-01T08:00:00Z', 'county:341502', 'received', 5, \
             '2024-03-08', '2024-03-01T08:00:00Z')",
        )
        .await;
        for name in ["合同.pdf", "合同副本.pdf"] {
            execute(
                s,
                &format!(
                    "INSERT INTO service_attachments (problem_id, file_name, content_type, size_bytes, sha256, content) \
                     VALUES (1, '{name}', 'application/pdf', 4, 'a1', {})",
                    blob("25504446")
                ),
            )
            .await;
        }
        s.migrate_until(600).await.unwrap();
        // 督办 as 0600 wrote it.
        execute(
            s,
            "INSERT INTO task_reports (task, jurisdiction, period, kind, status, progress, reporter, reported_on, \
             reported_at) VALUES ('listing_support', '341502', '2023-Q3', 'progress', 'in_progress', '进展', '县区', \
             '2023-10-09', '2023-10-09T08:00:00Z')",
        )
        .await;
        execute(
            s,
            &format!(
                "INSERT INTO task_report_files (report_id, file_name, content_type, size_bytes, sha256, content) \
                 VALUES (1, '公告.png', 'image/png', 4, 'b2', {})",
                blob("89504e47")
            ),
        )
        .await;
        s.migrate().await.unwrap();

        let (meta, bytes) = s.service_attachment(2).await.unwrap().unwrap();
        assert_eq!((meta.file_name.as_str(), meta.owner_id), ("合同副本.pdf", 1));
        assert_eq!(bytes, b"%PDF");
        assert_eq!(s.service_attachments(1).await.unwrap().len(), 2);
        let (meta, bytes) = s.task_report_file(1).await.unwrap().unwrap();
        assert_eq!((meta.file_name.as_str(), meta.content_type.as_str()), ("公告.png", "image/png"));
        assert_eq!(bytes, b"\x89PNG");
        assert_eq!(s.file_bytes("a1").await.unwrap().unwrap(), b"%PDF");
        assert!(s.file_bytes("none").await.unwrap().is_none());
    })
    .await;
}

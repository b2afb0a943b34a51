//! The import log (migration `0830_import_log`) on SQLite and (with HUIQI_TEST_POSTGRES_URL)
//! PostgreSQL: imports made before it are carried over, new lines page newest first.

use huiqi_store::import_log::{LogOutcome, NewLogLine};
use huiqi_store::testing::{each_db_until, execute};

#[tokio::test]
async fn imports_before_the_log_are_carried_over_and_new_lines_page_newest_first() {
    each_db_until(Some(710), |db| async move {
        let s = &db.store;
        execute(
            s,
            "INSERT INTO imports (source, year, file_name, file_sha256, imported_at, rows_total, rows_new, \
             rows_updated, rows_unchanged) VALUES ('facts', 2024, '事实表.csv', 'ab', '2024-03-01T08:00:00Z', \
             10, 8, 1, 1)",
        )
        .await;
        execute(
            s,
            "INSERT INTO list_imports (source, file_name, file_sha256, imported_at, rows_total, rows_new, \
             rows_updated, rows_unchanged) VALUES ('trainings', '培训台账.xlsx', 'cd', '2024-03-02T08:00:00Z', \
             3, 3, 0, 0)",
        )
        .await;
        s.migrate().await.unwrap();
        let (lines, total) = s.import_log(10, 0).await.unwrap();
        assert_eq!(total, 2);
        assert_eq!(lines[0].source, "trainings");
        assert_eq!(lines[0].year, None);
        assert_eq!(lines[1].source, "facts");
        assert_eq!(lines[1].year, Some(2024));
        assert_eq!(
            (lines[1].rows_read, lines[1].rows_new, lines[1].rows_updated),
            (10, 8, 1)
        );
        assert_eq!(lines[1].actor, "");
        assert_eq!(lines[1].outcome, "committed");
        assert_eq!(lines[1].import_id, Some(1));

        for (i, outcome) in [LogOutcome::Refused, LogOutcome::Unchanged]
            .into_iter()
            .enumerate()
        {
            s.log_import(&NewLogLine {
                actor: if i == 0 { "admin" } else { "命令行" },
                source: "tax",
                year: Some(2023),
                file_name: "税务.xlsx",
                outcome,
                import_id: None,
                rows_read: 5,
                rows_new: 0,
                rows_updated: 0,
                rows_unchanged: if i == 0 { 0 } else { 5 },
                rows_refused: if i == 0 { 2 } else { 0 },
            })
            .await
            .unwrap();
        }
        let (lines, total) = s.import_log(2, 0).await.unwrap();
        assert_eq!(total, 4);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].actor, "命令行");
        assert_eq!(LogOutcome::parse(&lines[0].outcome), Some(LogOutcome::Unchanged));
        assert_eq!(lines[1].actor, "admin");
        assert_eq!(lines[1].rows_refused, 2);
        assert_eq!(LogOutcome::parse(&lines[1].outcome), Some(LogOutcome::Refused));
        let (rest, _) = s.import_log(2, 2).await.unwrap();
        assert_eq!(rest[0].source, "trainings");
    })
    .await;
}

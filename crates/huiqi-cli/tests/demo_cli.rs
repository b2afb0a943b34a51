//! The README's main command, small: `huiqi demo` on a fresh SQLite database.

mod common;

#[tokio::test]
async fn the_demo_runs_every_step_on_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        // Twice: the second run rebuilds the database rather than piling onto it.
        let out = common::command()
            .args([
                "demo",
                "--count",
                "800",
                "--data",
                dir.path().to_str().unwrap(),
                "--no-serve",
            ])
            .env_remove("HUIQI_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("综合排名") && text.contains("政策沙盘"),
            "{text}"
        );
    }
    let url = format!("sqlite:{}", dir.path().join("huiqi.sqlite").display());
    let store = huiqi_store::Store::connect(&url).await.unwrap();
    let runs = store.runs().await.unwrap();
    assert_eq!(runs.len(), 1, "a fresh database each time");
    assert_eq!(runs[0].enterprises, 800);
    assert!(dir.path().join("推送名单-六税两费-金安区.xlsx").exists());
    assert!(dir.path().join("调度表-2023-09.xlsx").exists());
    // The 认定名单 and 企业家培训台账 were imported, once each.
    let sources: Vec<String> = store
        .list_imports()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.source)
        .collect();
    assert_eq!(sources, ["certifications", "trainings"]);
    assert!(!store.certifications(None).await.unwrap().is_empty());
    // The 科技局/知识产权 files of 2022–2024 were imported: the certification lists score them.
    for year in [2022, 2023, 2024] {
        let rows = store
            .cultivation_facts(year, "enterprise", "")
            .await
            .unwrap();
        assert!(
            rows.iter().filter(|r| r.tech.tech_staff.is_some()).count() > 10,
            "{year}"
        );
    }
    let listed = store
        .cultivation_facts(2024, "enterprise", "")
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.tech.ip_class1.unwrap_or(0) > 0 && r.main_revenue_prev_fen.is_some())
        .count();
    assert!(listed > 5, "{listed}");
    // 督办与考核: reports, one 督办单, the published 2023 assessment whose awards are the pool,
    // credited, and spending within every award.
    for f in [
        "督办表-2023-Q4.xlsx",
        "考核结果-2023.xlsx",
        "金安区2023年度奖补资金使用报告.xlsx",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    let reports = store
        .task_reports(&huiqi_store::assess::ReportFilter::default())
        .await
        .unwrap();
    assert!(reports.len() > 1000, "{}", reports.len());
    assert_eq!(store.orders(None).await.unwrap().len(), 1);
    let published = store.published_assessment(2023).await.unwrap().unwrap();
    let totals = store.fund_totals(2023).await.unwrap();
    let awarded: i64 = totals.values().map(|t| t.awarded_fen).sum();
    assert_eq!(awarded, published.pool_fen, "the whole pool is credited");
    assert!(
        totals
            .values()
            .all(|t| t.balance_fen >= 0 && t.spent_fen > 0)
    );
}

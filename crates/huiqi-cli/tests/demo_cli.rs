//! The README's main command, small: `huiqi demo` on a fresh SQLite database.

use std::process::Command;

#[tokio::test]
async fn the_demo_runs_every_step_on_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        // Twice: the second run rebuilds the database rather than piling onto it.
        let out = Command::new(env!("CARGO_BIN_EXE_huiqi"))
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
    // The 认定名单 and 创业培训台账 were imported, once each.
    let sources: Vec<String> = store
        .list_imports()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.source)
        .collect();
    assert_eq!(sources, ["certifications", "trainings"]);
    assert!(!store.certifications(None).await.unwrap().is_empty());
}

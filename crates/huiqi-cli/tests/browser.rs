//! Browser walks in headless Chromium (tests/browser/walk.mjs, playwright-core driving Debian's
//! /usr/bin/chromium) against the platform on port 0 with a fresh SQLite database: each role
//! logs in; the enterprise sees its benefits; a county user gets 403 for another county's
//! enterprise; an admin uploads a file with a bad row, sees the row error, and nothing is
//! imported; the public policy page lists all 19 articles; 清欠: the enterprise registers a
//! complaint, the working group walks it to 销号, the public opens the disclosure; 梯队培育: the
//! enterprise sees which standards it is close to and what is missing, a county its own candidate
//! list with the gaps and its targets; then every page for every role at 1366 and 390 wide is
//! checked with axe-core, for sideways overflow and for the skip link (tests/browser/a11y.mjs).
//! Screenshots go to
//! target/browser-screenshots/. CI installs chromium and runs `npm ci` in tests/browser; when
//! either is missing locally the test says so loudly and skips.

mod common;
use common::repo_root;

use std::sync::Arc;

use huiqi_store::search::EnterpriseFilter;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_walk_of_every_role() {
    let root = repo_root();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let walk = root.join("tests/browser/walk.mjs");
    let modules = root.join("tests/browser/node_modules/playwright-core");
    let node_ok = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !std::path::Path::new(&chromium).exists() || !modules.exists() || !node_ok {
        eprintln!(
            "\n!!!!!!!! 浏览器测试已跳过 / BROWSER TESTS SKIPPED !!!!!!!!\n\
             需要 {chromium}（apt-get install -y chromium）、node 和 tests/browser/node_modules（cd tests/browser && npm ci）。\n\
             CI（.ci/run）会安装它们。\n"
        );
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("web.sqlite").display());
    let csv = dir.path().join("population.csv");
    huiqi_synth::write_csv(std::fs::File::create(&csv).unwrap(), 400, 2024, 11).unwrap();
    let out = common::command()
        .args([
            "import",
            "--source",
            "facts",
            "--year",
            "2024",
            csv.to_str().unwrap(),
        ])
        .env("HUIQI_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same population's 科技局/知识产权 file (the certification scores read it).
    let tech = dir.path().join("tech.csv");
    let tech_arg = tech.to_str().unwrap();
    // A year of 日常调度 reports for the dashboard, and a matching run (size classes, push lists).
    for args in [
        &[
            "gen", "--count", "400", "--year", "2024", "--seed", "11", "--tech", tech_arg,
        ][..],
        &["import", "--source", "tech", "--year", "2024", tech_arg][..],
        &["progress", "seed-demo", "--year", "2023", "--upto", "9"][..],
        &["match", "--db", "--at", "2024-12-31"][..],
        // 督办与考核: a year of task reports, a 督办单, the published assessment and a ledger.
        &["tasks", "seed-demo", "--year", "2023"][..],
        // 清欠: contracts, payments and complaints for the league table and the disclosure.
        &["arrears", "seed-demo", "--at", "2025-06-30"][..],
    ] {
        let out = common::command()
            .args(args)
            .env("HUIQI_DATABASE_URL", &url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "huiqi {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // A facts file with one good row (a new enterprise) and one bad row (a revenue that is no number).
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let cols: Vec<&str> = header.split(',').collect();
    let revenue = cols
        .iter()
        .position(|c| *c == "revenue")
        .expect("a revenue column");
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut bad = row.clone();
    bad[revenue] = "一百万";
    let bad_file = dir.path().join("有错误的事实表.csv");
    std::fs::write(
        &bad_file,
        format!("{header}\n{}\n{}\n", row.join(","), bad.join(",")),
    )
    .unwrap();

    let app = huiqi_app::App::open(&url, Some("2024-12-31".parse().unwrap()))
        .await
        .unwrap();
    let accounts = huiqi_app::accounts::demo_accounts(&app).await.unwrap();
    let county = accounts
        .iter()
        .find(|a| a.role.name() == "county")
        .unwrap()
        .role
        .scope()
        .to_string();
    // The enterprise account's firm is a legal person, so its page scores it against the
    // 科技型/创新型/专精特新 standards (an individual business has none).
    let firm = accounts
        .iter()
        .find(|a| a.role.name() == "enterprise")
        .unwrap()
        .role
        .scope()
        .to_string();
    assert!(
        firm.starts_with("91"),
        "the demo enterprise {firm} is a legal person"
    );
    let county_name = app.jurisdiction_name(&county);
    let state = Arc::new(huiqi_web::WebState::new(app));
    let all = state
        .app
        .store
        .search_enterprises(&EnterpriseFilter::default(), 400)
        .await
        .unwrap();
    let other = all
        .iter()
        .find(|e| e.county != county)
        .expect("an enterprise in another county");
    let imports_before = state.app.store.imports().await.unwrap().len();
    let passwords: serde_json::Map<String, serde_json::Value> = accounts
        .iter()
        .map(|a| (a.username.clone(), a.password.clone().into()))
        .collect();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app_state = Arc::clone(&state);
    tokio::spawn(async move {
        axum::serve(listener, huiqi_web::app(app_state))
            .await
            .unwrap()
    });

    let shots = root.join("target/browser-screenshots");
    eprintln!("截图目录 / screenshots: {}", shots.display());
    let out = tokio::process::Command::new("node")
        .arg(&walk)
        .current_dir(root.join("tests/browser"))
        .env("BASE_URL", format!("http://{addr}"))
        .env("ACCOUNTS", serde_json::Value::Object(passwords).to_string())
        .env("OTHER_USCC", &other.uscc)
        .env("ENTERPRISE_USCC", &firm)
        .env("COUNTY_NAME", &county_name)
        .env("BAD_FILE", &bad_file)
        .env("SHOTS", &shots)
        .env(
            "DEBTOR_USCC",
            huiqi_domain::Uscc::from_parts("11", "341502", "00301234")
                .unwrap()
                .as_str(),
        )
        .env("CHROMIUM", &chromium)
        .output();
    // The accessibility pass (axe-core on every page, every role, two widths) takes most of it.
    let out = tokio::time::timeout(std::time::Duration::from_secs(900), out)
        .await
        .expect("the browser walk finishes within 15 minutes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "browser walk failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nothing of the bad file reached the registry.
    assert_eq!(
        state.app.store.imports().await.unwrap().len(),
        imports_before
    );
    let after = state
        .app
        .store
        .search_enterprises(&EnterpriseFilter::default(), 1000)
        .await
        .unwrap();
    assert_eq!(after.len(), all.len());
}

//! `huiqi gen`, `huiqi import` and `huiqi db` as a user runs them, against SQLite and (with
//! HUIQI_TEST_POSTGRES_URL) a throw-away PostgreSQL database.

mod common;
use common::{huiqi_on, text};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use huiqi_domain::registry::TAX_COLUMNS;
use huiqi_store::registry::RegistryCounts;
use huiqi_store::testing::{TestDb, each_db};

fn gen_file(dir: &Path, name: &str, count: u64, seed: u64) -> PathBuf {
    common::facts_csv(&dir.join(name), count, 2024, seed)
}

/// The fact CSV with line `line` (1 = header) rewritten by `edit`.
fn edit_line(src: &Path, dst: &Path, line: usize, edit: impl Fn(&str) -> String) {
    let body = std::fs::read_to_string(src).unwrap();
    let out: Vec<String> = body
        .lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == line { edit(l) } else { l.to_owned() })
        .collect();
    std::fs::write(dst, out.join("\n") + "\n").unwrap();
}

/// Sets column `col` (0-based) of a CSV line.
fn set_field(line: &str, col: usize, value: &str) -> String {
    let mut f: Vec<&str> = line.split(',').collect();
    f[col] = value;
    f.join(",")
}

async fn counts(db: &TestDb) -> RegistryCounts {
    db.store.registry_counts().await.unwrap()
}

fn import_facts(db: &TestDb, file: &Path) -> Output {
    huiqi_on(
        db,
        &[
            "import",
            "--source",
            "facts",
            "--year",
            "2024",
            file.to_str().unwrap(),
        ],
    )
}

#[tokio::test]
async fn generated_facts_import_once_and_a_second_time_change_nothing() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let file = gen_file(dir.path(), "pop.csv", 300, 11);
        let out = import_facts(&db, &file);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("新增 300，更新 0，未变 0"),
            "{}",
            text(&out.stdout)
        );
        let after_first = counts(&db).await;
        assert_eq!(after_first.enterprises, 300);
        assert_eq!(after_first.enterprise_facts, 300);
        assert_eq!(after_first.imports, 1);
        assert_eq!(db.store.foreign_key_violations().await.unwrap(), 0);

        let out = import_facts(&db, &file);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("完全相同，未作任何更改"),
            "{}",
            text(&out.stdout)
        );
        assert_eq!(counts(&db).await, after_first);

        let out = huiqi_on(&db, &["db", "stats"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stats = text(&out.stdout);
        assert!(
            stats.contains("300 户企业") && stats.contains("个体工商户"),
            "{stats}"
        );
        assert!(
            stats.contains("2024 年度规模类型") && stats.contains("微型"),
            "{stats}"
        );
        let total = stats.lines().find(|l| l.starts_with("合计")).unwrap();
        assert!(total.trim_end().ends_with(" 300"), "{total}");
    })
    .await;
}

#[tokio::test]
async fn a_file_with_one_bad_row_imports_nothing_and_names_that_row() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let good = gen_file(dir.path(), "good.csv", 60, 12);
        assert!(import_facts(&db, &good).status.success());
        let before = counts(&db).await;

        // Another year's file: every row would be new, but line 31 has a negative revenue.
        let next = gen_file(dir.path(), "next.csv", 60, 13);
        let bad = dir.path().join("bad.csv");
        edit_line(&next, &bad, 31, |l| set_field(l, 7, "-5.00"));
        let out = huiqi_on(
            &db,
            &[
                "import",
                "--source",
                "facts",
                "--year",
                "2025",
                bad.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
        let err = text(&out.stderr);
        assert!(err.contains("未导入任何数据"), "{err}");
        assert!(err.contains("第31行") || err.contains("第 31 行"), "{err}");
        assert!(err.contains("revenue"), "{err}");
        assert_eq!(
            err.matches("第").count(),
            1,
            "only that row is named: {err}"
        );
        assert_eq!(counts(&db).await, before);
    })
    .await;
}

#[tokio::test]
async fn a_15_digit_registration_number_is_refused_with_what_to_supply() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("market.csv");
        std::fs::write(
            &file,
            "统一社会信用代码,名称,市场主体类型,所属辖区,行业代码,成立日期,登记状态,联系人,联系电话\n\
             341502000012345,六安市甲商贸有限公司,企业,金安区,F5191,2012-03-01,存续,张三,13905641234\n",
        )
        .unwrap();
        let out = huiqi_on(
            &db,
            &["import", "--source", "market", file.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(err.contains("第 2 行"), "{err}");
        assert!(err.contains("15 位的旧工商注册号"), "{err}");
        assert!(err.contains("18 位的统一社会信用代码"), "{err}");
        assert_eq!(counts(&db).await.enterprises, 0);
    })
    .await;
}

#[tokio::test]
async fn a_changed_value_keeps_the_old_value_in_history() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let first = gen_file(dir.path(), "v1.csv", 40, 14);
        assert!(import_facts(&db, &first).status.success());
        let body = std::fs::read_to_string(&first).unwrap();
        let line = body.lines().nth(5).unwrap().to_owned(); // line 6 of the file
        let uscc = line.split(',').next().unwrap().to_owned();
        let old_revenue = line.split(',').nth(7).unwrap().to_owned();

        let second = dir.path().join("v2.csv");
        edit_line(&first, &second, 6, |l| set_field(l, 7, "1234567.89"));
        let out = import_facts(&db, &second);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("新增 0，更新 1，未变 39"), "{stdout}");
        assert!(stdout.contains("1 个值有变动"), "{stdout}");

        let revenue = &TAX_COLUMNS[0];
        assert_eq!(
            db.store.value_of(&uscc, Some(2024), revenue).await.unwrap(),
            Some(huiqi_domain::registry::Value::Int(123_456_789))
        );
        let history = db.store.history_of(&uscc).await.unwrap();
        assert_eq!(history.len(), 1, "{history:?}");
        let old_fen = old_revenue
            .replace('.', "")
            .trim_start_matches('0')
            .to_owned();
        assert_eq!(history[0].field, "revenue");
        assert_eq!(history[0].old_value.as_deref(), Some(old_fen.as_str()));
        assert_eq!(history[0].new_value.as_deref(), Some("123456789"));
        let imports = db.store.imports().await.unwrap();
        assert_eq!(history[0].old_import_id, Some(imports[0].id));
        assert_eq!(history[0].new_import_id, imports[1].id);
    })
    .await;
}

#[tokio::test]
async fn killing_the_import_midway_leaves_the_database_as_it_was() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let small = gen_file(dir.path(), "small.csv", 50, 15);
        assert!(import_facts(&db, &small).status.success());
        let before = counts(&db).await;

        // 200,000 rows of another population: seconds of work for the child.
        let big = gen_file(dir.path(), "big.csv", 200_000, 16);
        let mut child = common::command()
            .args([
                "import",
                "--source",
                "facts",
                "--year",
                "2025",
                big.to_str().unwrap(),
            ])
            .env("HUIQI_DATABASE_URL", &db.url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Progress lines come after chunks were handed to the writer: when 131,072 rows have been
        // handed on (8 chunks with a queue of 4), at least 3 chunks are written inside the
        // transaction.
        let stderr = child.stderr.take().unwrap();
        let mut seen = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            seen.push(line.clone());
            if line.contains("已读取并校验 131072 行") {
                break;
            }
        }
        assert!(
            seen.iter().any(|l| l.contains("131072")),
            "the child never got that far: {seen:?}"
        );
        // A real kill -9 (std's Child::kill sends SIGKILL on Unix): no destructor, no rollback
        // by the child.
        child.kill().unwrap();
        let exit = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            exit.signal(),
            Some(9),
            "the import had finished before the kill"
        );

        // A fresh connection sees the database as before (SQLite rolls back the hot journal,
        // PostgreSQL aborted the transaction with the connection).
        let fresh = huiqi_store::Store::connect(&db.url).await.unwrap();
        let after = fresh.registry_counts().await.unwrap();
        assert_eq!(after, before);
        assert_eq!(fresh.foreign_key_violations().await.unwrap(), 0);
        fresh.close().await;
        // And the registry still works: the same small file is unchanged.
        let out = import_facts(&db, &small);
        assert!(
            text(&out.stdout).contains("完全相同"),
            "{}",
            text(&out.stderr)
        );
    })
    .await;
}

#[tokio::test]
async fn yearly_sources_need_a_year_and_templates_are_written() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let f = gen_file(dir.path(), "p.csv", 5, 17);
        let out = huiqi_on(&db, &["import", "--source", "facts", f.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("--year"),
            "{}",
            text(&out.stderr)
        );

        let t = dir.path().join("tax.xlsx");
        let out = huiqi_on(&db, &["import", "--template", "tax", t.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(t.exists());
    })
    .await;
}

#[tokio::test]
async fn an_office_workbook_imports_and_the_summary_says_what_was_skipped_and_converted() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("登记信息.xlsx");
        std::fs::write(&file, huiqi_ingest::samples::clerk_workbook()).unwrap();
        let out = huiqi_on(
            &db,
            &["import", "--source", "market", file.to_str().unwrap()],
        );
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        for expected in [
            "读取了工作表“数据”",
            "表头在第 3 行：第 1–2 行（标题或空行）已跳过。",
            "第 8 行是合计行，已跳过",
            "3 个单元格中的全角字符",
            "共 3 行，新增 3",
        ] {
            assert!(stdout.contains(expected), "{expected}: {stdout}");
        }
        assert_eq!(counts(&db).await.enterprises, 3);
    })
    .await;
}

#[tokio::test]
async fn a_facts_file_with_a_short_row_or_a_misspelt_header_imports_nothing() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let good = gen_file(dir.path(), "good.csv", 20, 1);
        let short = dir.path().join("short.csv");
        edit_line(&good, &short, 5, |l| {
            l.split(',').take(5).collect::<Vec<_>>().join(",")
        });
        let out = import_facts(&db, &short);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(
            err.contains("第 5 行：这一行有 5 个字段，表头有 30 列"),
            "{err}"
        );
        let misspelt = dir.path().join("misspelt.csv");
        edit_line(&good, &misspelt, 1, |l| l.replace(",revenue,", ",revenu,"));
        let out = import_facts(&db, &misspelt);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(
            err.contains("列“revenu”：无法识别的列。是不是“revenue”？"),
            "{err}"
        );
        assert_eq!(counts(&db).await.enterprises, 0);
    })
    .await;
}

#[tokio::test]
async fn hostile_files_are_refused_by_the_command_at_once() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("xfd.xlsx", huiqi_ingest::samples::xfd_xlsx(), "上限 256 列"),
            (
                "bomb.xlsx",
                huiqi_ingest::samples::bomb_xlsx(200),
                "压缩炸弹",
            ),
            (
                "wide.csv",
                huiqi_ingest::samples::wide_header_csv(1_000_000),
                "1,000,000 个字段",
            ),
        ];
        for (name, bytes, says) in files {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let started = std::time::Instant::now();
            let out = huiqi_on(
                &db,
                &["import", "--source", "market", path.to_str().unwrap()],
            );
            let took = started.elapsed();
            assert!(!out.status.success());
            let err = text(&out.stderr);
            assert!(err.contains(says), "{name}: {err}");
            assert!(
                !err.contains(&*dir.path().to_string_lossy()),
                "no path: {err}"
            );
            // A bound that catches reading the file before refusing it (a 512 GiB allocation,
            // minutes of parsing), loose enough for a debug build on a loaded machine; the
            // release build's times are measured in README's "Hostile files" figures.
            assert!(
                took < std::time::Duration::from_secs(5),
                "{name} took {took:?}"
            );
        }
        assert_eq!(counts(&db).await.imports, 0);
    })
    .await;
}

/// Issue 12, many hands at once: two imports and a `db stats` started together on one database
/// all succeed — the second writer waits for the first instead of failing with "database is
/// locked" — and the registry afterwards holds both files.
#[tokio::test]
async fn two_imports_and_db_stats_at_once_all_succeed() {
    each_db(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let a = gen_file(dir.path(), "a.csv", 50_000, 21);
        let b = gen_file(dir.path(), "b.csv", 20_000, 22);
        // On SQLite a new file that no connection holds open between commands (the test's own
        // pool would keep it in WAL mode and hide a command that switches the journal mode).
        let url = if db.url.starts_with("sqlite:") {
            format!("sqlite:{}", dir.path().join("many.db").display())
        } else {
            db.url.clone()
        };
        let spawn = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_huiqi"))
                .args(args)
                .env("HUIQI_DATABASE_URL", &url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run huiqi")
        };
        let import = |f: &Path| {
            spawn(&[
                "import",
                "--source",
                "facts",
                "--year",
                "2024",
                f.to_str().unwrap(),
            ])
        };
        let init = spawn(&["db", "init"]).wait_with_output().unwrap();
        assert!(init.status.success(), "{}", text(&init.stderr));
        // The second import and the stats start while the first is writing.
        let first = import(&a);
        std::thread::sleep(std::time::Duration::from_millis(700));
        let running = [first, import(&b), spawn(&["db", "stats"])];
        for child in running {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "stdout: {}\nstderr: {}",
                text(&out.stdout),
                text(&out.stderr)
            );
        }
        // The enterprises of both files, counted from the files themselves.
        let codes = |f: &Path| -> std::collections::BTreeSet<String> {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .skip(1)
                .map(|l| l.split(',').next().unwrap().to_owned())
                .collect()
        };
        let union: std::collections::BTreeSet<String> =
            codes(&a).union(&codes(&b)).cloned().collect();
        let store = huiqi_store::Store::connect(&url).await.unwrap();
        let after = store.registry_counts().await.unwrap();
        assert_eq!(after.imports, 2);
        assert_eq!(after.enterprises, union.len() as i64);
        assert_eq!(store.foreign_key_violations().await.unwrap(), 0);
    })
    .await;
}

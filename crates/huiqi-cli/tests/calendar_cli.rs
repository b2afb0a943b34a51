//! `huiqi calendar add-workdays` and `huiqi calendar is-workday` as pinned in issue 14.

mod common;
use common::{huiqi, stdout};

#[test]
fn add_workdays_prints_one_date() {
    // 2024-02-09 (Friday before 春节) + 1 working day: Sunday 2024-02-18 is 调休上班.
    assert_eq!(
        stdout(&huiqi(&["calendar", "add-workdays", "2024-02-09", "1"])),
        "2024-02-18\n"
    );
    assert_eq!(
        stdout(&huiqi(&["calendar", "add-workdays", "2025-09-30", "3"])),
        "2025-10-11\n"
    );
    assert_eq!(
        stdout(&huiqi(&["calendar", "add-workdays", "2026-02-13", "0"])),
        "2026-02-13\n"
    );
    let traced = huiqi(&["calendar", "add-workdays", "2024-02-08", "3", "--trace"]);
    assert_eq!(stdout(&traced), "2024-02-19\n");
    let why = String::from_utf8_lossy(&traced.stderr);
    assert!(
        why.contains("春节放假") && why.contains("2024年部分节假日安排"),
        "{why}"
    );
}

#[test]
fn is_workday_prints_true_or_false() {
    for (date, expected) in [
        ("2024-02-18", "true\n"),  // Sunday, 调休上班
        ("2024-02-12", "false\n"), // Monday, 春节
        ("2025-06-02", "false\n"), // Monday, 端午节
        ("2026-10-10", "true\n"),  // Saturday, 调休上班
        ("2026-10-11", "false\n"), // Sunday
        ("2026-10-12", "true\n"),  // Monday
    ] {
        assert_eq!(
            stdout(&huiqi(&["calendar", "is-workday", date])),
            expected,
            "{date}"
        );
    }
}

#[test]
fn a_year_without_data_fails_and_says_so() {
    let out = huiqi(&["calendar", "is-workday", "2027-01-04"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2027年的法定节假日安排尚未录入"), "{err}");
    let out = huiqi(&["calendar", "add-workdays", "2026-12-25", "10"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let out = huiqi(&["calendar", "is-workday", "2024-13-01"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
}

#[test]
fn an_administrator_adds_a_year_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.yaml");
    std::fs::write(
        &file,
        "- year: 2027\n  notice: 国务院办公厅关于2027年部分节假日安排的通知\n  holidays:\n    - { name: 元旦, from: 2027-01-01, until: 2027-01-03 }\n",
    )
    .unwrap();
    let years = file.to_str().unwrap();
    assert_eq!(
        stdout(&huiqi(&[
            "calendar",
            "add-workdays",
            "2026-12-31",
            "1",
            "--years",
            years
        ])),
        "2027-01-04\n"
    );
    assert_eq!(
        stdout(&huiqi(&[
            "calendar",
            "is-workday",
            "2027-01-01",
            "--years",
            years
        ])),
        "false\n"
    );
    let check = stdout(&huiqi(&["calendar", "check", years]));
    assert!(check.contains("2027 年"), "{check}");

    std::fs::write(
        &file,
        "- year: 2027\n  notice: x\n  holidays: []\n  workdays: [2027-01-04]\n",
    )
    .unwrap();
    let out = huiqi(&["calendar", "is-workday", "2027-01-04", "--years", years]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2027.yaml 第4行 [2027]") && err.contains("周一"),
        "{err}"
    );
}

#[test]
fn check_lists_the_builtin_years() {
    let out = stdout(&huiqi(&["calendar", "check"]));
    assert!(out.contains("2024 年：251 个工作日"), "{out}");
    assert!(out.contains("2025 年：248 个工作日"), "{out}");
    assert!(out.contains("2026 年：248 个工作日"), "{out}");
}

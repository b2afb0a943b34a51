//! The command line speaks Chinese: every command's help (clap's own headings, flags, defaults
//! and possible values included), clap's errors, and `rules eval`'s complaints about its JSON.

mod common;

use common::{huiqi, text};

/// Words of clap's English that must not reach a user.
const ENGLISH: [&str; 10] = [
    "Usage:",
    "Options:",
    "Arguments:",
    "Commands:",
    "Print help",
    "Print version",
    "[default:",
    "[possible values:",
    "Possible values:",
    "error:",
];

fn english_in(s: &str) -> Vec<&'static str> {
    ENGLISH.iter().copied().filter(|w| s.contains(w)).collect()
}

/// The subcommands a help text lists under 命令.
fn subcommands(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.starts_with("命令") {
            inside = true;
            continue;
        }
        if inside {
            if !line.starts_with(' ') {
                break;
            }
            if let Some(name) = line.split_whitespace().next() {
                out.push(name.to_string());
            }
        }
    }
    out
}

#[test]
fn every_help_is_in_chinese() {
    let out = huiqi(&["--help"]);
    assert!(out.status.success());
    let top = text(&out.stdout);
    for w in [
        "用法：",
        "选项",
        "命令",
        "显示帮助",
        "显示版本",
        "-V, --version",
    ] {
        assert!(top.contains(w), "{w}: {top}");
    }
    let version = huiqi(&["-V"]);
    assert!(version.status.success() && text(&version.stdout).starts_with("huiqi "));
    // Every command, at every depth.
    let mut todo: Vec<Vec<String>> = subcommands(&top).into_iter().map(|c| vec![c]).collect();
    assert!(todo.len() > 20, "{top}");
    let mut seen = 0;
    let mut defaults = 0;
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = huiqi(&args);
        let help = text(&out.stdout);
        assert!(out.status.success(), "{path:?}: {}", text(&out.stderr));
        assert!(
            english_in(&help).is_empty(),
            "{path:?}: {:?}\n{help}",
            english_in(&help)
        );
        assert!(
            help.contains("用法：") && help.contains("显示帮助"),
            "{path:?}: {help}"
        );
        defaults += help.matches("[默认: ").count();
        for sub in subcommands(&help) {
            let mut p = path.clone();
            p.push(sub);
            todo.push(p);
        }
        seen += 1;
    }
    assert!(seen > 60, "{seen} commands");
    assert!(defaults > 10, "defaults in Chinese: {defaults}");
}

#[test]
fn clap_errors_are_chinese_lines() {
    for (args, wanted) in [
        (&["nosuch"][..], "没有“nosuch”这个命令"),
        (&["users", "add"][..], "缺少必需的参数"),
        (
            &["import", "--source", "bogus", "x.csv"][..],
            "的值“bogus”无效",
        ),
        (&["policy", "show", "--nope"][..], "不认识的参数“--nope”"),
        (
            &["calendar", "add-workdays", "2024-13-01", "1"][..],
            "格式不对",
        ),
        // The standard parsers' English reasons are said in Chinese.
        (
            &[
                "cultivate",
                "candidates",
                "--kind",
                "zjtx",
                "--year",
                "2024",
                "--top",
                "x",
            ][..],
            "的值“x”格式不对（须为整数）",
        ),
        (
            &[
                "cultivate",
                "score",
                "--standard",
                "zjtx",
                "--at",
                "2024-13-01",
                "x.json",
            ][..],
            "的值“2024-13-01”格式不对（须为日期，如 2024-12-31）",
        ),
    ] {
        let out = huiqi(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("错误："), "{args:?}: {err}");
        assert!(err.contains(wanted), "{args:?}: {err}");
        assert!(err.contains("用法："), "{args:?}: {err}");
        assert!(english_in(&err).is_empty(), "{args:?}: {err}");
    }
}

#[test]
fn rules_eval_names_the_field_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("facts.json");
    for (json, wanted) in [
        (
            r#"{"kind":"individual_business","revenue":"一百万"}"#,
            "字段“revenue”",
        ),
        (r#"{"kind":"corp"}"#, "“corp”"),
        (r#"{"kind":"individual_business""#, "不完整"),
        (r#"{"kind":"individual_business"} x"#, "多余"),
        (
            r#"{"kind":"individual_business","employees":true}"#,
            "字段“employees”",
        ),
    ] {
        std::fs::write(&f, json).unwrap();
        let out = huiqi(&["rules", "eval", "--at", "2023-12-31", f.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{json}");
        assert!(err.contains(wanted), "{json}: {err}");
        assert!(err.contains("第1行"), "{json}: {err}");
        for english in [
            "missing field",
            "invalid type",
            "expected",
            "unknown variant",
            "at line",
        ] {
            assert!(!err.contains(english), "{json}: {err}");
        }
    }
}

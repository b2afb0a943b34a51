//! `huiqi match` and `huiqi rules` as a user runs them.

mod common;
use common::huiqi;

fn generate(dir: &std::path::Path, n: u32) -> std::path::PathBuf {
    let p = dir.join("facts.csv");
    let out = huiqi(&[
        "gen",
        "--count",
        &n.to_string(),
        "--year",
        "2024",
        "--output",
        p.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    p
}

#[test]
fn match_writes_one_row_per_enterprise_and_the_quoted_path_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let input = generate(dir.path(), 500);
    let output = dir.path().join("out.csv");
    let out = huiqi(&[
        "match",
        "--at",
        "2024-12-31",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plain = std::fs::read_to_string(&output).unwrap();
    assert_eq!(plain.lines().count(), 501);
    assert!(plain.starts_with("uscc,size_class,small_low_profit,cit_relief,iit_business_relief,six_taxes_relief,vat_relief,startup_deduction,rd_extra_deduction,total_relief\n"));

    // The same facts with every name quoted go through the CSV parser and give the same bytes.
    let text = std::fs::read_to_string(&input).unwrap();
    let quoted: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
            if i > 0 {
                f[1] = format!("\"{}\"", f[1]);
            }
            f.join(",") + "\n"
        })
        .collect();
    let qin = dir.path().join("quoted.csv");
    std::fs::write(&qin, quoted).unwrap();
    let qout = dir.path().join("quoted-out.csv");
    let out = huiqi(&[
        "match",
        "--at",
        "2024-12-31",
        "--input",
        qin.to_str().unwrap(),
        "--output",
        qout.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&qout).unwrap(), plain);
}

/// A file of many blocks and batches (blocks are 1 MiB, eight to a batch): the pipelined path
/// gives the CSV parser's bytes, in order, and an error deep in the file names its exact row.
#[test]
fn a_file_of_many_blocks_comes_out_whole_in_order_and_errors_name_their_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = generate(dir.path(), 60_000);
    let text = std::fs::read_to_string(&input).unwrap();
    assert!(text.len() > 9 << 20, "more than one batch: {}", text.len());
    let run = |file: &std::path::Path| {
        let output = dir.path().join("many-out.csv");
        let out = huiqi(&[
            "match",
            "--at",
            "2024-12-31",
            "--input",
            file.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
        ]);
        let result = std::fs::read_to_string(&output).ok();
        let _ = std::fs::remove_file(&output);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            result,
        )
    };
    let (ok, err, plain) = run(&input);
    assert!(ok, "{err}");
    let plain = plain.unwrap();
    assert_eq!(plain.lines().count(), 60_001);
    let usccs: Vec<&str> = text.lines().skip(1).map(|l| &l[..18]).collect();
    let out_usccs: Vec<&str> = plain.lines().skip(1).map(|l| &l[..18]).collect();
    assert_eq!(usccs, out_usccs, "one row per enterprise, in input order");

    // The last name quoted: the whole file goes through the CSV parser, with the same result.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines.len() - 1;
    let mut f: Vec<String> = lines[last].split(',').map(str::to_string).collect();
    f[1] = format!("\"{}\"", f[1]);
    lines[last] = f.join(",");
    let quoted = dir.path().join("many-quoted.csv");
    std::fs::write(&quoted, lines.join("\n") + "\n").unwrap();
    let (ok, err, q) = run(&quoted);
    assert!(ok, "{err}");
    assert_eq!(q.unwrap(), plain);

    // A bad amount on file row 54,321 (well past the first batch): named exactly, no output.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut f: Vec<String> = lines[54_320].split(',').map(str::to_string).collect();
    f[7] = "12a".into();
    lines[54_320] = f.join(",");
    let bad = dir.path().join("many-bad.csv");
    std::fs::write(&bad, lines.join("\r\n") + "\r\n").unwrap();
    let (ok, err, out) = run(&bad);
    assert!(!ok);
    assert!(out.is_none(), "no result file");
    assert!(err.contains("第54321行 列 revenue："), "{err}");
    assert!(err.contains("有 1 处错误"), "{err}");
}

#[test]
fn a_bad_row_names_row_and_column_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = generate(dir.path(), 50);
    let text = std::fs::read_to_string(&input).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Row 7 of the file: an unparseable revenue.
    let mut f: Vec<&str> = lines[6].split(',').collect();
    f[7] = "12万";
    lines[6] = f.join(",");
    // Row 9: an unknown industry code.
    let mut f: Vec<&str> = lines[8].split(',').collect();
    f[4] = "Z9999";
    lines[8] = f.join(",");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let output = dir.path().join("out.csv");
    let out = huiqi(&[
        "match",
        "--at",
        "2024-12-31",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("第7行 列 revenue"), "{err}");
    assert!(err.contains("第9行 列 industry"), "{err}");
    assert!(!output.exists(), "no partial output");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "only the input remains: {leftovers:?}");
}

#[test]
fn eval_with_trace_cites_articles_and_documents() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.json");
    std::fs::write(&f, r#"{"kind":"individual_business","industry":"F5211","business_income":"80000","other_iit_relief":"2000"}"#).unwrap();
    let out = huiqi(&[
        "rules",
        "eval",
        "--at",
        "2023-12-31",
        "--trace",
        f.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outputs"]["iit_business_relief"], "2250.00");
    assert_eq!(v["outputs"]["size_class"], "micro");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("财政部 税务总局公告2023年第12号 第一条"),
        "{text}"
    );
    assert!(text.contains("六安政策第9条"), "{text}");
    // A typo in a fact name is refused, naming where.
    std::fs::write(
        &f,
        r#"{"kind":"individual_business","busines_income":"80000"}"#,
    )
    .unwrap();
    let out = huiqi(&["rules", "eval", "--at", "2023-12-31", f.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("busines_income"));
}

#[test]
fn rules_test_runs_the_yaml_cases() {
    let out = huiqi(&["rules", "test"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passed: usize = stdout
        .trim()
        .strip_prefix("通过 ")
        .and_then(|s| s.strip_suffix(" 条，失败 0 条"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected summary: {stdout}"));
    assert!(passed > 0, "{stdout}");
}

/// Runs `huiqi match` on `text`; returns (success, stderr, whether an output file exists).
fn match_text(text: &str) -> (bool, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, text).unwrap();
    let output = dir.path().join("out.csv");
    let out = huiqi(&[
        "match",
        "--at",
        "2024-12-31",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1 + usize::from(output.exists()));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        output.exists(),
    )
}

#[test]
fn a_misspelt_header_is_refused_naming_the_column_and_the_closest_name() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(generate(dir.path(), 20)).unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    let bad = header
        .replace(",revenue,", ",revenu,")
        .replace(",taxable_income,", ",taxable_incom,");
    for quoted in [false, true] {
        // The quoted form goes through the CSV parser path: the same checks apply.
        let head = if quoted {
            bad.replacen("uscc", "\"uscc\"", 1)
        } else {
            bad.clone()
        };
        let (ok, err, output) = match_text(&format!("{head}\n{body}"));
        assert!(!ok, "exit non-zero");
        assert!(!output, "no output file");
        assert!(
            err.contains("列 revenu：无法识别的列。是不是“revenue”？"),
            "{err}"
        );
        assert!(err.contains("是不是“taxable_income”？"), "{err}");
        assert!(err.contains("缺少列：revenue（营业收入）"), "{err}");
    }
}

#[test]
fn a_short_or_long_row_is_refused_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(generate(dir.path(), 20)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Row 4: 5 of its 30 fields; row 6: one field too many.
    lines[3] = lines[3].split(',').take(5).collect::<Vec<_>>().join(",");
    lines[5].push_str(",42");
    let (ok, err, output) = match_text(&(lines.join("\n") + "\n"));
    assert!(!ok && !output, "{err}");
    assert!(
        err.contains("第4行：这一行有 5 个字段，表头有 30 列"),
        "{err}"
    );
    assert!(err.contains("第6行：这一行有 31 个字段"), "{err}");
    assert!(err.contains("有 2 处错误"), "{err}");
}

#[test]
fn more_than_a_hundred_bad_rows_are_counted_not_all_listed() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(generate(dir.path(), 300)).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_string()
            } else {
                l.replacen(',', ",,", 1)
            }
        })
        .collect();
    let (ok, err, _) = match_text(&(lines.join("\n") + "\n"));
    assert!(!ok);
    assert!(err.contains("有 300 处错误"), "{err}");
    assert!(
        err.contains("另有 200 处错误未列出（只列出前 100 处）"),
        "{err}"
    );
    assert_eq!(err.matches("个字段").count(), 100, "{err}");
}

/// Issue 12: the result file gets the user's umask like any other file the user makes (the
/// temporary file it is written through would otherwise leave it readable by its owner only).
#[cfg(unix)]
#[test]
fn the_result_file_is_created_with_the_users_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = generate(dir.path(), 20);
    for (umask, mode) in [("022", 0o644), ("027", 0o640)] {
        let output = dir.path().join(format!("out-{umask}.csv"));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" match --at 2024-12-31 --input \"$1\" --output \"$2\""
            ))
            .arg(env!("CARGO_BIN_EXE_huiqi"))
            .arg(&input)
            .arg(&output)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = std::fs::metadata(&output).unwrap().permissions().mode() & 0o777;
        assert_eq!(got, mode, "umask {umask}: mode {got:o}");
    }
}

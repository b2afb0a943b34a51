//! No panic on any input (issue 11 item 6), on the command line: a value at `Decimal`'s maximum
//! (grants, 日常调度 reports and allocations, what-if values, ledger amounts, facts) is refused
//! with a non-zero exit and a Chinese message naming the limit, never a panic; and a file that
//! makes calamine panic is refused without the panic message (issue 12 item 1).

use std::process::{Command, Output};

const MAX: &str = "79228162514264337593543950335";

fn huiqi(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_huiqi"))
        .args(args)
        .env("HUIQI_DATABASE_URL", url)
        .output()
        .expect("run huiqi")
}

fn ok(url: &str, args: &[&str]) -> Output {
    let out = huiqi(url, args);
    assert!(
        out.status.success(),
        "huiqi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Refused: non-zero exit (not a panic's 101), the message on stderr, no panic text.
fn refused(url: &str, args: &[&str], expected: &str) {
    let out = huiqi(url, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "huiqi {args:?} succeeded");
    assert_ne!(
        out.status.code(),
        Some(101),
        "huiqi {args:?} panicked: {err}"
    );
    assert!(!err.contains("panicked"), "huiqi {args:?}: {err}");
    assert!(
        err.contains(expected),
        "huiqi {args:?}: “{expected}” not in {err}"
    );
}

#[test]
fn values_at_the_maximum_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("limits.sqlite").display());
    let facts = dir.path().join("facts.csv");
    huiqi_synth::write_csv(std::fs::File::create(&facts).unwrap(), 50, 2024, 3).unwrap();
    ok(
        &url,
        &[
            "import",
            "--source",
            "facts",
            "--year",
            "2024",
            facts.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&facts).unwrap();
    let uscc = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();

    // Grants: one row at the maximum.
    let grants = dir.path().join("granted.csv");
    std::fs::write(
        &grants,
        format!("uscc,measure,amount,date\n{uscc},six_taxes_relief,{MAX},2024-06-30\n"),
    )
    .unwrap();
    refused(
        &url,
        &["grants", "import", grants.to_str().unwrap()],
        "超出上限 1,000,000,000,000 元",
    );

    // 日常调度: a report and an allocation.
    refused(
        &url,
        &[
            "progress",
            "report",
            "--target",
            "new_listings",
            "--jurisdiction",
            "341502",
            "--period",
            "2023-09",
            "--value",
            MAX,
        ],
        "超出上限 1,000,000,000,000",
    );
    refused(
        &url,
        &[
            "progress",
            "allocate",
            "--target",
            "new_listings",
            "--jurisdiction",
            "341502",
            "--value",
            MAX,
            "--by",
            "市金融监管局",
        ],
        "超出上限 1,000,000,000,000",
    );

    // What-if: the value that panicked the rayon workers; a rate beyond 10.
    refused(
        &url,
        &[
            "whatif",
            "--at",
            "2024-12-31",
            "--set",
            &format!("startup.annual_limit={MAX}"),
        ],
        "超出上限 1,000,000,000,000",
    );
    refused(
        &url,
        &[
            "whatif",
            "--at",
            "2024-12-31",
            "--set",
            "cit.statutory_rate=11",
        ],
        "超出上限 10",
    );

    // The ledger.
    refused(
        &url,
        &[
            "funds",
            "award",
            "--year",
            "2023",
            "--jurisdiction",
            "341502",
            "--amount",
            MAX,
            "--date",
            "2024-03-01",
        ],
        "超出上限 1,000,000,000,000 元",
    );

    // Facts: JSON for `rules eval`, a CSV for `match --input` and for the registry.
    let json = dir.path().join("facts.json");
    std::fs::write(&json, format!("{{\"revenue\": \"{MAX}\"}}")).unwrap();
    refused(
        &url,
        &[
            "rules",
            "eval",
            "--at",
            "2024-12-31",
            json.to_str().unwrap(),
        ],
        "revenue（营业收入）",
    );
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[7] = MAX.into();
    lines[1] = cells.join(",");
    let huge = dir.path().join("huge.csv");
    std::fs::write(&huge, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("out.csv");
    refused(
        &url,
        &[
            "match",
            "--at",
            "2024-12-31",
            "--input",
            huge.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ],
        "超出上限 1,000,000,000,000 元",
    );
    assert!(!out.exists(), "no output file");
    refused(
        &url,
        &[
            "import",
            "--source",
            "facts",
            "--year",
            "2024",
            huge.to_str().unwrap(),
        ],
        "超出上限 1,000,000,000,000 元",
    );
}

#[test]
fn a_file_that_panics_calamine_is_refused_without_the_panic_message() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("panic.sqlite").display());
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../huiqi-ingest/tests/corpus/calamine-cfb-panic.xls"
    );
    let out = huiqi(&url, &["import", "--source", "market", file]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("文件已损坏"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "the panic is not printed: {err}"
    );
}

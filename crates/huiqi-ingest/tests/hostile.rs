//! Hostile files are refused quickly with a message naming the limit, and nothing in them is
//! echoed whole: the cases of issue 12 (a cell at XFD1048576, a zip bomb, a 1,000,000-column
//! header, a 10 MB field) and their variants.

mod common;

use std::time::{Duration, Instant};

use common::*;
use huiqi_domain::registry::Source;
use huiqi_ingest::{IngestError, InputFile, Limits, read_list, read_records};

/// Reads `bytes` as a market file named `name`; the refusal (a file error, or the first row
/// error) and how long it took.
fn refusal(name: &str, bytes: Vec<u8>, limits: Limits) -> (String, Duration) {
    let started = Instant::now();
    let outcome = InputFile::from_bytes(name, bytes, limits)
        .and_then(|file| read_records(&file, Source::Market, &counties(), 1024, |_| true));
    let took = started.elapsed();
    let message = match outcome {
        Err(e) => e.to_string(),
        Ok(report) => {
            assert!(!report.errors.is_empty(), "{name} was accepted");
            report.errors.listed()[0].to_string()
        }
    };
    (message, took)
}

fn assert_quick(name: &str, took: Duration) {
    assert!(took < Duration::from_secs(1), "{name} took {took:?}");
}

#[test]
fn a_cell_at_xfd1048576_is_refused_by_the_sheet_extent() {
    let bytes = xfd_xlsx();
    assert!(
        bytes.len() < 10_000,
        "the issue's file is 6.9 KB: {}",
        bytes.len()
    );
    let (m, took) = refusal("xfd.xlsx", bytes, Limits::default());
    assert_quick("xfd", took);
    assert!(
        m.contains("XFD1048576") && m.contains("16,384 列") && m.contains("上限 256 列"),
        "{m}"
    );
}

#[test]
fn a_cell_at_xfd1048576_under_a_lying_dimension_is_refused_while_streaming() {
    let (m, took) = refusal("xfd.xlsx", xfd_lying_dimension_xlsx(), Limits::default());
    assert_quick("xfd (lying dimension)", took);
    assert!(m.contains("XFD1048576") && m.contains("上限 256 列"), "{m}");
}

#[test]
fn a_zip_bomb_is_refused_before_anything_is_unzipped() {
    let bytes = bomb_xlsx(200);
    assert!(bytes.len() < 1_000_000, "{}", bytes.len());
    for limits in [Limits::default(), Limits::upload(64 << 20)] {
        let (m, took) = refusal("bomb.xlsx", bytes.clone(), limits);
        assert_quick("bomb", took);
        assert!(m.contains("压缩炸弹") && m.contains("上限 200 倍"), "{m}");
        assert!(m.contains("200 MB"), "{m}");
    }
}

#[test]
fn shared_strings_declaring_billions_of_strings_are_refused() {
    let (m, took) = refusal(
        "count.xlsx",
        declared_strings_xlsx(4_000_000_000),
        Limits::default(),
    );
    assert_quick("declared strings", took);
    assert!(m.contains("4,000,000,000 个字符串"), "{m}");
}

#[test]
fn a_million_column_header_is_refused_at_once() {
    let bytes = wide_header_csv(1_000_000);
    let (m, took) = refusal("wide.csv", bytes, Limits::default());
    assert_quick("wide header", took);
    assert!(
        m.contains("1,000,000 个字段") && m.contains("上限 256 列"),
        "{m}"
    );
    assert!(m.len() < 300, "{m}");
}

#[test]
fn a_ten_megabyte_field_is_refused_and_quoted_cut() {
    let (m, took) = refusal(
        "long.csv",
        long_field_csv((10 << 20) / 3),
        Limits::default(),
    );
    assert_quick("10 MB field", took);
    assert!(
        m.contains("第 2 行，列“名称”") && m.contains("超过每格 1,000 个字符的上限"),
        "{m}"
    );
    assert!(
        m.chars().count() < 200,
        "the value is cut: {} chars",
        m.chars().count()
    );
    // Also in a sheet (characters that do not compress away: not a zip bomb).
    let (m, took) = refusal("long.xlsx", long_field_xlsx(30_000), Limits::default());
    assert_quick("long xlsx field", took);
    assert!(m.contains("30,000 个字符"), "{m}");
    assert!(m.chars().count() < 200, "{m}");
}

#[test]
fn a_file_beyond_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "big.csv", &vec![b'a'; 2048]);
    let limits = Limits {
        max_file_bytes: 1024,
        ..Limits::default()
    };
    let e = InputFile::open_with(&p, limits).err().unwrap();
    assert!(matches!(e, IngestError::Limit(_)), "{e}");
    assert_eq!(
        e.to_string(),
        "文件“big.csv”有 2 KB，超过上限 1 KB：请把文件拆小后分批导入"
    );
}

#[test]
fn messages_never_show_a_path_of_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "broken.xlsx", b"PK\x03\x04 not really a zip");
    let e = InputFile::open(&p).err().unwrap().to_string();
    assert!(!e.contains(&*dir.path().to_string_lossy()), "{e}");
    assert!(e.contains("“broken.xlsx”"), "{e}");
    let missing = dir.path().join("missing.csv");
    let e = InputFile::open(&missing).err().unwrap().to_string();
    assert!(!e.contains(&*dir.path().to_string_lossy()), "{e}");
}

#[test]
fn too_many_rows_are_refused_naming_the_limit() {
    let mut csv = format!("{ZH_MARKET}\n");
    for n in 0..20 {
        csv.push_str(&format!("{},甲{n},企业,341502,C3311,,,,\n", code(n)));
    }
    let limits = Limits {
        max_rows: 10,
        ..Limits::default()
    };
    let (m, _) = refusal("rows.csv", csv.into_bytes(), limits);
    assert!(m.contains("超过 10 行的上限"), "{m}");
}

#[test]
fn lists_are_read_within_the_same_limits() {
    let file = InputFile::from_bytes("certs.xlsx", xfd_xlsx(), Limits::default()).unwrap();
    let e = read_list(
        &file,
        huiqi_domain::lists::ListSource::Certifications,
        &counties(),
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("上限 256 列"), "{e}");
}

#[test]
fn control_characters_are_refused_naming_row_and_column() {
    let csv = format!(
        "{ZH_MARKET}\n{},甲\u{0}公司,企业,341502,C3311,,,,\n{},乙,企业,341502,C3311,,,李\u{1b}四,\n",
        code(1),
        code(2)
    );
    let file = InputFile::from_bytes("nul.csv", csv.into_bytes(), Limits::default()).unwrap();
    let report = read_records(&file, Source::Market, &counties(), 10, |_| true).unwrap();
    let m: Vec<String> = report
        .errors
        .listed()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        m[0].starts_with("第 2 行，列“名称”") && m[0].contains("U+0000"),
        "{m:?}"
    );
    assert!(
        m[1].starts_with("第 3 行，列“联系人”") && m[1].contains("U+001B"),
        "{m:?}"
    );
}

#[test]
fn names_over_a_hundred_characters_are_refused() {
    let csv = format!(
        "{ZH_MARKET}\n{},{},企业,341502,C3311,,,,\n",
        code(1),
        "名".repeat(101)
    );
    let file = InputFile::from_bytes("long.csv", csv.into_bytes(), Limits::default()).unwrap();
    let report = read_records(&file, Source::Market, &counties(), 10, |_| true).unwrap();
    let e = &report.errors.listed()[0];
    assert_eq!((e.row, e.column.as_deref()), (2, Some("名称")));
    assert!(e.message.contains("超过上限 100 个字"), "{e}");
}

#[test]
fn a_file_of_bad_rows_lists_a_hundred_and_counts_the_rest() {
    let mut csv = format!("{ZH_MARKET}\n");
    for n in 0..1_000 {
        csv.push_str(&format!("{},甲{n},公司,341502,C3311,,,,\n", code(n)));
    }
    let file = InputFile::from_bytes("bad.csv", csv.into_bytes(), Limits::default()).unwrap();
    let report = read_records(&file, Source::Market, &counties(), 10, |_| true).unwrap();
    assert_eq!(
        (report.errors.total(), report.errors.listed().len()),
        (1_000, 100)
    );
    let lines = report.error_lines();
    assert_eq!(lines.len(), 101);
    assert_eq!(lines[100], "另有 900 处错误未列出（只列出前 100 处）");
}

#[test]
fn an_xls_whose_sheets_would_be_too_large_in_memory_is_refused_before_calamine_parses_it() {
    // A cell at IV65536 (the last cell of an .xls): a 65,536 × 256 rectangle in calamine (plus
    // the 2 cells of the 填表说明 sheet).
    let (m, took) = refusal(
        "extent.xls",
        include_bytes!("corpus/extent.xls").to_vec(),
        Limits::default(),
    );
    assert_quick("extent.xls", took);
    assert!(
        m.contains("16,777,218 个单元格") && m.contains(".xls 的上限 4,000,000 个"),
        "{m}"
    );
    // A DIMENSIONS record claiming 4,294,967,280 rows (calamine would reserve them all).
    let (m, took) = refusal(
        "dimension.xls",
        include_bytes!("corpus/dimension.xls").to_vec(),
        Limits::default(),
    );
    assert_quick("dimension.xls", took);
    assert!(m.contains("超过 .xls 的上限"), "{m}");
}

#[test]
fn a_file_that_is_no_workbook_is_refused_as_such() {
    for (name, bytes) in [
        ("x.xls", b"not a compound file at all".to_vec()),
        ("x.xlsx", b"PK\x05\x06".to_vec()),
        ("x.xlsx", Vec::new()),
    ] {
        let (m, _) = refusal(name, bytes, Limits::default());
        assert!(m.contains("不是有效的"), "{name}: {m}");
    }
}

#[test]
fn a_file_on_which_calamine_panics_is_refused_not_a_crash() {
    // Found by scripts/fuzz-ingest.sh (read_xls): calamine's compound-file reader slices past
    // the end of its buffer on this sector table. huiqi catches the panic and refuses the file.
    let bytes = include_bytes!("corpus/calamine-cfb-panic.xls").to_vec();
    let (m, _) = refusal("x.xls", bytes, Limits::default());
    assert!(m.contains("文件已损坏"), "{m}");
}

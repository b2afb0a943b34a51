//! Files as offices save them (built the way Excel and WPS write them): a merged title row and a
//! blank row above the header, a 填表说明 sheet before the data, header aliases and notes, a 合计
//! row, whitespace-only rows, full-width digits, a code typed as a number, codes that do not fit
//! their row. Each imports (or is refused) and the notes say what was skipped or converted.

mod common;

use chrono::NaiveDate;
use common::*;
use huiqi_domain::Uscc;
use huiqi_domain::registry::{Record, Source, Value};
use huiqi_ingest::{InputFile, Limits, Report, STORED_AS_NUMBER, read_records};
use rust_xlsxwriter::Workbook;

fn read(name: &str, bytes: Vec<u8>, source: Source) -> (Report, Vec<Record>) {
    let file = InputFile::from_bytes(name, bytes, Limits::default()).unwrap();
    let mut records = Vec::new();
    let report = read_records(&file, source, &counties(), 2, |chunk| {
        records.extend(chunk);
        true
    })
    .unwrap();
    (report, records)
}

fn errors(report: &Report) -> Vec<String> {
    report
        .errors
        .listed()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_clerks_workbook_imports_and_the_notes_say_what_was_skipped_and_converted() {
    let (report, records) = read("登记信息.xlsx", clerk_workbook(), Source::Market);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(report.rows, 3);
    assert_eq!(records.len(), 3);
    let n = &report.notes;
    assert_eq!((n.sheet.as_deref(), n.sheets), (Some("数据"), 2));
    assert_eq!(n.header_row, 3);
    assert_eq!(n.totals_rows, vec![8]);
    assert_eq!(n.fullwidth_cells, 3, "industry, date and phone of row 4");
    let lines = n.lines();
    assert!(
        lines.iter().any(|l| l.contains("工作表“数据”")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("第 1–2 行（标题或空行）已跳过")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("第 8 行是合计行")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("3 个单元格中的全角字符")),
        "{lines:?}"
    );

    let first = &records[0];
    assert_eq!(first.row, 4);
    assert_eq!(
        first.values,
        vec![
            Value::Text("六安（金安）甲机械有限公司".into()),
            Value::Text("enterprise".into()),
            Value::Text("341502".into()),
            Value::Text("C3311".into()),
            Value::Date(NaiveDate::from_ymd_opt(2020, 5, 1).unwrap()),
            Value::Text("active".into()),
            Value::Text("张三".into()),
            Value::Text("0564-3312345".into()),
        ],
        "the converted values are stored; the name keeps its full-width brackets"
    );
    assert_eq!(
        records[1].values[2],
        Value::Text("341502".into()),
        "U+3000 trimmed"
    );
    assert_eq!(
        records[2].values[4],
        Value::Date(NaiveDate::from_ymd_opt(2019, 1, 2).unwrap())
    );
}

#[test]
fn the_same_file_saved_as_gb18030_csv_with_a_title_reads_alike() {
    // WPS's 另存为 CSV of the 数据 sheet: GB18030, the title cell then commas, a blank line.
    let mut csv = String::from("六安市 2023 年市场主体登记信息表,,,,,,,,\n,,,,,,,,\n");
    csv.push_str("统一社会信用代码,企业名称,市场主体类型,所属辖区,行业代码,成立日期（年-月-日）,登记状态,联系人,联系电话\n");
    csv.push_str(&format!("{},六安（金安）甲机械有限公司,企业,金安区,Ｃ３３１１,２０２０－０５－０１,存续,张三,０５６４－３３１２３４５\n", code(1)));
    csv.push_str(",,\u{3000},,,,,,\n");
    csv.push_str("合计,1 户,,,,,,,\n");
    let (gb, _, _) = encoding_rs::GB18030.encode(&csv);
    let (report, records) = read("登记信息.csv", gb.into_owned(), Source::Market);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(records.len(), 1);
    assert_eq!(
        (report.notes.header_row, report.notes.totals_rows.clone()),
        (3, vec![6])
    );
    assert_eq!(report.notes.fullwidth_cells, 3);
    assert_eq!(records[0].values[3], Value::Text("C3311".into()));
}

#[test]
fn a_code_stored_as_a_number_is_refused_with_what_to_do() {
    let mut book = market_book();
    let s = book.worksheet_from_index(0).unwrap();
    s.write_number(2, 0, 913_415_020_000_000_000.0).unwrap();
    s.write_string(2, 1, "乙").unwrap();
    s.write_string(2, 2, "企业").unwrap();
    s.write_string(2, 3, "341502").unwrap();
    s.write_string(2, 4, "C3311").unwrap();
    s.write_number(3, 0, 341_502_000_012_345.0).unwrap(); // a 15-digit old number
    let (report, records) = read("m.xlsx", save(book), Source::Market);
    let e = errors(&report);
    assert_eq!(
        e[0],
        format!("第 3 行，列“统一社会信用代码”：{STORED_AS_NUMBER}")
    );
    assert!(
        e[1].starts_with("第 4 行") && e[1].contains("15 位的旧工商注册号"),
        "{e:?}"
    );
    assert!(records.len() <= 1);
    // The same code as a CSV saved from Excel: scientific notation.
    let csv = format!("{ZH_MARKET}\n9.13415E+17,乙,企业,341502,C3311,,,,\n");
    let (report, _) = read("m.csv", csv.into_bytes(), Source::Market);
    assert!(
        errors(&report)[0].ends_with(STORED_AS_NUMBER),
        "{:?}",
        errors(&report)
    );
}

#[test]
fn no_sheet_with_a_header_lists_the_sheets() {
    let mut book = Workbook::new();
    book.add_worksheet()
        .set_name("填表说明")
        .unwrap()
        .write_string(0, 0, "说明")
        .unwrap();
    book.add_worksheet()
        .set_name("Sheet2")
        .unwrap()
        .write_string(0, 0, "甲")
        .unwrap();
    let file =
        InputFile::from_bytes("x.xlsx", book.save_to_buffer().unwrap(), Limits::default()).unwrap();
    let e = read_records(&file, Source::Market, &counties(), 2, |_| true)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("“填表说明”、“Sheet2”") && e.contains("前 10 行"),
        "{e}"
    );
}

#[test]
fn unknown_headers_suggest_the_closest_name_and_foreign_units_are_refused() {
    let header = "统一社会信用代码,营业收人,资产总额（万元）";
    let csv = format!("{header}\n{},1,2\n", code(1));
    let (report, _) = read("tax.csv", csv.into_bytes(), Source::Tax);
    let e = errors(&report);
    assert!(
        e.iter()
            .any(|m| m.contains("列“营业收人”：无法识别的列。是不是“营业收入”？")),
        "{e:?}"
    );
    assert!(e.iter().any(|m| m.contains("金额单位是万元")), "{e:?}");
    assert!(e.iter().any(|m| m.contains("表头缺少列")), "{e:?}");
}

#[test]
fn rows_with_too_few_or_too_many_fields_are_named() {
    let csv = format!(
        "{ZH_MARKET}\n{},甲,企业,341502\n{},乙,企业,341502,C3311,,,,,多余\n",
        code(1),
        code(2)
    );
    let (report, records) = read("m.csv", csv.into_bytes(), Source::Market);
    let e = errors(&report);
    assert_eq!(
        e[0],
        "第 2 行：这一行有 4 个字段，表头有 9 列：请检查是否漏填、多了逗号，或含逗号的文字没有用英文双引号括起来"
    );
    assert!(e[1].starts_with("第 3 行：这一行有 10 个字段"), "{e:?}");
    assert!(records.is_empty());
    // In a sheet: a value outside the header's columns.
    let mut book = market_book();
    book.worksheet_from_index(0)
        .unwrap()
        .write_string(1, 10, "备注")
        .unwrap();
    let (report, _) = read("m.xlsx", save(book), Source::Market);
    assert_eq!(
        errors(&report)[0],
        "第 2 行，列“K 列”：这一格有内容，但表头没有这一列：请补上列名，或删除这一列"
    );
}

#[test]
fn codes_that_do_not_fit_their_row_are_warned_about_and_still_imported() {
    let beijing = Uscc::from_parts("91", "110105", "MA2N0XX1").unwrap();
    let shop_as_company = Uscc::from_parts("92", "341502", "MA2N0XX2").unwrap();
    let other_county = Uscc::from_parts("91", "341503", "MA2N0XX3").unwrap();
    let csv = format!(
        "{ZH_MARKET}\n{beijing},甲,企业,341502,C3311,,,,\n{shop_as_company},乙,企业,341502,F5211,,,,\n{other_county},丙,企业,341502,C3311,,,,\n{},丁,企业,341502,C3311,,,,\n",
        code(4)
    );
    let (report, records) = read("m.csv", csv.into_bytes(), Source::Market);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(records.len(), 4, "warnings never block");
    let w: Vec<String> = report
        .notes
        .warnings
        .listed()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(report.notes.warnings.total(), 3, "{w:?}");
    assert!(
        w[0].starts_with("第 2 行") && w[0].contains("110105 不在六安市"),
        "{w:?}"
    );
    assert!(
        w[1].starts_with("第 3 行") && w[1].contains("92 是个体工商户"),
        "{w:?}"
    );
    assert!(
        w[2].starts_with("第 4 行") && w[2].contains("与所属辖区 341502 不一致"),
        "{w:?}"
    );
    assert!(
        report
            .notes
            .lines()
            .iter()
            .any(|l| l == "3 条提醒（不影响导入，请核对）：")
    );
}

#[test]
fn an_unassigned_authority_code_is_an_error() {
    let body = "G1341502MA2N0XX1";
    let org = huiqi_domain::uscc::organization_check_character(b"MA2N0XX1").unwrap();
    let first17 = format!("{body}{org}");
    let check = huiqi_domain::uscc::check_character(first17.as_bytes()).unwrap();
    let csv = format!("{ZH_MARKET}\n{first17}{check},甲,企业,341502,C3311,,,,\n");
    let (report, _) = read("m.csv", csv.into_bytes(), Source::Market);
    assert!(
        errors(&report)[0].contains("第 1 位“G”不是 GB 32100-2015 规定的登记管理部门代码"),
        "{:?}",
        errors(&report)
    );
}

#[test]
fn a_fact_sheet_with_chinese_headers_and_optional_columns_left_out() {
    let columns: Vec<&str> = huiqi_domain::facts_csv::fact_columns()
        .iter()
        .filter(|c| !huiqi_domain::facts_csv::is_optional(c.name))
        .map(|c| c.zh)
        .collect();
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    for (i, h) in columns.iter().enumerate() {
        s.write_string(0, i as u16, *h).unwrap();
    }
    let put = |s: &mut rust_xlsxwriter::Worksheet, zh: &str, v: &str| {
        let i = columns.iter().position(|c| *c == zh).unwrap();
        s.write_string(1, i as u16, v).unwrap();
    };
    put(s, "统一社会信用代码", &code(7));
    put(s, "名称", "霍山县甲茶业有限公司");
    put(s, "市场主体类型", "企业");
    put(s, "所属辖区", "341502");
    put(s, "行业代码", "C1530");
    put(s, "营业收入", "３，４５６，７８９．１２");
    let (report, records) = read("facts.xlsx", book.save_to_buffer().unwrap(), Source::Facts);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(
        records[0].values[5],
        Value::Int(345_678_912),
        "revenue in fen"
    );
    assert_eq!(report.notes.fullwidth_cells, 1);
}

#[test]
fn an_xls_workbook_reads_like_the_xlsx_one() {
    // Written by xlwt (tests/corpus/make_xls.py), as Excel 97–2003 saves .xls.
    let bytes = include_bytes!("corpus/market.xls").to_vec();
    let (report, records) = read("登记信息.xls", bytes, Source::Market);
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(records.len(), 2);
    let n = &report.notes;
    assert_eq!(
        (n.sheet.as_deref(), n.header_row, n.totals_rows.clone()),
        (Some("数据"), 3, vec![6])
    );
    assert_eq!(records[0].uscc.as_str(), code(1));
    assert_eq!(
        records[0].values[2],
        Value::Text("341502".into()),
        "a county typed as a number"
    );
    assert_eq!(
        records[0].values[4],
        Value::Date(NaiveDate::from_ymd_opt(2020, 5, 1).unwrap())
    );
    assert_eq!(
        records[1].values[2],
        Value::Text("341502".into()),
        "a county by its name"
    );
}

//! Reading source files: encodings, header languages, Excel cells, and every kind of bad row.

use std::path::{Path, PathBuf};

use huiqi_domain::Uscc;
use huiqi_domain::registry::{Record, RowError, Source, Value};
use huiqi_ingest::{Counties, InputFile, Report, read_records, write_template};

fn counties() -> Counties {
    Counties::from_pack(&huiqi_policy::builtin::default_pack().unwrap())
}

fn code(n: u32) -> String {
    Uscc::from_parts("91", "341502", &format!("{n:08}"))
        .unwrap()
        .to_string()
}

fn read(path: &Path, source: Source) -> (Report, Vec<Record>) {
    let file = InputFile::open(path).unwrap();
    let mut records = Vec::new();
    let report = read_records(&file, source, &counties(), 2, |chunk| {
        records.extend(chunk);
        true
    })
    .unwrap();
    (report, records)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn market_csv(header: &str) -> String {
    format!(
        "{header}\n{},甲公司,企业,金安区,C3311,2020-05-01,存续,张三,0564-3312345\n{},乙商店,individual_business,341503,f5211,2023/4/1,,,\n",
        code(1),
        code(2)
    )
}

const ZH_MARKET: &str =
    "统一社会信用代码,名称,市场主体类型,所属辖区,行业代码,成立日期,登记状态,联系人,联系电话";
const EN_MARKET: &str =
    "uscc,name,kind,county,industry,registered_on,status,contact_person,contact_phone";

#[test]
fn chinese_and_english_headers_in_utf8_bom_and_gb18030_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let zh = market_csv(ZH_MARKET);
    let (gb, _, _) = encoding_rs::GB18030.encode(&zh);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(market_csv(EN_MARKET).as_bytes());
    let files = [
        write(dir.path(), "utf8.csv", zh.as_bytes()),
        write(dir.path(), "bom.csv", &bom),
        write(dir.path(), "gb.csv", &gb),
    ];
    let mut all = Vec::new();
    for f in &files {
        let (report, records) = read(f, Source::Market);
        assert!(report.errors.is_empty(), "{f:?}: {:?}", report.errors);
        assert_eq!(report.rows, 2);
        all.push(records);
    }
    assert_eq!(all[0], all[1]);
    assert_eq!(all[0], all[2]);
    let r = &all[0][1];
    assert_eq!(r.row, 3);
    assert_eq!(
        r.values,
        vec![
            Value::Text("乙商店".into()),
            Value::Text("individual_business".into()),
            Value::Text("341503".into()),
            Value::Text("F5211".into()),
            Value::Date(chrono::NaiveDate::from_ymd_opt(2023, 4, 1).unwrap()),
            Value::Text("active".into()),
            Value::Null,
            Value::Null,
        ]
    );
    assert_eq!(
        all[0][0].values[6..],
        [
            Value::Text("张三".into()),
            Value::Text("0564-3312345".into())
        ]
    );
    assert_eq!(
        InputFile::open(&files[2]).unwrap().encoding,
        Some("GB18030")
    );
}

fn messages(errors: &[RowError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

#[test]
fn every_bad_row_is_named_and_nothing_is_handed_on_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let csv = format!(
        "uscc,revenue,total_assets,taxable_income,restricted_industry,business_income,other_iit_relief,vat_small_scale,vat_sales_q1,vat_sales_q2,vat_sales_q3,vat_sales_q4,resource_tax,urban_maintenance_tax,property_tax,land_use_tax,stamp_duty,farmland_occupation_tax,education_surcharge,local_education_surcharge,vat_due,iit_due,rd_expense\n\
         {ok},100.5,200,-30,否,0,0,是,1,2,3,4,0,0,0,0,0,0,0,0,0,0,0\n\
         341502000012345,1,1,1,否,0,0,是,1,2,3,4,0,0,0,0,0,0,0,0,0,0,0\n\
         {ok},-1,1.234,1,maybe,0,0,是,1,2,3,4,0,0,0,0,0,0,0,0,0,0,0\n\
         {ok2},1,1,1,否,0,0,是,1,2,3,4,0,0,0,0,0,0,0,0,0,0,0\n",
        ok = code(1),
        ok2 = code(2)
    );
    let p = write(dir.path(), "tax.csv", csv.as_bytes());
    let file = InputFile::open(&p).unwrap();
    let mut handed_on = 0;
    let report = read_records(&file, Source::Tax, &counties(), 1, |c| {
        handed_on += c.len();
        true
    })
    .unwrap();
    let m = messages(&report.errors);
    assert_eq!(report.rows, 4);
    assert!(
        m[0].starts_with("第 3 行，列“uscc”") && m[0].contains("18 位的统一社会信用代码"),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|e| e.starts_with("第 4 行，列“uscc”") && e.contains("与第 2 行重复")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|e| e.starts_with("第 4 行，列“revenue”") && e.contains("不能为负数")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|e| e.starts_with("第 4 行，列“total_assets”") && e.contains("两位小数")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|e| e.starts_with("第 4 行，列“restricted_industry”")),
        "{m:?}"
    );
    assert_eq!(report.errors.len(), 5, "{m:?}");
    assert_eq!(handed_on, 1, "only the row before the first bad one");
}

#[test]
fn bad_county_and_industry_say_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let csv = format!(
        "{EN_MARKET}\n{},甲,企业,340102,C5111,2020-01-01,,,\n{},乙,企业,luan-etdz,C3311,2020-13-01,,,\n{},丙,企业,341502,C3311,,,李四,电话待补\n{},丁,企业,341502,C3311,,,王五,+86 (564) 331-2345\n",
        code(1),
        code(2),
        code(3),
        code(4)
    );
    let (report, _) = read(&write(dir.path(), "m.csv", csv.as_bytes()), Source::Market);
    let m = messages(&report.errors);
    assert!(
        m[0].contains("不是六安市的辖区") && m[0].contains("341502（金安区）"),
        "{m:?}"
    );
    assert!(m[1].contains("不属于门类 C"), "{m:?}");
    assert!(m[2].starts_with("第 3 行，列“registered_on”"), "{m:?}");
    assert!(
        m[3].starts_with("第 4 行，列“contact_phone”") && m[3].contains("不是电话号码"),
        "{m:?}"
    );
    assert_eq!(
        m.len(),
        4,
        "a phone with +, brackets and spaces is accepted: {m:?}"
    );
}

#[test]
fn a_header_with_missing_or_unknown_columns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "h.csv",
        "统一社会信用代码,从业人数,备注\n".as_bytes(),
    );
    let (report, _) = read(&p, Source::Hr);
    let m = messages(&report.errors);
    assert!(
        m.iter()
            .any(|e| e.contains("无法识别的列") && e.contains("备注")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|e| e.contains("缺少列：创业者身份（founder_group）")),
        "{m:?}"
    );
}

#[test]
fn excel_files_read_numbers_dates_and_chinese_text() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("market.xlsx");
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    for (i, h) in ZH_MARKET.split(',').enumerate() {
        s.write_string(0, i as u16, h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    s.write_string(1, 0, code(1)).unwrap();
    s.write_string(1, 1, "六安市甲机械有限公司").unwrap();
    s.write_string(1, 2, "企业").unwrap();
    s.write_number(1, 3, 341502.0).unwrap(); // a county typed as a number
    s.write_string(1, 4, "C3311").unwrap();
    s.write_datetime_with_format(1, 5, ExcelDateTime::from_ymd(2021, 3, 15).unwrap(), &date)
        .unwrap();
    s.write_number(2, 0, 341502000012345.0).unwrap(); // an old number typed as a number
    s.write_string(2, 1, "乙").unwrap();
    book.save(&p).unwrap();

    let (report, records) = read(&p, Source::Market);
    let m = messages(&report.errors);
    assert!(
        m.iter()
            .any(|e| e.starts_with("第 3 行，列“统一社会信用代码”") && e.contains("15 位")),
        "{m:?}"
    );
    assert!(records.len() <= 1);

    // The good row alone imports with its values exact.
    let p2 = dir.path().join("market2.xlsx");
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    for (i, h) in EN_MARKET.split(',').enumerate() {
        s.write_string(0, i as u16, h).unwrap();
    }
    s.write_string(1, 0, code(1)).unwrap();
    s.write_string(1, 1, "六安市甲机械有限公司").unwrap();
    s.write_string(1, 2, "企业").unwrap();
    s.write_number(1, 3, 341502.0).unwrap();
    s.write_string(1, 4, "C3311").unwrap();
    s.write_datetime_with_format(1, 5, ExcelDateTime::from_ymd(2021, 3, 15).unwrap(), &date)
        .unwrap();
    book.save(&p2).unwrap();
    let (report, records) = read(&p2, Source::Market);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        records[0].values[0],
        Value::Text("六安市甲机械有限公司".into())
    );
    assert_eq!(records[0].values[2], Value::Text("341502".into()));
    assert_eq!(
        records[0].values[4],
        Value::Date(chrono::NaiveDate::from_ymd_opt(2021, 3, 15).unwrap())
    );
}

#[test]
fn excel_amounts_convert_once_at_two_decimals() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("finance.xlsx");
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    for (i, h) in ["统一社会信用代码", "贷款余额", "本年新增贷款", "首贷户"]
        .iter()
        .enumerate()
    {
        s.write_string(0, i as u16, *h).unwrap();
    }
    s.write_string(1, 0, code(1)).unwrap();
    s.write_number(1, 1, 1234567.89).unwrap();
    s.write_number(1, 2, 0.29).unwrap();
    s.write_boolean(1, 3, true).unwrap();
    book.save(&p).unwrap();
    let (report, records) = read(&p, Source::Finance);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        records[0].values,
        vec![Value::Int(123_456_789), Value::Int(29), Value::Bool(true)]
    );
}

#[test]
fn every_template_reads_back_as_its_source() {
    let dir = tempfile::tempdir().unwrap();
    for source in Source::ALL {
        let p = dir.path().join(format!("{source}.xlsx"));
        write_template(source, &counties(), &p).unwrap();
        let (report, _) = read(&p, source);
        // Only the "no data rows" complaint: the header is accepted.
        assert_eq!(report.errors.len(), 1, "{source}: {:?}", report.errors);
        assert!(
            report.errors[0].message.contains("没有"),
            "{:?}",
            report.errors
        );
    }
}

#[test]
fn a_fact_sheet_in_excel_reads_like_the_fact_csv() {
    use rust_xlsxwriter::{ExcelDateTime, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("facts.xlsx");
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    for (i, h) in huiqi_domain::FACT_COLUMNS.iter().enumerate() {
        s.write_string(0, i as u16, *h).unwrap();
    }
    s.write_string(1, 0, code(7)).unwrap();
    s.write_string(1, 1, "霍山县甲茶业有限公司").unwrap();
    s.write_string(1, 2, "enterprise").unwrap();
    s.write_string(1, 3, "341525").unwrap();
    s.write_string(1, 4, "C1530").unwrap();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    s.write_datetime_with_format(1, 5, ExcelDateTime::from_ymd(2019, 9, 9).unwrap(), &date)
        .unwrap();
    s.write_number(1, 6, 12.0).unwrap(); // employees
    s.write_number(1, 7, 3_456_789.12).unwrap(); // revenue
    s.write_boolean(1, 13, true).unwrap(); // vat_small_scale
    book.save(&p).unwrap();

    let (report, records) = read(&p, Source::Facts);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let v = &records[0].values;
    assert_eq!(v[2], Value::Text("341525".into()));
    assert_eq!(
        v[4],
        Value::Date(chrono::NaiveDate::from_ymd_opt(2019, 9, 9).unwrap())
    );
    assert_eq!(v[5], Value::Int(345_678_912), "revenue in fen");
    assert_eq!(v[11], Value::Bool(true), "vat_small_scale");
    assert_eq!(v[27], Value::Int(1200), "employees in hundredths");
}

//! Reading source files and lists (`certifications`, `trainings`): encodings, header languages,
//! Excel cells, and every kind of bad row.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use huiqi_domain::Uscc;
use huiqi_domain::lists::{CertKind, ListRows, ListSource};
use huiqi_domain::registry::{Record, RowError, Source, Value};
use huiqi_ingest::{
    Counties, InputFile, ListFile, Report, read_list, read_records, template_bytes,
    write_list_template, write_template,
};

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
    let m = messages(report.errors.listed());
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
    assert_eq!(report.errors.total(), 5, "{m:?}");
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
    let m = messages(report.errors.listed());
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
    let m = messages(report.errors.listed());
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
    let m = messages(report.errors.listed());
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
    for &source in Source::ALL {
        let p = dir.path().join(format!("{source}.xlsx"));
        write_template(source, &counties(), &p).unwrap();
        // The download (bytes) is the same template.
        let d = dir.path().join(format!("{source}-download.xlsx"));
        std::fs::write(&d, template_bytes(Ok(source), &counties()).unwrap()).unwrap();
        for p in [&p, &d] {
            let (report, _) = read(p, source);
            // Only the "no data rows" complaint: the header is accepted.
            assert_eq!(report.errors.total(), 1, "{source}: {:?}", report.errors);
            assert!(
                report.errors.listed()[0].message.contains("没有"),
                "{:?}",
                report.errors
            );
        }
        // The header row is in Chinese (the first column is 统一社会信用代码).
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&d).unwrap();
        let range = calamine::Reader::worksheet_range(&mut book, "数据").unwrap();
        let first = range.get((0, 0)).unwrap().to_string();
        assert!(!first.is_ascii(), "{source}: {first}");
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

// —— lists ——

fn read_list_file(path: &Path, list: ListSource) -> ListFile {
    read_list(&InputFile::open(path).unwrap(), list, &counties()).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const ZH_CERTS: &str = "统一社会信用代码,认定类型,认定日期,证书编号";
const EN_CERTS: &str = "uscc,kind,certified_on,certificate_no";
const ZH_TRAININGS: &str = "场次编号,日期,辖区,培训名称,主办单位,参训人数";
const EN_TRAININGS: &str = "session_id,held_on,county,title,organiser,attendees";

#[test]
fn certifications_read_alike_in_both_languages_and_encodings() {
    let dir = tempfile::tempdir().unwrap();
    let body = |header: &str| {
        format!(
            "{header}\n{},科技型中小企业,2023-03-15,KJ2023001\n{},provincial_zjtx,2023/8/1,\n{},创新型中小企业,2023年5月20日,CX1\n",
            code(1),
            code(1),
            code(2)
        )
    };
    let zh = body(ZH_CERTS);
    let (gb, _, _) = encoding_rs::GB18030.encode(&zh);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(body(EN_CERTS).as_bytes());
    let mut seen = Vec::new();
    for p in [
        write(dir.path(), "utf8.csv", zh.as_bytes()),
        write(dir.path(), "gb.csv", &gb),
        write(dir.path(), "bom.csv", &bom),
    ] {
        let f = read_list_file(&p, ListSource::Certifications);
        assert!(f.report.errors.is_empty(), "{:?}", f.report.errors);
        seen.push(f.rows);
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
    let ListRows::Certifications(rows) = &seen[0] else {
        panic!("certifications")
    };
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (
            rows[0].kind,
            rows[0].certified_on,
            rows[0].certificate_no.as_deref()
        ),
        (CertKind::TechSme, date("2023-03-15"), Some("KJ2023001"))
    );
    assert_eq!(
        (rows[1].kind, rows[1].certificate_no.as_deref()),
        (CertKind::ProvincialZjtx, None)
    );
    assert_eq!(rows[2].certified_on, date("2023-05-20"));
}

/// One bad row per case, after one good row: (list, header, bad row, column named, reason contains).
const BAD_ROWS: &[(ListSource, &str, &str, &str, &str)] = &[
    (
        ListSource::Certifications,
        ZH_CERTS,
        "91341502MA0000000X,科技型中小企业,2023-03-01,",
        "统一社会信用代码",
        "校验",
    ),
    (
        ListSource::Certifications,
        ZH_CERTS,
        "{c2},高新技术企业,2023-03-01,",
        "认定类型",
        "不是认定类型",
    ),
    (
        ListSource::Certifications,
        ZH_CERTS,
        "{c2},科技型中小企业,2023-13-01,",
        "认定日期",
        "不是日期",
    ),
    (
        ListSource::Certifications,
        ZH_CERTS,
        "{c2},科技型中小企业,,",
        "认定日期",
        "不能为空",
    ),
    (
        ListSource::Certifications,
        EN_CERTS,
        "{c2},,2023-03-01,",
        "kind",
        "不能为空",
    ),
    (
        ListSource::Certifications,
        ZH_CERTS,
        "{c1},tech_sme,2023-04-01,",
        "认定类型",
        "与第 2 行重复",
    ),
    (
        ListSource::Trainings,
        ZH_TRAININGS,
        "PX2,2023-03-01,合肥市,创业培训,,50",
        "辖区",
        "不是六安市的辖区",
    ),
    (
        ListSource::Trainings,
        ZH_TRAININGS,
        "PX2,2023-03-01,金安区,创业培训,,-5",
        "参训人数",
        "不能为负",
    ),
    (
        ListSource::Trainings,
        ZH_TRAININGS,
        "PX2,2023-03-01,金安区,创业培训,,12.5",
        "参训人数",
        "整数",
    ),
    (
        ListSource::Trainings,
        ZH_TRAININGS,
        "PX2,2023-03-01,金安区,创业培训,,",
        "参训人数",
        "不能为空",
    ),
    (
        ListSource::Trainings,
        ZH_TRAININGS,
        "PX2,三月,金安区,创业培训,,50",
        "日期",
        "不是日期",
    ),
    (
        ListSource::Trainings,
        EN_TRAININGS,
        "PX2,2023-03-01,金安区,,,50",
        "title",
        "不能为空",
    ),
    (
        ListSource::Trainings,
        ZH_TRAININGS,
        ",2023-03-01,金安区,创业培训,,50",
        "场次编号",
        "不能为空",
    ),
    (
        ListSource::Trainings,
        ZH_TRAININGS,
        "PX1,2023-03-02,霍山县,创业培训,,50",
        "场次编号",
        "与第 2 行重复",
    ),
];

#[test]
fn every_bad_row_is_named_by_row_and_column_and_nothing_is_returned() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (list, header, bad, column, reason)) in BAD_ROWS.iter().enumerate() {
        let good = match list {
            ListSource::Certifications => format!("{},科技型中小企业,2023-03-01,", code(1)),
            ListSource::Trainings => "PX1,2023-03-01,341502,创业培训,市经信局,80".to_owned(),
        };
        let bad = bad.replace("{c1}", &code(1)).replace("{c2}", &code(2));
        // The bad row is row 3, and a good row after it (row 4) is still read.
        let after = match list {
            ListSource::Certifications => format!("{},创新型中小企业,2023-03-01,", code(3)),
            ListSource::Trainings => "PX9,2023-04-01,luan-etdz,创业培训,,30".to_owned(),
        };
        let p = write(
            dir.path(),
            &format!("case{i}.csv"),
            format!("{header}\n{good}\n{bad}\n{after}\n").as_bytes(),
        );
        let f = read_list_file(&p, *list);
        assert_eq!(f.report.rows, 3, "case {i}");
        assert!(f.rows.is_empty(), "case {i}: nothing is returned");
        assert_eq!(
            f.report.errors.total(),
            1,
            "case {i}: {:?}",
            f.report.errors
        );
        let e = &f.report.errors.listed()[0];
        assert_eq!(
            (e.row, e.column.as_deref()),
            (3, Some(*column)),
            "case {i}: {e}"
        );
        assert!(e.message.contains(reason), "case {i}: {e}");
    }
}

#[test]
fn trainings_accept_county_codes_names_and_the_development_zone() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        format!(
            "{EN_TRAININGS}\nPX1,2023-03-01,341502,创业培训,市经信局,80\nPX2,2023-03-09,霍山县,财税培训,,30\nPX3,2023-04-01,luan-etdz,高管研修,经开区,150\n"
        )
        .as_bytes(),
    );
    let f = read_list_file(&p, ListSource::Trainings);
    assert!(f.report.errors.is_empty(), "{:?}", f.report.errors);
    let ListRows::Trainings(rows) = f.rows else {
        panic!("trainings")
    };
    let got: Vec<(&str, &str, Option<&str>, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.session_id.as_str(),
                r.county.as_str(),
                r.organiser.as_deref(),
                r.attendees,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("PX1", "341502", Some("市经信局"), 80),
            ("PX2", "341525", None, 30),
            ("PX3", "luan-etdz", Some("经开区"), 150)
        ]
    );
}

#[test]
fn list_templates_read_back_and_excel_rows_read_like_csv() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    for &list in ListSource::ALL {
        let p = dir.path().join(format!("{list}.xlsx"));
        write_list_template(list, &counties(), &p).unwrap();
        let d = dir.path().join(format!("{list}-download.xlsx"));
        std::fs::write(&d, template_bytes(Err(list), &counties()).unwrap()).unwrap();
        for p in [&p, &d] {
            let f = read_list_file(p, list);
            // Only the "no data rows" complaint: the template's header is accepted.
            assert_eq!(f.report.errors.total(), 1, "{list}: {:?}", f.report.errors);
            assert!(f.report.errors.listed()[0].message.contains("没有"));
        }
    }
    let p = dir.path().join("trainings.xlsx");
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    for (i, h) in ZH_TRAININGS.split(',').enumerate() {
        s.write_string(0, i as u16, h).unwrap();
    }
    let fmt = Format::new().set_num_format("yyyy-mm-dd");
    s.write_number(1, 0, 20230001.0).unwrap(); // a session id typed as a number
    s.write_datetime_with_format(1, 1, ExcelDateTime::from_ymd(2023, 6, 8).unwrap(), &fmt)
        .unwrap();
    s.write_number(1, 2, 341503.0).unwrap();
    s.write_string(1, 3, "创业培训").unwrap();
    s.write_number(1, 5, 96.0).unwrap();
    s.write_string(2, 0, "PX2").unwrap();
    s.write_string(2, 1, "2023-06-09").unwrap();
    s.write_string(2, 2, "金寨县").unwrap();
    s.write_string(2, 3, "创业培训").unwrap();
    s.write_number(2, 5, 40.5).unwrap();
    book.save(&p).unwrap();
    let f = read_list_file(&p, ListSource::Trainings);
    assert_eq!(f.report.errors.total(), 1, "{:?}", f.report.errors);
    let e = &f.report.errors.listed()[0];
    assert_eq!((e.row, e.column.as_deref()), (3, Some("参训人数")), "{e}");
    assert!(f.rows.is_empty());
}

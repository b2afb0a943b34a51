//! Reading the list files (`certifications`, `trainings`): both header languages, CSV encodings and
//! Excel, and every kind of bad row named by row, column and reason.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use huiqi_domain::Uscc;
use huiqi_domain::lists::{CertKind, ListRows, ListSource};
use huiqi_ingest::{Counties, InputFile, ListFile, read_list, write_list_template};

fn counties() -> Counties {
    Counties::from_pack(&huiqi_policy::builtin::default_pack().unwrap())
}

fn code(n: u32) -> String {
    Uscc::from_parts("91", "341502", &format!("{n:08}"))
        .unwrap()
        .to_string()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read(path: &Path, list: ListSource) -> ListFile {
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
        let f = read(&p, ListSource::Certifications);
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
        let f = read(&p, *list);
        assert_eq!(f.report.rows, 3, "case {i}");
        assert!(f.rows.is_empty(), "case {i}: nothing is returned");
        assert_eq!(f.report.errors.len(), 1, "case {i}: {:?}", f.report.errors);
        let e = &f.report.errors[0];
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
    let f = read(&p, ListSource::Trainings);
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
    for list in ListSource::ALL {
        let p = dir.path().join(format!("{list}.xlsx"));
        write_list_template(list, &counties(), &p).unwrap();
        let f = read(&p, list);
        // Only the "no data rows" complaint: the template's header is accepted.
        assert_eq!(f.report.errors.len(), 1, "{list}: {:?}", f.report.errors);
        assert!(f.report.errors[0].message.contains("没有"));
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
    let f = read(&p, ListSource::Trainings);
    assert_eq!(f.report.errors.len(), 1, "{:?}", f.report.errors);
    let e = &f.report.errors[0];
    assert_eq!((e.row, e.column.as_deref()), (3, Some("参训人数")), "{e}");
    assert!(f.rows.is_empty());
}

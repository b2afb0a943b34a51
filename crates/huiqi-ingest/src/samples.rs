//! Files for tests and for the fuzz targets' seed corpus: the hostile files of issue 12 (a cell
//! at XFD1048576, a zip bomb, shared strings declaring billions of strings, a 1,000,000-column
//! header, a 10 MB field) and workbooks as offices save them. Built in memory (a 200 MB bomb is
//! streamed through the compressor), so nothing large is committed.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use huiqi_domain::Uscc;
use zip::write::SimpleFileOptions;

use crate::Counties;

/// The jurisdictions of the built-in policy pack.
pub fn counties() -> Counties {
    Counties::from_pack(&huiqi_policy::builtin::default_pack().expect("built-in pack"))
}

/// A valid code of a 六安 (金安区) enterprise.
pub fn code(n: u32) -> String {
    Uscc::from_parts("91", "341502", &format!("{n:08}"))
        .expect("sample file")
        .to_string()
}

/// Writes `bytes` to `dir/name`.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("sample file");
    p
}

/// The 市场监管 header in Chinese.
pub const ZH_MARKET: &str =
    "统一社会信用代码,名称,市场主体类型,所属辖区,行业代码,成立日期,登记状态,联系人,联系电话";

/// `xlsx` with the part `name` replaced by what `body` writes (streamed and deflated, so a part
/// of hundreds of MB costs no memory); every other part copied as it is.
pub fn replace_part(xlsx: &[u8], name: &str, body: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(Cursor::new(xlsx)).expect("sample file");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let f = src.by_index_raw(i).expect("sample file");
        if f.name().expect("sample file") != name {
            out.raw_copy_file(f).expect("sample file");
        }
    }
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    out.start_file(name, options).expect("sample file");
    body(&mut out);
    out.finish().expect("sample file").into_inner()
}

/// The text of one part of an .xlsx.
pub fn part(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).expect("sample file");
    let mut s = String::new();
    zip.by_name(name)
        .expect("sample file")
        .read_to_string(&mut s)
        .expect("sample file");
    s
}

/// A workbook with the market header and one row, as rust_xlsxwriter (like Excel) saves it.
pub fn market_book() -> rust_xlsxwriter::Workbook {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (i, h) in ZH_MARKET.split(',').enumerate() {
        s.write_string(0, i as u16, h).expect("sample file");
    }
    s.write_string(1, 0, code(1)).expect("sample file");
    s.write_string(1, 1, "六安市甲机械有限公司")
        .expect("sample file");
    s.write_string(1, 2, "企业").expect("sample file");
    s.write_string(1, 3, "341502").expect("sample file");
    s.write_string(1, 4, "C3311").expect("sample file");
    book
}

/// The workbook's bytes.
pub fn save(mut book: rust_xlsxwriter::Workbook) -> Vec<u8> {
    book.save_to_buffer().expect("sample file")
}

/// The 6.9 KB file of the issue: the header, a row, and one cell at XFD1048576.
pub fn xfd_xlsx() -> Vec<u8> {
    let mut book = market_book();
    book.worksheet_from_index(0)
        .expect("sample file")
        .write_string(1_048_575, 16_383, "x")
        .expect("sample file");
    save(book)
}

/// The same cell at XFD1048576 with the sheet's `<dimension>` lying (A1:I2).
pub fn xfd_lying_dimension_xlsx() -> Vec<u8> {
    let good = xfd_xlsx();
    let sheet = part(&good, "xl/worksheets/sheet1.xml").replace("A1:XFD1048576", "A1:I2");
    assert!(sheet.contains("A1:I2"));
    replace_part(&good, "xl/worksheets/sheet1.xml", |w| {
        w.write_all(sheet.as_bytes()).expect("sample file")
    })
}

/// A zip bomb: the market workbook whose shared strings carry one more string of `mb` MB of
/// the same letter (unzips about 1,000 times its compressed size).
pub fn bomb_xlsx(mb: usize) -> Vec<u8> {
    let good = save(market_book());
    let sst = part(&good, "xl/sharedStrings.xml");
    let end = sst.rfind("</sst>").expect("sample file");
    let head = sst[..end].replace("uniqueCount=\"", "uniqueCount=\"1");
    replace_part(&good, "xl/sharedStrings.xml", |w| {
        w.write_all(head.as_bytes()).expect("sample file");
        w.write_all(b"<si><t>").expect("sample file");
        let chunk = vec![b'A'; 1 << 20];
        for _ in 0..mb {
            w.write_all(&chunk).expect("sample file");
        }
        w.write_all(b"</t></si></sst>").expect("sample file");
    })
}

/// Shared strings that declare `count` strings (calamine reserves memory for them) but hold few.
pub fn declared_strings_xlsx(count: u64) -> Vec<u8> {
    let good = save(market_book());
    let sst = part(&good, "xl/sharedStrings.xml");
    let start = sst.find("uniqueCount=\"").expect("sample file") + "uniqueCount=\"".len();
    let end = start + sst[start..].find('"').expect("sample file");
    let sst = format!("{}{count}{}", &sst[..start], &sst[end..]);
    replace_part(&good, "xl/sharedStrings.xml", |w| {
        w.write_all(sst.as_bytes()).expect("sample file")
    })
}

/// A CSV whose header has `columns` columns.
pub fn wide_header_csv(columns: usize) -> Vec<u8> {
    let mut s = String::with_capacity(columns * 8);
    s.push_str("统一社会信用代码");
    for i in 1..columns {
        s.push_str(&format!(",c{i}"));
    }
    s.push('\n');
    s.into_bytes()
}

/// A market CSV whose one row has a name of `chars` characters.
pub fn long_field_csv(chars: usize) -> Vec<u8> {
    let name: String = "名".repeat(chars);
    format!(
        "{ZH_MARKET}\n{},{name},企业,341502,C3311,2020-05-01,存续,张三,0564-3312345\n",
        code(1)
    )
    .into_bytes()
}

/// A market .xlsx whose one row has a name of `chars` characters that do not compress away (Excel
/// holds at most 32,767 characters in a cell).
pub fn long_field_xlsx(chars: usize) -> Vec<u8> {
    let mut book = market_book();
    let mut x: u32 = 12345;
    let name: String = (0..chars)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from_u32(0x4E00 + (x >> 16) % 0x5000).expect("sample file")
        })
        .collect();
    book.worksheet_from_index(0)
        .expect("sample file")
        .write_string(1, 1, name)
        .expect("sample file");
    save(book)
}

/// The workbook of a 市场监管 clerk: a 填表说明 sheet first; on 数据 a merged title, a blank row,
/// the header in row 3 (企业名称, 成立日期（年-月-日）, 联系电话 with a line break), data with
/// full-width digits and U+3000 around a value, a whitespace-only row, and a 合计 row.
pub fn clerk_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("填表说明").expect("sample file");
    notes.write_string(0, 0, "填表说明").expect("sample file");
    notes
        .write_string(1, 0, "1. 统一社会信用代码填 18 位")
        .expect("sample file");
    notes
        .write_string(2, 0, "2. 名称填营业执照上的全称")
        .expect("sample file");
    let s = book.add_worksheet();
    s.set_name("数据").expect("sample file");
    let title = rust_xlsxwriter::Format::new()
        .set_bold()
        .set_align(rust_xlsxwriter::FormatAlign::Center);
    s.merge_range(0, 0, 0, 8, "六安市 2023 年市场主体登记信息表", &title)
        .expect("sample file");
    let header = [
        "统一社会信用代码",
        "企业名称",
        "市场主体类型",
        "所属辖区",
        "行业代码",
        "成立日期（年-月-日）",
        "登记状态",
        "联系人",
        "联系电话\n（手机或座机）",
    ];
    for (i, h) in header.iter().enumerate() {
        s.write_string(2, i as u16, *h).expect("sample file");
    }
    let rows: [[&str; 9]; 3] = [
        [
            &code(1),
            "六安（金安）甲机械有限公司",
            "企业",
            "金安区",
            "Ｃ３３１１",
            "２０２０－０５－０１",
            "存续",
            "张三",
            "０５６４－３３１２３４５",
        ],
        [
            &code(2),
            "乙商店",
            "企业",
            "\u{3000}341502\u{3000}",
            "F5211",
            "2021/3/4",
            "",
            "",
            "",
        ],
        [
            &code(3),
            "丙公司",
            "企业",
            "341502",
            "C3311",
            "2019年1月2日",
            "在业",
            "",
            "",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                s.write_string(3 + r as u32, c as u16, *v)
                    .expect("sample file");
            }
        }
    }
    s.write_string(6, 2, "  ").expect("sample file"); // a whitespace-only cell on an otherwise empty row
    s.write_string(7, 0, "合 计").expect("sample file");
    s.write_string(7, 1, "3 户").expect("sample file");
    s.write_string(8, 3, "\u{3000}").expect("sample file"); // the sheet's last row: only a U+3000
    book.save_to_buffer().expect("sample file")
}

/// Reads `bytes` as a file named `name` in every way huiqi reads a file: as each registry source
/// and each list, within the upload limits. Returns how many reads were refused or reported
/// errors. For the fuzz targets and the corpus replay test: whatever the bytes, this returns (no
/// panic, no unbounded memory).
pub fn read_every_way(name: &str, bytes: &[u8]) -> usize {
    use huiqi_domain::lists::ListSource;
    use huiqi_domain::registry::Source;

    // The pack is parsed once per process (fuzzing calls this thousands of times a second).
    static COUNTIES: std::sync::OnceLock<Counties> = std::sync::OnceLock::new();
    let counties = COUNTIES.get_or_init(counties);
    let limits = crate::Limits::upload(64 << 20);
    let file = match crate::InputFile::from_bytes(name, bytes.to_vec(), limits) {
        Ok(f) => f,
        Err(_) => return 1,
    };
    let mut refused = 0;
    for &source in Source::ALL {
        match crate::read_records(&file, source, counties, 1024, |_| true) {
            Ok(r) if r.errors.is_empty() => {}
            _ => refused += 1,
        }
    }
    for &list in ListSource::ALL {
        match crate::read_list(&file, list, counties) {
            Ok(r) if r.report.errors.is_empty() => {}
            _ => refused += 1,
        }
    }
    refused
}

/// Parses `bytes` as a fact CSV the way `huiqi match --input` does on its fast path (first line
/// the header, then every line split on commas) with huiqi-domain's parser. Returns the rows
/// parsed. Never panics.
pub fn parse_fact_lines(bytes: &[u8]) -> usize {
    let mut lines = bytes.split(|b| *b == b'\n');
    let Some(first) = lines.next() else { return 0 };
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    let Ok(header) = huiqi_domain::facts_csv::FactsHeader::from_fields(first.split(|b| *b == b','))
    else {
        return 0;
    };
    let mut ok = 0;
    for (i, line) in lines.enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let fields: Vec<&[u8]> = line.split(|b| *b == b',').collect();
        if header.parse(&fields, i + 2).is_ok() {
            ok += 1;
        }
    }
    ok
}

/// The seed corpus of the fuzz targets: small files of every kind above, by file name.
pub fn seed_corpus() -> Vec<(String, Vec<u8>)> {
    let mut facts = crate::FACT_COLUMNS.join(",");
    facts.push('\n');
    let mut row = vec![String::new(); crate::FACT_COLUMNS.len()];
    row[0] = code(1);
    row[1] = "六安市甲机械有限公司".into();
    row[2] = "enterprise".into();
    row[3] = "341502".into();
    row[4] = "C3311".into();
    row[7] = "1234567.89".into();
    facts.push_str(&row.join(","));
    facts.push('\n');
    let market_csv = format!(
        "{ZH_MARKET}\n{},甲公司,企业,金安区,C3311,2020-05-01,存续,张三,0564-3312345\n合计,,,,,,,,\n",
        code(1)
    );
    vec![
        ("market.csv".into(), market_csv.into_bytes()),
        ("facts.csv".into(), facts.into_bytes()),
        ("wide.csv".into(), wide_header_csv(300)),
        ("long.csv".into(), long_field_csv(2_000)),
        ("market.xlsx".into(), save(market_book())),
        ("clerk.xlsx".into(), clerk_workbook()),
        ("xfd.xlsx".into(), xfd_xlsx()),
        ("xfd-lying.xlsx".into(), xfd_lying_dimension_xlsx()),
        ("bomb.xlsx".into(), bomb_xlsx(20)),
        ("count.xlsx".into(), declared_strings_xlsx(4_000_000_000)),
    ]
}

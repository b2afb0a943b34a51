//! Builders of the files the tests read: hostile ones (a cell at XFD1048576, a zip bomb, a
//! million-column header, a 10 MB field) and the ones offices save. Built in the test rather
//! than committed (the small seed corpus of the fuzz targets is in `tests/corpus/`).
#![allow(dead_code)]

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use huiqi_domain::Uscc;
use huiqi_ingest::Counties;
use zip::write::SimpleFileOptions;

pub fn counties() -> Counties {
    Counties::from_pack(&huiqi_policy::builtin::default_pack().unwrap())
}

/// A valid code of a 六安 (金安区) enterprise.
pub fn code(n: u32) -> String {
    Uscc::from_parts("91", "341502", &format!("{n:08}"))
        .unwrap()
        .to_string()
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub const ZH_MARKET: &str =
    "统一社会信用代码,名称,市场主体类型,所属辖区,行业代码,成立日期,登记状态,联系人,联系电话";

/// `xlsx` with the part `name` replaced by what `body` writes (streamed and deflated, so a part
/// of hundreds of MB costs no memory); every other part copied as it is.
pub fn replace_part(xlsx: &[u8], name: &str, body: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let f = src.by_index_raw(i).unwrap();
        if f.name().unwrap() != name {
            out.raw_copy_file(f).unwrap();
        }
    }
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    out.start_file(name, options).unwrap();
    body(&mut out);
    out.finish().unwrap().into_inner()
}

/// The text of one part of an .xlsx.
pub fn part(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// A workbook with the market header and one row, as rust_xlsxwriter (like Excel) saves it.
pub fn market_book() -> rust_xlsxwriter::Workbook {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (i, h) in ZH_MARKET.split(',').enumerate() {
        s.write_string(0, i as u16, h).unwrap();
    }
    s.write_string(1, 0, code(1)).unwrap();
    s.write_string(1, 1, "六安市甲机械有限公司").unwrap();
    s.write_string(1, 2, "企业").unwrap();
    s.write_string(1, 3, "341502").unwrap();
    s.write_string(1, 4, "C3311").unwrap();
    book
}

pub fn save(mut book: rust_xlsxwriter::Workbook) -> Vec<u8> {
    book.save_to_buffer().unwrap()
}

/// The 6.9 KB file of the issue: the header, a row, and one cell at XFD1048576.
pub fn xfd_xlsx() -> Vec<u8> {
    let mut book = market_book();
    book.worksheet_from_index(0)
        .unwrap()
        .write_string(1_048_575, 16_383, "x")
        .unwrap();
    save(book)
}

/// The same cell at XFD1048576 with the sheet's `<dimension>` lying (A1:I2).
pub fn xfd_lying_dimension_xlsx() -> Vec<u8> {
    let good = xfd_xlsx();
    let sheet = part(&good, "xl/worksheets/sheet1.xml").replace("A1:XFD1048576", "A1:I2");
    assert!(sheet.contains("A1:I2"));
    replace_part(&good, "xl/worksheets/sheet1.xml", |w| {
        w.write_all(sheet.as_bytes()).unwrap()
    })
}

/// A zip bomb: the market workbook whose shared strings carry one more string of `mb` MB of
/// the same letter (unzips about 1,000 times its compressed size).
pub fn bomb_xlsx(mb: usize) -> Vec<u8> {
    let good = save(market_book());
    let sst = part(&good, "xl/sharedStrings.xml");
    let end = sst.rfind("</sst>").unwrap();
    let head = sst[..end].replace("uniqueCount=\"", "uniqueCount=\"1");
    replace_part(&good, "xl/sharedStrings.xml", |w| {
        w.write_all(head.as_bytes()).unwrap();
        w.write_all(b"<si><t>").unwrap();
        let chunk = vec![b'A'; 1 << 20];
        for _ in 0..mb {
            w.write_all(&chunk).unwrap();
        }
        w.write_all(b"</t></si></sst>").unwrap();
    })
}

/// Shared strings that declare `count` strings (calamine reserves memory for them) but hold few.
pub fn declared_strings_xlsx(count: u64) -> Vec<u8> {
    let good = save(market_book());
    let sst = part(&good, "xl/sharedStrings.xml");
    let start = sst.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
    let end = start + sst[start..].find('"').unwrap();
    let sst = format!("{}{count}{}", &sst[..start], &sst[end..]);
    replace_part(&good, "xl/sharedStrings.xml", |w| {
        w.write_all(sst.as_bytes()).unwrap()
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
            char::from_u32(0x4E00 + (x >> 16) % 0x5000).unwrap()
        })
        .collect();
    book.worksheet_from_index(0)
        .unwrap()
        .write_string(1, 1, name)
        .unwrap();
    save(book)
}

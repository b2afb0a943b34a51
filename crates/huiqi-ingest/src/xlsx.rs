//! .xlsx files: a zip of XML parts. Before calamine opens one, its central directory is read
//! (how many parts, how large each is once unzipped, how much larger than compressed: a zip bomb
//! unzips about 1,000 times) and the header of its shared strings (calamine reserves memory for
//! the count it declares). The zip crate then refuses any part that unzips to more than its
//! declared size. Sheets are streamed cell by cell (calamine's `XlsxCellReader`), never read as a
//! rectangle: a sheet with one cell at XFD1048576 would be a 17-billion-cell rectangle.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, Reader, SheetType, Xlsx, XlsxCellReader};
use huiqi_domain::text::thousands;

use crate::IngestError;
use crate::limits::{Limits, size};

/// Parts over this size must respect [`Limits::max_unzip_ratio`].
const RATIO_FLOOR: u64 = 1024 * 1024;

fn not_xlsx(file: &str) -> IngestError {
    IngestError::Excel {
        file: file.to_owned(),
        message: "不是有效的 .xlsx 文件（无法识别其压缩包结构），请用 Excel 或 WPS 另存为 .xlsx 后重新导入"
            .into(),
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 2)
        .map(|s| u64::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 4)
        .map(|s| u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map(u64::from_le_bytes)
}

/// The number of parts and the size of the central directory, from the end-of-central-directory
/// record (and its zip64 form), before the zip crate reads the directory into memory.
fn directory_size(bytes: &[u8], file: &str) -> Result<(u64, u64), IngestError> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let from = bytes.len().saturating_sub(22 + 65_535);
    let at = bytes[from..]
        .windows(4)
        .rposition(|w| w == EOCD)
        .map(|p| from + p)
        .ok_or_else(|| not_xlsx(file))?;
    let entries = u16_at(bytes, at + 10).ok_or_else(|| not_xlsx(file))?;
    let cd_size = u32_at(bytes, at + 12).ok_or_else(|| not_xlsx(file))?;
    if entries != 0xFFFF && cd_size != 0xFFFF_FFFF {
        return Ok((entries, cd_size));
    }
    // zip64: the locator stands just before the record and points to the zip64 record.
    let locator = at.checked_sub(20).ok_or_else(|| not_xlsx(file))?;
    if bytes.get(locator..locator + 4) != Some(b"PK\x06\x07") {
        return Err(not_xlsx(file));
    }
    let record = u64_at(bytes, locator + 8).ok_or_else(|| not_xlsx(file))? as usize;
    if bytes.get(record..record.saturating_add(4)) != Some(b"PK\x06\x06") {
        return Err(not_xlsx(file));
    }
    let entries = u64_at(bytes, record + 32).ok_or_else(|| not_xlsx(file))?;
    let cd_size = u64_at(bytes, record + 40).ok_or_else(|| not_xlsx(file))?;
    Ok((entries, cd_size))
}

/// Checks an .xlsx's structure against `limits` without unzipping any sheet.
pub(crate) fn prescan(bytes: &[u8], file: &str, limits: &Limits) -> Result<(), IngestError> {
    let (entries, cd_size) = directory_size(bytes, file)?;
    if entries > limits.max_zip_entries || cd_size > limits.max_zip_entries * 1024 {
        return Err(IngestError::Limit(format!(
            "文件“{file}”内含 {} 个部件，超过上限 {} 个：这不是正常的 Excel 文件",
            thousands(entries),
            thousands(limits.max_zip_entries)
        )));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx(file))?;
    let mut total = 0u64;
    let mut shared_strings = None;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| not_xlsx(file))?;
        let name = part.name().map_err(|_| not_xlsx(file))?.into_owned();
        let (unzipped, zipped) = (part.size(), part.compressed_size());
        total = total.saturating_add(unzipped);
        if unzipped > RATIO_FLOOR && unzipped / zipped.max(1) > limits.max_unzip_ratio {
            return Err(IngestError::Limit(format!(
                "文件“{file}”中的“{name}”解压后有 {}，是压缩时（{}）的 {} 倍，超过上限 {} 倍：这不是正常的 Excel 文件（疑似“压缩炸弹”），已拒绝",
                size(unzipped),
                size(zipped),
                thousands(unzipped / zipped.max(1)),
                limits.max_unzip_ratio
            )));
        }
        if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            if unzipped > limits.max_shared_strings_bytes {
                return Err(IngestError::Limit(format!(
                    "文件“{file}”的文字表（sharedStrings.xml）解压后有 {}，超过上限 {}：请把文件拆小后分批导入",
                    size(unzipped),
                    size(limits.max_shared_strings_bytes)
                )));
            }
            shared_strings = Some((i, unzipped));
        }
    }
    if total > limits.max_unzipped_bytes {
        return Err(IngestError::Limit(format!(
            "文件“{file}”解压后共有 {}，超过上限 {}：请把文件拆小后分批导入",
            size(total),
            size(limits.max_unzipped_bytes)
        )));
    }
    if let Some((i, unzipped)) = shared_strings {
        let declared = unique_count(&mut zip, i).map_err(|_| not_xlsx(file))?;
        // Each entry (`<si><t>…</t></si>`) takes at least 16 bytes.
        if declared > unzipped / 16 + 16 {
            return Err(IngestError::Limit(format!(
                "文件“{file}”的文字表声明有 {} 个字符串，但只有 {}：文件已损坏或被改动过，已拒绝",
                thousands(declared),
                size(unzipped)
            )));
        }
    }
    Ok(())
}

/// The `uniqueCount` of `<sst>` (0 if absent), read from at most the first 64 KiB of the part.
fn unique_count(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize) -> Result<u64, ()> {
    let part = zip.by_index(i).map_err(|_| ())?;
    let mut head = Vec::with_capacity(64 * 1024);
    part.take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(|_| ())?;
    let mut reader = quick_xml::Reader::from_reader(head.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                if e.local_name().as_ref() == "sst" =>
            {
                for a in e.attributes().flatten() {
                    if a.key.local_name().as_ref() == "uniqueCount" {
                        return a.value.trim().parse().map_err(|_| ());
                    }
                }
                return Ok(0);
            }
            Ok(quick_xml::events::Event::Eof) => return Ok(0),
            Err(_) => return Err(()),
            _ => {}
        }
        buf.clear();
    }
}

/// A reader's own (English) description of what is malformed, after a Chinese sentence; cut short,
/// since it may quote the file.
pub(crate) fn damaged(detail: impl std::fmt::Display) -> String {
    let detail = detail.to_string();
    let cut: String = detail.chars().take(120).collect();
    format!(
        "文件已损坏或不是 Excel 保存的格式，请用 Excel 或 WPS 打开后另存一次再导入（详情：{cut}{}）",
        if cut.len() < detail.len() { "…" } else { "" }
    )
}

thread_local! {
    /// Set while this thread runs a reader under [`guarded`]: its panic is caught and becomes a
    /// refusal, so the panic hook must not print it.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs (once per process) a panic hook that stays silent for a panic caught by [`guarded`]
/// and hands every other panic to the hook installed before it (the default prints it).
fn quiet_guarded_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
}

/// A calamine panic on a malformed file (a bug of its own, not of ours) as a refusal, without
/// the panic message on stderr (issue 12: `huiqi import` printed “thread 'main' panicked at …”
/// before its refusal).
pub(crate) fn guarded<T>(file: &str, f: impl FnOnce() -> T) -> Result<T, IngestError> {
    quiet_guarded_panics();
    let outer = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(outer));
    result.map_err(|_| IngestError::Excel {
        file: file.to_owned(),
        message: "文件已损坏，无法读取：请用 Excel 或 WPS 打开后另存一次再导入".into(),
    })
}

/// An opened workbook.
pub(crate) struct Book<'b> {
    xlsx: Xlsx<Cursor<&'b [u8]>>,
    file: String,
}

impl<'b> Book<'b> {
    /// Opens a workbook that passed [`prescan`].
    pub(crate) fn open(bytes: &'b [u8], file: &str) -> Result<Book<'b>, IngestError> {
        let xlsx =
            guarded(file, || Xlsx::new(Cursor::new(bytes)))?.map_err(|e| IngestError::Excel {
                file: file.to_owned(),
                message: e.to_string(),
            })?;
        Ok(Book {
            xlsx,
            file: file.to_owned(),
        })
    }

    /// The worksheets (not chart sheets), in workbook order.
    pub(crate) fn sheets(&self) -> Vec<String> {
        self.xlsx
            .sheets_metadata()
            .iter()
            .filter(|s| s.typ == SheetType::WorkSheet)
            .map(|s| s.name.clone())
            .collect()
    }

    /// The rows of one sheet, streamed.
    pub(crate) fn rows<'s>(
        &'s mut self,
        sheet: &str,
        limits: &Limits,
    ) -> Result<SheetRows<'s, 'b>, IngestError> {
        let file = self.file.clone();
        let excel = |e: calamine::XlsxError| IngestError::Excel {
            file: file.clone(),
            message: format!("工作表“{sheet}”：{}", damaged(e)),
        };
        let reader =
            guarded(&self.file, || self.xlsx.worksheet_cells_reader(sheet))?.map_err(excel)?;
        let dims = reader.dimensions();
        if dims.end.1 as usize >= limits.max_columns {
            return Err(IngestError::Limit(format!(
                "工作表“{sheet}”的范围到 {}{} 单元格，共 {} 列，超过上限 {} 列：请删除表格右侧多余的列（含只设了格式的空列）后另存",
                column_letters(dims.end.1 as usize),
                u64::from(dims.end.0) + 1,
                thousands(u64::from(dims.end.1) + 1),
                limits.max_columns
            )));
        }
        Ok(SheetRows {
            reader,
            pending: None,
            sheet: sheet.to_owned(),
            file: self.file.clone(),
            max_columns: limits.max_columns,
            last_row: None,
            done: false,
        })
    }
}

/// `A`, `Z`, `AA`, … `XFD` for a 0-based column.
pub(crate) fn column_letters(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The rows of a sheet, one at a time, each as its cells from column A.
pub(crate) struct SheetRows<'s, 'b> {
    reader: XlsxCellReader<'s, Cursor<&'b [u8]>>,
    pending: Option<calamine::Cell<DataRef<'s>>>,
    sheet: String,
    file: String,
    max_columns: usize,
    last_row: Option<u32>,
    /// The end of the sheet's data was reached (calamine must not be asked again).
    done: bool,
}

impl<'s> SheetRows<'s, '_> {
    fn next_cell(&mut self) -> Result<Option<calamine::Cell<DataRef<'s>>>, IngestError> {
        if let Some(c) = self.pending.take() {
            return Ok(Some(c));
        }
        if self.done {
            return Ok(None);
        }
        let reader = &mut self.reader;
        let cell = guarded(&self.file, || reader.next_cell())?.map_err(|e| IngestError::Excel {
            file: self.file.clone(),
            message: format!("工作表“{}”：{}", self.sheet, damaged(e)),
        })?;
        self.done = cell.is_none();
        Ok(cell)
    }

    /// The next row that has a cell: its 0-based row index, its cells in `out` (index = column).
    pub(crate) fn next_row(
        &mut self,
        out: &mut Vec<DataRef<'s>>,
    ) -> Result<Option<u32>, IngestError> {
        out.clear();
        let Some(first) = self.next_cell()? else {
            return Ok(None);
        };
        let row = first.get_position().0;
        if self.last_row.is_some_and(|last| row <= last) {
            return Err(IngestError::Excel {
                file: self.file.clone(),
                message: format!(
                    "工作表“{}”中第 {} 行出现在第 {} 行之后（行的顺序错乱）：请用 Excel 或 WPS 打开后另存一次再导入",
                    self.sheet,
                    u64::from(row) + 1,
                    u64::from(self.last_row.unwrap_or(0)) + 1
                ),
            });
        }
        self.last_row = Some(row);
        let mut cell = Some(first);
        while let Some(c) = cell {
            let (r, col) = c.get_position();
            if r != row {
                self.pending = Some(c);
                break;
            }
            let col = col as usize;
            if col >= self.max_columns {
                return Err(IngestError::Limit(format!(
                    "工作表“{}”的 {}{} 单元格在第 {} 列，超过上限 {} 列：请删除表格右侧多余的列（含只设了格式的空列）后另存",
                    self.sheet,
                    column_letters(col),
                    u64::from(row) + 1,
                    thousands(col as u64 + 1),
                    self.max_columns
                )));
            }
            if out.len() <= col {
                out.resize(col + 1, DataRef::Empty);
            }
            out[col] = c.get_value().clone();
            cell = self.next_cell()?;
        }
        Ok(Some(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(255), "IV");
        assert_eq!(column_letters(16_383), "XFD");
    }
}

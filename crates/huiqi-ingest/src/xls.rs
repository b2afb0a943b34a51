//! .xls files (BIFF8 in an OLE compound file). calamine parses every sheet of an .xls when it
//! opens it and holds each as a full rectangle, reserving memory for the extent a sheet's
//! DIMENSIONS record declares; its compound-file reader follows sector chains without guarding
//! against loops. So before calamine sees the file, the `cfb` crate (which refuses looping and
//! doubly-used sector chains) opens it, and the workbook stream's records are walked: the declared
//! and the actual extent of every sheet, counted together, must stay within
//! [`Limits::max_xls_cells`].

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xls};
use huiqi_domain::text::thousands;

use crate::IngestError;
use crate::limits::Limits;
use crate::xlsx::guarded;

fn not_xls(file: &str) -> IngestError {
    IngestError::Excel {
        file: file.to_owned(),
        message:
            "不是有效的 .xls 文件（无法识别其结构），请用 Excel 或 WPS 另存为 .xlsx 后重新导入"
                .into(),
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 2)
        .map(|s| u32::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The extent of one sheet's cells.
#[derive(Default)]
struct Extent {
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Extent {
    fn add(&mut self, row: u32, col: u32) {
        let (r0, r1) = self.rows.unwrap_or((row, row));
        let (c0, c1) = self.cols.unwrap_or((col, col));
        self.rows = Some((r0.min(row), r1.max(row)));
        self.cols = Some((c0.min(col), c1.max(col)));
    }

    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1),
            _ => 0,
        }
    }
}

/// The records of a BIFF stream from `at`: (type, data).
fn records(wb: &[u8], mut at: usize) -> impl Iterator<Item = Option<(u32, &[u8])>> {
    std::iter::from_fn(move || {
        let (typ, len) = (u16_at(wb, at)?, u16_at(wb, at + 2)?);
        let data = wb.get(at + 4..at + 4 + len as usize);
        at += 4 + len as usize;
        Some(data.map(|d| (typ, d)))
    })
}

/// The cells calamine reserves for a DIMENSIONS record: its own arithmetic, wrapping included.
fn declared_cells(data: &[u8]) -> Option<u64> {
    let (rf, rl, cf, cl) = match data.len() {
        10 => (
            u16_at(data, 0)?,
            u16_at(data, 2)?,
            u16_at(data, 4)?,
            u16_at(data, 6)?,
        ),
        14 | 16 => (
            u32_at(data, 0)?,
            u32_at(data, 4)?,
            u16_at(data, 8)?,
            u16_at(data, 10)?,
        ),
        _ => return None,
    };
    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
    if rl == 0 || cl == 0 {
        return Some(1);
    }
    let rows = (rl - 1).wrapping_sub(rf).wrapping_add(1);
    let cols = (cl - 1).wrapping_sub(cf).wrapping_add(1);
    Some(u64::from(rows) * u64::from(cols))
}

/// Checks an .xls's structure and the extent of its sheets against `limits`, sheet by sheet as
/// calamine will parse them (from each BOUNDSHEET's position).
pub(crate) fn prescan(bytes: &[u8], file: &str, limits: &Limits) -> Result<(), IngestError> {
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| not_xls(file))?;
    let name = ["/Workbook", "/Book", "/WORKBOOK", "/BOOK"]
        .into_iter()
        .find(|n| cfb.is_stream(n))
        .ok_or_else(|| not_xls(file))?;
    let mut stream = cfb.open_stream(name).map_err(|_| not_xls(file))?;
    if stream.len() > limits.max_file_bytes {
        return Err(not_xls(file));
    }
    let mut wb = Vec::new();
    (&mut stream)
        .take(limits.max_file_bytes)
        .read_to_end(&mut wb)
        .map_err(|_| not_xls(file))?;

    // The workbook globals: where each sheet starts.
    let mut positions = Vec::new();
    for record in records(&wb, 0) {
        let (typ, data) = record.ok_or_else(|| not_xls(file))?;
        match typ {
            0x0085 => {
                positions.push(u32_at(data, 0).ok_or_else(|| not_xls(file))? as usize);
                if positions.len() > limits.max_sheets {
                    return Err(IngestError::Limit(format!(
                        "文件“{file}”的工作表超过 {} 个，已拒绝",
                        limits.max_sheets
                    )));
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    let too_large = |cells: u64| {
        IngestError::Limit(format!(
            "文件“{file}”各工作表的范围共有 {} 个单元格，超过 .xls 的上限 {} 个：请删除多余的行和列，或另存为 .xlsx 后重新导入",
            thousands(cells),
            thousands(limits.max_xls_cells)
        ))
    };
    let mut total = 0u64;
    for pos in positions {
        if pos >= wb.len() {
            return Err(not_xls(file));
        }
        let mut extent = Extent::default();
        let (mut seen_bof, mut depth) = (false, 0usize);
        for record in records(&wb, pos) {
            let (typ, data) = record.ok_or_else(|| not_xls(file))?;
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                0x0200 => {
                    let declared = declared_cells(data).unwrap_or(0);
                    if total.saturating_add(declared) > limits.max_xls_cells {
                        return Err(too_large(total.saturating_add(declared)));
                    }
                }
                // Cell records: row, column first.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                        extent.add(row, col);
                    }
                }
                // MULRK: row, first column, …, last column.
                0x00BD if data.len() >= 6 => {
                    if let (Some(row), Some(first), Some(last)) = (
                        u16_at(data, 0),
                        u16_at(data, 2),
                        u16_at(data, data.len() - 2),
                    ) {
                        extent.add(row, first);
                        extent.add(row, last);
                    }
                }
                _ => {}
            }
            if total.saturating_add(extent.cells()) > limits.max_xls_cells {
                return Err(too_large(total.saturating_add(extent.cells())));
            }
        }
        total = total.saturating_add(extent.cells());
    }
    Ok(())
}

/// Every worksheet of an .xls that passed [`prescan`], parsed by calamine.
pub(crate) fn sheets(
    bytes: &[u8],
    file: &str,
) -> Result<Vec<(String, calamine::Range<Data>)>, IngestError> {
    guarded(file, || {
        let mut book = Xls::new(Cursor::new(bytes))?;
        let names = book.sheet_names();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let range = book.worksheet_range(&name)?;
            out.push((name, range));
        }
        Ok::<_, calamine::XlsError>(out)
    })?
    .map_err(|e| IngestError::Excel {
        file: file.to_owned(),
        message: crate::xlsx::damaged(e),
    })
}

//! The one way huiqi writes tables to .xlsx: [`workbook`] of [`Sheet`]s, each with a title row, a
//! line giving the date of the data, bold Chinese headers, the rows and a bold total row. Numbers
//! are numbers with number formats — counts `#,##0`, amounts `#,##0.00` (元), shares `0.0%`, a
//! target's figure in its own unit `#,##0` when whole, else `#,##0.00##`,
//! dates as dates (`yyyy-mm-dd`) — so a spreadsheet adds them up. The creation time is fixed, so
//! the same data gives the same bytes.
//!
//! Amounts are exact `Decimal` 元 in huiqi; a spreadsheet holds binary floating point, so the value
//! written is the nearest double to the amount (exact to the fen below 2^53 fen, about 90 万亿元).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

use crate::AppError;

/// The content type of an .xlsx file.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A whole number (`#,##0`).
    Count(i64),
    /// 元 (`#,##0.00`).
    Money(Decimal),
    /// A share: 0.25 is shown 25.0% (`0.0%`).
    Share(Decimal),
    /// A plain decimal number (days on average, …), shown with one decimal (`#,##0.0`).
    Number(Decimal),
    /// A figure in a unit of its own (户, 亿元, %): `#,##0` when whole, else up to four decimals
    /// (`#,##0.00##`), so 0.25 亿元 is not shown as 0.3.
    Value(Decimal),
    Date(NaiveDate),
    /// Text on a coloured background (RGB), for a traffic-light column.
    Flag(String, u32),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

/// A sheet: name (tab), title (first row), the date of the data (second row), columns (header,
/// width), rows, and an optional total row.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub title: String,
    /// What the data is as of, e.g. “数据截至 2024-12-31”; empty: no such row.
    pub as_of: String,
    pub columns: Vec<(String, f64)>,
    pub rows: Vec<Vec<Cell>>,
    pub total: Option<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: &str, title: &str, as_of: &str, columns: &[(&str, f64)]) -> Sheet {
        Sheet {
            name: name.to_string(),
            title: title.to_string(),
            as_of: as_of.to_string(),
            columns: columns.iter().map(|(h, w)| (h.to_string(), *w)).collect(),
            rows: Vec::new(),
            total: None,
        }
    }
}

struct Formats {
    bold: Format,
    count: Format,
    money: Format,
    share: Format,
    number: Format,
    value: Format,
    date: Format,
}

impl Formats {
    fn new(bold: bool) -> Formats {
        let base = || {
            if bold {
                Format::new().set_bold()
            } else {
                Format::new()
            }
        };
        Formats {
            bold: Format::new().set_bold(),
            count: base().set_num_format("#,##0"),
            money: base().set_num_format("#,##0.00"),
            share: base().set_num_format("0.0%"),
            number: base().set_num_format("#,##0.0"),
            value: base().set_num_format("#,##0.00##"),
            date: base().set_num_format("yyyy-mm-dd"),
        }
    }
}

fn num(d: Decimal) -> f64 {
    d.to_f64().unwrap_or_default()
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    f: &Formats,
    bold: bool,
) -> Result<(), AppError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(s) if bold => {
            ws.write_string_with_format(row, col, s, &f.bold)?;
        }
        Cell::Text(s) => {
            ws.write_string(row, col, s)?;
        }
        Cell::Count(n) => {
            ws.write_number_with_format(row, col, *n as f64, &f.count)?;
        }
        Cell::Money(d) => {
            ws.write_number_with_format(row, col, num(*d), &f.money)?;
        }
        Cell::Share(d) => {
            ws.write_number_with_format(row, col, num(*d), &f.share)?;
        }
        Cell::Number(d) => {
            ws.write_number_with_format(row, col, num(*d), &f.number)?;
        }
        Cell::Value(d) if d.fract().is_zero() => {
            ws.write_number_with_format(row, col, num(*d), &f.count)?;
        }
        Cell::Value(d) => {
            ws.write_number_with_format(row, col, num(*d), &f.value)?;
        }
        Cell::Date(d) => {
            let x = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
            ws.write_datetime_with_format(row, col, &x, &f.date)?;
        }
        Cell::Flag(s, rgb) => {
            let fill = Format::new().set_background_color(Color::RGB(*rgb));
            ws.write_string_with_format(row, col, s, &fill)?;
        }
    }
    Ok(())
}

/// The sheets as the bytes of an .xlsx file; `title` is the document's title.
pub fn workbook(title: &str, sheets: &[Sheet]) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2023, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_title(title),
    );
    let plain = Formats::new(false);
    let bold = Formats::new(true);
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name)?;
        ws.write_string_with_format(0, 0, &s.title, &plain.bold)?;
        let mut r = 1;
        if !s.as_of.is_empty() {
            ws.write_string(r, 0, &s.as_of)?;
            r += 1;
        }
        for (c, (h, w)) in s.columns.iter().enumerate() {
            ws.write_string_with_format(r, c as u16, h, &plain.bold)?;
            ws.set_column_width(c as u16, *w)?;
        }
        r += 1;
        ws.set_freeze_panes(r, 0)?;
        for row in &s.rows {
            for (c, cell) in row.iter().enumerate() {
                write_cell(ws, r, c as u16, cell, &plain, false)?;
            }
            r += 1;
        }
        if let Some(total) = &s.total {
            for (c, cell) in total.iter().enumerate() {
                write_cell(ws, r, c as u16, cell, &bold, true)?;
            }
        }
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_data_same_bytes_and_a_readable_zip() {
        let mut s = Sheet::new(
            "表",
            "标题",
            "数据截至 2024-12-31",
            &[("名称", 20.0), ("金额（元）", 14.0)],
        );
        s.rows
            .push(vec![Cell::text("甲"), Cell::Money(Decimal::new(123456, 2))]);
        s.rows.push(vec![
            Cell::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
            Cell::Share(Decimal::new(25, 2)),
        ]);
        s.total = Some(vec![Cell::text("合计"), Cell::Count(2)]);
        let a = workbook("t", std::slice::from_ref(&s)).unwrap();
        let b = workbook("t", &[s]).unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with(b"PK"));
    }
}

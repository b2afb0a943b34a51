//! Reading a small table of columns the caller names (such as 千名干部联万企's assignments: 干部,
//! 职务, 县区, 统一社会信用代码): the same reading, limits, header search and cell checks as the
//! registry sources and the lists, with the rows returned whole (such tables are small). A column
//! named `uscc` is checked as a 统一社会信用代码 (GB 32100 check character) and handed on as its
//! text; every other cell by its [`FieldType`](huiqi_domain::registry::FieldType).

use huiqi_domain::registry::{Column, RowError, Value};
use huiqi_domain::text::quote;

use crate::scan::{Layout, RowSink, scan};
use crate::{
    Cell, Counties, IngestError, InputFile, Report, find_columns, is_free_text, parse_cell, score,
    uscc_from_cell,
};

/// What a table looks like: its columns, which may be empty, and its name in messages.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec<'a> {
    /// The name in messages about the header (`service_assignments`).
    pub name: &'a str,
    /// The Chinese label (联企干部安排).
    pub label: &'a str,
    pub columns: &'a [Column],
    /// Per column: an empty cell is allowed.
    pub optional: &'a [bool],
}

/// A table file read and checked.
#[derive(Debug)]
pub struct TableFile {
    /// (row number in the file, one value per column of the spec); empty unless
    /// `report.errors` is empty. A `uscc` column's value is `Value::Text` of the checked code.
    pub rows: Vec<(u64, Vec<Value>)>,
    pub report: Report,
}

struct TableChecker<'a> {
    spec: TableSpec<'a>,
    counties: &'a Counties,
    at: Vec<usize>,
    written: Vec<String>,
    free: Vec<bool>,
    rows: Vec<(u64, Vec<Value>)>,
}

impl RowSink for TableChecker<'_> {
    fn free_text(&self, index: usize) -> bool {
        self.free.get(index).copied().unwrap_or(false)
    }

    fn cells(&mut self, row: u64, cells: &[Cell<'_>], report: &mut Report) {
        let before = report.errors.total();
        let mut values = Vec::with_capacity(self.spec.columns.len());
        for (k, col) in self.spec.columns.iter().enumerate() {
            let cell = cells.get(self.at[k]).copied().unwrap_or(Cell::Empty);
            let optional = self.spec.optional.get(k).copied().unwrap_or(false);
            let value = if col.name == "uscc" {
                uscc_from_cell(cell).map(|u| Value::Text(u.as_str().to_string()))
            } else {
                parse_cell(cell, col.ty, self.counties)
            };
            match value {
                Ok(Value::Null) if !optional => {
                    self.error(report, row, k, "不能为空".into());
                    values.push(Value::Null);
                }
                Ok(v) => values.push(v),
                Err(message) => {
                    self.error(report, row, k, message);
                    values.push(Value::Null);
                }
            }
        }
        if report.errors.total() == before {
            self.rows.push((row, values));
        }
    }
}

impl TableChecker<'_> {
    fn error(&self, report: &mut Report, row: u64, column: usize, message: String) {
        report.errors.push(RowError {
            row,
            column: self.written.get(self.at[column]).cloned(),
            message,
        });
    }
}

struct TableLayout<'a> {
    spec: TableSpec<'a>,
    counties: &'a Counties,
}

impl<'a> Layout for TableLayout<'a> {
    type Sink = TableChecker<'a>;

    fn score(&self, header: &[String]) -> usize {
        let wanted: Vec<&Column> = self.spec.columns.iter().collect();
        score(&wanted, header)
    }

    fn start(&mut self, written: &[String]) -> Result<TableChecker<'a>, Vec<RowError>> {
        let wanted: Vec<&Column> = self.spec.columns.iter().collect();
        let at = find_columns(&wanted, self.spec.name, self.spec.label, written)?;
        let mut free = vec![false; written.len()];
        for (k, c) in wanted.iter().enumerate() {
            free[at[k]] = is_free_text(c.ty);
        }
        Ok(TableChecker {
            spec: self.spec,
            counties: self.counties,
            at,
            written: written
                .iter()
                .map(|h| quote(h.trim()).into_owned())
                .collect(),
            free,
            rows: Vec::new(),
        })
    }
}

/// Reads every row of `file` as a table of `spec` and checks each cell. `report.errors` empty =
/// every row is valid and in `rows`; otherwise `rows` is empty (nothing is to be written).
pub fn read_table(
    file: &InputFile,
    spec: TableSpec<'_>,
    counties: &Counties,
) -> Result<TableFile, IngestError> {
    let scanned = scan(file, &file.limits, TableLayout { spec, counties })?;
    let mut report = scanned.report;
    let Some(checker) = scanned.sink else {
        return Ok(TableFile {
            rows: Vec::new(),
            report,
        });
    };
    if report.rows == 0 && report.errors.is_empty() {
        report.errors.push(RowError {
            row: report.notes.header_row + 1,
            column: None,
            message: format!("文件只有表头，没有{}数据行", spec.label),
        });
    }
    let rows = if report.errors.is_empty() {
        checker.rows
    } else {
        Vec::new()
    };
    Ok(TableFile { rows, report })
}

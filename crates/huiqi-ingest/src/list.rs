//! Reading a list file (`certifications`, `trainings`; see huiqi-domain's `lists`): the same
//! reading, header mapping and cell parsing as the registry sources, with each list's own row
//! rules (required cells, no duplicate key). Lists are small (hundreds of rows), so the rows are
//! returned whole rather than streamed.

use std::collections::HashMap;

use huiqi_domain::Uscc;
use huiqi_domain::lists::{CertKind, Certification, ListRows, ListSource, TrainingSession};
use huiqi_domain::registry::{Column, RowError, Value};
use huiqi_domain::text::quote;

use crate::scan::{Layout, RowSink, scan};
use crate::{
    Cell, Counties, IngestError, InputFile, Report, find_columns, is_free_text, parse_cell, score,
    uscc_from_cell,
};

/// A list file read and checked.
#[derive(Debug)]
pub struct ListFile {
    /// The valid rows; empty unless `report.errors` is empty.
    pub rows: ListRows,
    pub report: Report,
    /// Each column's header as written in the file, in [`ListSource::columns`] order (for messages
    /// about a column, such as an enterprise missing from the registry).
    pub headers: Vec<String>,
}

struct ListChecker<'a> {
    list: ListSource,
    counties: &'a Counties,
    /// Per list column, its index in the file.
    at: Vec<usize>,
    written: Vec<String>,
    /// The key of each row seen (uscc + kind, or session id) → its first row.
    seen: HashMap<String, u64>,
    rows: ListRows,
    /// Per file column: free text (full-width characters kept).
    free: Vec<bool>,
}

impl ListChecker<'_> {
    fn error(&self, report: &mut Report, row: u64, column: usize, message: String) {
        report.errors.push(RowError {
            row,
            column: self.written.get(self.at[column]).cloned(),
            message,
        });
    }

    /// Remembers the key of a valid row; a key seen before is an error on `column`.
    fn first(
        &mut self,
        report: &mut Report,
        row: u64,
        key: String,
        column: usize,
        what: String,
    ) -> bool {
        if let Some(first) = self.seen.get(&key) {
            let first = *first;
            self.error(
                report,
                row,
                column,
                format!("{what} 与第 {first} 行重复：{}", self.list.row_rule()),
            );
            return false;
        }
        self.seen.insert(key, row);
        true
    }

    fn certification(&mut self, report: &mut Report, row: u64, v: Vec<Value>, uscc: Uscc) {
        let (Value::Text(kind), Value::Date(certified_on)) = (&v[1], &v[2]) else {
            return;
        };
        let Some(kind) = CertKind::parse_text(kind) else {
            return;
        };
        let key = format!("{uscc}/{}", kind.as_str());
        let what = format!("统一社会信用代码 {uscc} 的“{}”认定", kind.label());
        if !self.first(report, row, key, 1, what) {
            return;
        }
        if let ListRows::Certifications(rows) = &mut self.rows {
            rows.push(Certification {
                row,
                uscc,
                kind,
                certified_on: *certified_on,
                certificate_no: text(&v[3]),
            });
        }
    }

    fn training(&mut self, report: &mut Report, row: u64, v: Vec<Value>) {
        let (
            Value::Text(session_id),
            Value::Date(held_on),
            Value::Text(county),
            Value::Text(title),
            Value::Int(attendees),
        ) = (&v[0], &v[1], &v[2], &v[3], &v[5])
        else {
            return;
        };
        if !self.first(
            report,
            row,
            session_id.clone(),
            0,
            format!("场次编号 {}", quote(session_id)),
        ) {
            return;
        }
        if let ListRows::Trainings(rows) = &mut self.rows {
            rows.push(TrainingSession {
                row,
                session_id: session_id.clone(),
                held_on: *held_on,
                county: county.clone(),
                title: title.clone(),
                organiser: text(&v[4]),
                attendees: *attendees,
            });
        }
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(t) => Some(t.clone()),
        _ => None,
    }
}

impl RowSink for ListChecker<'_> {
    fn free_text(&self, index: usize) -> bool {
        self.free.get(index).copied().unwrap_or(false)
    }

    fn cells(&mut self, row: u64, cells: &[Cell<'_>], report: &mut Report) {
        let errors_before = report.errors.total();
        let columns: &[Column] = self.list.columns();
        let mut values = Vec::with_capacity(columns.len());
        let mut uscc = None;
        for (k, col) in columns.iter().enumerate() {
            let cell = cells.get(self.at[k]).copied().unwrap_or(Cell::Empty);
            if col.name == "uscc" {
                match uscc_from_cell(cell) {
                    Ok(u) => uscc = Some(u),
                    Err(e) => self.error(report, row, k, e),
                }
                values.push(Value::Null);
                continue;
            }
            match parse_cell(cell, col.ty, self.counties) {
                Ok(Value::Null) if !self.list.optional(k) => {
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
        if report.errors.total() > errors_before {
            return;
        }
        match (self.list, uscc) {
            (ListSource::Certifications, Some(uscc)) => {
                self.certification(report, row, values, uscc)
            }
            (ListSource::Trainings, _) => self.training(report, row, values),
            (ListSource::Certifications, None) => {}
        }
    }
}

/// A list's file: its columns by name, Chinese header or alias.
struct ListLayout<'a> {
    list: ListSource,
    counties: &'a Counties,
}

impl<'a> Layout for ListLayout<'a> {
    type Sink = ListChecker<'a>;

    fn score(&self, header: &[String]) -> usize {
        let wanted: Vec<&Column> = self.list.columns().iter().collect();
        score(&wanted, header)
    }

    fn start(&mut self, written: &[String]) -> Result<ListChecker<'a>, Vec<RowError>> {
        let list = self.list;
        let wanted: Vec<&Column> = list.columns().iter().collect();
        let at = find_columns(&wanted, list.as_str(), list.label(), written)?;
        let mut free = vec![false; written.len()];
        for (k, c) in wanted.iter().enumerate() {
            free[at[k]] = is_free_text(c.ty);
        }
        Ok(ListChecker {
            list,
            counties: self.counties,
            at,
            written: written
                .iter()
                .map(|h| quote(h.trim()).into_owned())
                .collect(),
            seen: HashMap::new(),
            rows: ListRows::empty(list),
            free,
        })
    }
}

/// Reads every row of `file` as a list of kind `list` and checks it: the cells of every column, a
/// value in every required column, and no key twice (an enterprise's certification of one kind, a
/// training session's id). Whether each enterprise is in the registry is checked by the store,
/// in the import's transaction. `report.errors` empty = every row is valid and in `rows`.
pub fn read_list(
    file: &InputFile,
    list: ListSource,
    counties: &Counties,
) -> Result<ListFile, IngestError> {
    let scanned = scan(file, &file.limits, ListLayout { list, counties })?;
    let mut report = scanned.report;
    let empty = ListRows::empty(list);
    let Some(checker) = scanned.sink else {
        return Ok(ListFile {
            rows: empty,
            report,
            headers: Vec::new(),
        });
    };
    if report.rows == 0 && report.errors.is_empty() {
        report.errors.push(RowError {
            row: report.notes.header_row + 1,
            column: None,
            message: format!("文件只有表头，没有{}数据行", list.label()),
        });
    }
    let headers = checker
        .at
        .iter()
        .map(|i| checker.written[*i].clone())
        .collect();
    let rows = if report.errors.is_empty() {
        checker.rows
    } else {
        empty
    };
    Ok(ListFile {
        rows,
        report,
        headers,
    })
}

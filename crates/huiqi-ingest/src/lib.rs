//! Reading a departmental file into validated registry records ([`Record`]): CSV (UTF-8, UTF-8
//! with BOM, GB18030) and Excel (.xlsx/.xls), Chinese or English headers per source template.
//!
//! Architecture invariant: no SQL and no terminal. Every row is checked (统一社会信用代码, 六安
//! jurisdiction, GB/T 4754 industry code, dates, non-negative amounts, duplicates in the file) and
//! every bad row is reported with its row number, column and reason; records are handed on in
//! chunks so that the store can write while the reader reads, and the store discards everything
//! if the reader reports any error.
#![forbid(unsafe_code)]

mod cell;
mod facts;
mod list;
mod template;

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader};
use huiqi_domain::facts_csv::FactsHeader;
use huiqi_domain::registry::{Column, Record, RowError, Source, USCC_COLUMN, Value};
use huiqi_domain::{FACT_COLUMNS, Uscc};
use huiqi_policy::Pack;
use sha2::{Digest, Sha256};

pub use cell::Cell;
pub(crate) use cell::parse_cell;
pub use huiqi_domain::industry::{SECTIONS, parse_industry};
pub use list::{ListFile, read_list};
pub use template::{template_headers, write_list_template, write_template};

/// Why a file cannot be read at all (row problems are [`RowError`]s instead).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("无法读取文件 {path}：{source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("不支持的文件类型“{0}”：请提供 .csv 或 .xlsx 文件")]
    UnsupportedType(String),
    #[error("文件编码无法识别：请另存为 UTF-8 或 GB18030（GBK）编码的 CSV")]
    Encoding,
    #[error("无法读取 Excel 文件 {path}：{message}")]
    Excel { path: String, message: String },
    #[error("Excel 文件 {0} 没有工作表")]
    NoSheet(String),
    #[error("CSV 格式错误（第 {row} 行附近）：{message}")]
    Csv { row: u64, message: String },
    #[error("文件是空的：第 1 行应为表头（见 huiqi import --template）")]
    Empty,
    #[error("无法写入模板 {path}：{message}")]
    Template { path: String, message: String },
}

/// The jurisdictions a `county` value may name: the ids of the policy pack (GB/T 2260 codes and
/// `luan-etdz`), also accepted by their Chinese names.
#[derive(Debug, Clone)]
pub struct Counties {
    by_key: HashMap<String, String>,
    listing: String,
}

impl Counties {
    /// The jurisdictions of `pack` (article 1: every task falls on these 8).
    pub fn from_pack(pack: &Pack) -> Counties {
        Counties::new(
            pack.jurisdictions
                .iter()
                .map(|j| (j.id.clone(), j.name.clone())),
        )
    }

    pub fn new(items: impl IntoIterator<Item = (String, String)>) -> Counties {
        let mut by_key = HashMap::new();
        let mut listing = Vec::new();
        for (id, name) in items {
            listing.push(format!("{id}（{name}）"));
            by_key.insert(id.clone(), id.clone());
            by_key.insert(name, id);
        }
        Counties {
            by_key,
            listing: listing.join("、"),
        }
    }

    /// The id for an id or a Chinese name.
    pub fn resolve(&self, text: &str) -> Option<&str> {
        self.by_key.get(text.trim()).map(String::as_str)
    }

    /// The accepted ids with their names, for messages.
    pub fn describe(&self) -> &str {
        &self.listing
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        let mut ids: Vec<&str> = self
            .by_key
            .iter()
            .filter(|(k, v)| k == v)
            .map(|(k, _)| k.as_str())
            .collect();
        ids.sort_unstable();
        ids.into_iter()
    }
}

enum Content {
    /// UTF-8 text (decoded from GB18030 if need be), without BOM.
    Csv(Vec<u8>),
    Sheet(calamine::Range<Data>),
}

/// A source file read into memory, with its name and SHA-256.
pub struct InputFile {
    pub file_name: String,
    pub sha256: String,
    /// The encoding a CSV was read in (`UTF-8`, `GB18030`); `None` for Excel.
    pub encoding: Option<&'static str>,
    content: Content,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl InputFile {
    /// Reads `path` (.csv, .xlsx, .xls) and computes its SHA-256.
    pub fn open(path: &Path) -> Result<InputFile, IngestError> {
        let display = path.display().to_string();
        let file_name = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| display.clone());
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
            path: display.clone(),
            source,
        })?;
        let sha256 = hex(&Sha256::digest(&bytes));
        match ext.as_str() {
            "csv" | "txt" => {
                let (text, encoding) = decode_csv(bytes)?;
                Ok(InputFile {
                    file_name,
                    sha256,
                    encoding: Some(encoding),
                    content: Content::Csv(text),
                })
            }
            "xlsx" | "xlsm" | "xls" => {
                let cursor = std::io::Cursor::new(bytes);
                let mut book = calamine::open_workbook_auto_from_rs(cursor).map_err(|e| {
                    IngestError::Excel {
                        path: display.clone(),
                        message: e.to_string(),
                    }
                })?;
                let range = book
                    .worksheet_range_at(0)
                    .ok_or_else(|| IngestError::NoSheet(display.clone()))?
                    .map_err(|e| IngestError::Excel {
                        path: display.clone(),
                        message: e.to_string(),
                    })?;
                Ok(InputFile {
                    file_name,
                    sha256,
                    encoding: None,
                    content: Content::Sheet(range),
                })
            }
            other => Err(IngestError::UnsupportedType(other.to_owned())),
        }
    }
}

/// UTF-8 (BOM stripped) as is; anything else must be valid GB18030 (which covers GBK and GB2312).
fn decode_csv(mut bytes: Vec<u8>) -> Result<(Vec<u8>, &'static str), IngestError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
        return match std::str::from_utf8(&bytes) {
            Ok(_) => Ok((bytes, "UTF-8")),
            Err(_) => Err(IngestError::Encoding),
        };
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return Ok((bytes, "UTF-8"));
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(&bytes) {
        Some(text) => Ok((text.into_owned().into_bytes(), "GB18030")),
        None => Err(IngestError::Encoding),
    }
}

/// The result of reading a file.
#[derive(Debug, Default)]
pub struct Report {
    /// Data rows read (without the header).
    pub rows: u64,
    /// Every bad row, in file order. Non-empty means: import nothing.
    pub errors: Vec<RowError>,
}

/// Where each column of the source sits in the file.
struct HeaderMap {
    uscc: usize,
    /// For each of `source.columns()`, its index in the file.
    columns: Vec<usize>,
    /// The header as written, per file index.
    written: Vec<String>,
}

fn normalise_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()
}

fn map_header(source: Source, headers: &[String], errors: &mut Vec<RowError>) -> Option<HeaderMap> {
    let wanted: Vec<&Column> = std::iter::once(&USCC_COLUMN)
        .chain(source.columns())
        .collect();
    let found = find_columns(&wanted, source.as_str(), source.label(), headers, errors)?;
    Some(HeaderMap {
        uscc: found[0],
        columns: found[1..].to_vec(),
        written: headers.iter().map(|h| h.trim().to_owned()).collect(),
    })
}

/// Where each of `wanted` sits in the header row (by English or Chinese name); `None` after
/// pushing an error for every unknown, repeated or missing column. `name` and `label` name the
/// source in messages.
pub(crate) fn find_columns(
    wanted: &[&Column],
    name: &str,
    label: &str,
    headers: &[String],
    errors: &mut Vec<RowError>,
) -> Option<Vec<usize>> {
    let mut found: Vec<Option<usize>> = vec![None; wanted.len()];
    let mut ok = true;
    for (i, h) in headers.iter().enumerate() {
        let n = normalise_header(h);
        if n.is_empty() {
            continue; // an empty header cell: a blank column of the sheet
        }
        match wanted.iter().position(|c| c.name == n || c.zh == n) {
            Some(k) if found[k].is_some() => {
                ok = false;
                errors.push(RowError {
                    row: 1,
                    column: Some(h.trim().to_owned()),
                    message: format!("列“{}”（{}）出现了两次", wanted[k].zh, wanted[k].name),
                });
            }
            Some(k) => found[k] = Some(i),
            None => {
                ok = false;
                errors.push(RowError {
                    row: 1,
                    column: Some(h.trim().to_owned()),
                    message: format!(
                        "无法识别的列：{label} 数据的列名见模板（huiqi import --template {name} 模板.xlsx）"
                    ),
                });
            }
        }
    }
    let missing: Vec<String> = wanted
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(c, _)| format!("{}（{}）", c.zh, c.name))
        .collect();
    if !missing.is_empty() {
        ok = false;
        errors.push(RowError {
            row: 1,
            column: None,
            message: format!(
                "表头缺少列：{}。请按模板填写（huiqi import --template {name} 模板.xlsx）",
                missing.join("、")
            ),
        });
    }
    if !ok {
        return None;
    }
    Some(found.into_iter().map(|f| f.unwrap_or(0)).collect())
}

/// What receives the data rows of a file (see [`scan`]).
pub(crate) trait RowSink {
    /// One non-blank data row (`row`: the file's row number, header = 1).
    fn cells(&mut self, row: u64, cells: &[Cell<'_>]);
    /// One non-blank CSV row; by default as cells.
    fn fields(&mut self, row: u64, record: &csv::StringRecord) {
        self.cells(row, &csv_cells(record));
    }
}

/// A CSV row as cells (an empty field is an empty cell).
fn csv_cells(record: &csv::StringRecord) -> Vec<Cell<'_>> {
    record
        .iter()
        .map(|f| {
            if f.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(f)
            }
        })
        .collect()
}

/// Reads the header row of `file` and hands it to `start`, which returns the sink for the data rows
/// (or `None`: the header is wrong, read no further); then hands every non-blank row to the sink.
/// The one reader of CSV (already decoded) and Excel rows for every source and list.
pub(crate) fn scan<S: RowSink>(
    file: &InputFile,
    start: impl FnOnce(&[String]) -> Result<Option<S>, IngestError>,
) -> Result<Option<S>, IngestError> {
    match &file.content {
        Content::Csv(text) => {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_slice());
            let mut record = csv::StringRecord::new();
            let read = |rdr: &mut csv::Reader<&[u8]>, rec: &mut csv::StringRecord, row: u64| {
                rdr.read_record(rec).map_err(|e| IngestError::Csv {
                    row,
                    message: e.to_string(),
                })
            };
            if !read(&mut rdr, &mut record, 1)? {
                return Err(IngestError::Empty);
            }
            let headers: Vec<String> = record.iter().map(str::to_owned).collect();
            let Some(mut sink) = start(&headers)? else {
                return Ok(None);
            };
            let mut row = 1u64;
            loop {
                row += 1;
                if !read(&mut rdr, &mut record, row)? {
                    break;
                }
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue; // a blank line
                }
                sink.fields(row, &record);
            }
            Ok(Some(sink))
        }
        Content::Sheet(range) => {
            let first_row = range.start().map_or(0, |(r, _)| r);
            let mut rows = range.rows();
            let Some(header_cells) = rows.next() else {
                return Err(IngestError::Empty);
            };
            let headers: Vec<String> = header_cells.iter().map(|d| d.to_string()).collect();
            let Some(mut sink) = start(&headers)? else {
                return Ok(None);
            };
            let mut cells: Vec<Cell<'_>> = Vec::new();
            for (i, data) in rows.enumerate() {
                // Spreadsheet row number: the header is row first_row + 1.
                let row = u64::from(first_row) + i as u64 + 2;
                cells.clear();
                cells.extend(data.iter().map(excel_cell));
                if cells.iter().all(|c| matches!(c, Cell::Empty)) {
                    continue;
                }
                sink.cells(row, &cells);
            }
            Ok(Some(sink))
        }
    }
}

/// Checks rows one by one and hands on valid records in chunks.
struct Checker<'a, F> {
    source: Source,
    counties: &'a Counties,
    columns: Vec<&'static Column>,
    header: HeaderMap,
    /// The fact CSV's own parser (huiqi-domain), for the `facts` source.
    facts: Option<FactsHeader>,
    /// uscc → first row, for duplicates.
    seen: HashMap<[u8; 18], u64>,
    chunk: Vec<Record>,
    chunk_size: usize,
    sink: F,
    sink_open: bool,
    report: Report,
}

impl<F: FnMut(Vec<Record>) -> bool> Checker<'_, F> {
    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
        if self.facts.is_some() {
            let texts: Vec<String> = cells.iter().map(|c| c.as_fact_text()).collect();
            let fields: Vec<&[u8]> = texts.iter().map(|t| t.as_bytes()).collect();
            return self.facts_row(row, &fields);
        }
        self.report.rows += 1;
        let cell = |i: usize| cells.get(i).copied().unwrap_or(Cell::Empty);
        let uscc_cell = cell(self.header.uscc);
        let uscc = match uscc_cell.code_text().map(|t| Uscc::parse(&t)) {
            Some(Ok(u)) => Some(u),
            Some(Err(e)) => {
                self.error(row, self.header.uscc, e.to_string());
                None
            }
            None => {
                self.error(
                    row,
                    self.header.uscc,
                    huiqi_domain::UsccError::Empty.to_string(),
                );
                None
            }
        };
        let mut values = Vec::with_capacity(self.columns.len());
        for k in 0..self.columns.len() {
            let col = self.columns[k];
            let idx = self.header.columns[k];
            match parse_cell(cell(idx), col.ty, self.counties) {
                Ok(v) => values.push(v),
                Err(msg) => {
                    self.error(row, idx, msg);
                    values.push(Value::Null);
                }
            }
        }
        if let Some(uscc) = uscc {
            self.accept(row, uscc, values);
        }
    }

    /// A row of the fact CSV, parsed by huiqi-domain's `FactsHeader` (the parser `huiqi match`
    /// uses), then checked for the registry: 六安 county, required name and industry, amounts in
    /// whole fen.
    fn facts_row(&mut self, row: u64, fields: &[&[u8]]) {
        self.report.rows += 1;
        let Some(header) = &self.facts else { return };
        match header.parse(fields, row as usize) {
            Ok(f) => match facts::to_values(f, self.counties) {
                Ok((uscc, values)) => self.accept(row, uscc, values),
                Err(errs) => {
                    for (col, message) in errs {
                        self.report.errors.push(RowError {
                            row,
                            column: Some(col.to_owned()),
                            message,
                        });
                    }
                }
            },
            Err(e) => self.report.errors.push(RowError {
                row,
                column: e.column,
                message: e.message,
            }),
        }
    }

    /// A row whose cells parsed: check for a duplicate code, then hand it on (unless the file
    /// already has an error: then nothing will be imported and only checking goes on).
    fn accept(&mut self, row: u64, uscc: Uscc, values: Vec<Value>) {
        let key: [u8; 18] = uscc.as_str().as_bytes().try_into().unwrap_or([0; 18]);
        if let Some(first) = self.seen.get(&key) {
            let first = *first;
            self.error(
                row,
                self.header.uscc,
                format!("统一社会信用代码 {uscc} 与第 {first} 行重复：每户企业只能出现一次"),
            );
            return;
        }
        self.seen.insert(key, row);
        if !self.report.errors.is_empty() {
            return;
        }
        self.chunk.push(Record { row, uscc, values });
        if self.chunk.len() >= self.chunk_size {
            self.flush();
        }
    }

    fn error(&mut self, row: u64, idx: usize, message: String) {
        self.report.errors.push(RowError {
            row,
            column: self.header.written.get(idx).cloned(),
            message,
        });
    }

    fn flush(&mut self) {
        if self.chunk.is_empty() {
            return;
        }
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(self.chunk_size));
        if self.sink_open && self.report.errors.is_empty() {
            self.sink_open = (self.sink)(chunk);
        }
    }
}

/// Reads every row of `file` as data of `source`, checks it, and passes valid records to `sink` in
/// chunks of `chunk_size` (`sink` returns false to stop receiving). Once a row is bad, no more
/// records are passed on but every later row is still checked, so that the report names every bad
/// row. `Report::errors` empty = the whole file is valid and has been passed on.
pub fn read_records<F>(
    file: &InputFile,
    source: Source,
    counties: &Counties,
    chunk_size: usize,
    sink: F,
) -> Result<Report, IngestError>
where
    F: FnMut(Vec<Record>) -> bool,
{
    let mut errors = Vec::new();
    let checker = scan(file, |headers| {
        let Some(header) = map_header(source, headers, &mut errors) else {
            return Ok(None);
        };
        let mut checker = Checker::new(source, counties, header, chunk_size, sink);
        if source == Source::Facts {
            checker.facts = Some(fact_parser(headers)?);
        }
        Ok(Some(checker))
    })?;
    Ok(match checker {
        Some(checker) => checker.finish(),
        None => Report { rows: 0, errors },
    })
}

impl<F: FnMut(Vec<Record>) -> bool> RowSink for Checker<'_, F> {
    fn cells(&mut self, row: u64, cells: &[Cell<'_>]) {
        self.row(row, cells);
    }

    /// The fact CSV's fields go to its parser as they are (the 1M-row path: no cell copies).
    fn fields(&mut self, row: u64, record: &csv::StringRecord) {
        if self.facts.is_some() {
            let fields: Vec<&[u8]> = record.iter().map(str::as_bytes).collect();
            return self.facts_row(row, &fields);
        }
        self.row(row, &csv_cells(record));
    }
}

/// The fact parser of huiqi-domain for a header that [`map_header`] accepted.
fn fact_parser(headers: &[String]) -> Result<FactsHeader, IngestError> {
    FactsHeader::from_fields(headers.iter().map(|h| h.as_bytes())).map_err(|e| IngestError::Csv {
        row: 1,
        message: e.to_string(),
    })
}

fn excel_cell(d: &Data) -> Cell<'_> {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) => Cell::Date(t.date()),
            None => Cell::Error,
        },
        Data::Error(_) => Cell::Error,
    }
}

impl<'a, F: FnMut(Vec<Record>) -> bool> Checker<'a, F> {
    fn new(
        source: Source,
        counties: &'a Counties,
        header: HeaderMap,
        chunk_size: usize,
        sink: F,
    ) -> Self {
        Checker {
            source,
            counties,
            columns: source.columns().collect(),
            header,
            facts: None,
            seen: HashMap::new(),
            chunk: Vec::with_capacity(chunk_size),
            chunk_size: chunk_size.max(1),
            sink,
            sink_open: true,
            report: Report::default(),
        }
    }

    fn finish(mut self) -> Report {
        self.flush();
        if self.report.rows == 0 && self.report.errors.is_empty() {
            self.report.errors.push(RowError {
                row: 2,
                column: None,
                message: format!("文件只有表头，没有{}数据行", self.source.label()),
            });
        }
        self.report
    }
}

/// The header of the fact CSV (`huiqi gen`, `huiqi match --input`), for templates of `facts`.
pub fn fact_headers() -> Vec<&'static str> {
    FACT_COLUMNS.to_vec()
}

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
pub mod limits;
mod list;
pub mod samples;
mod scan;
mod table;
mod template;
mod xls;
mod xlsx;

use std::collections::HashMap;
use std::path::Path;

use huiqi_domain::facts_csv::FactsHeader;
use huiqi_domain::header;
use huiqi_domain::registry::{Column, FieldType, Record, RowError, Source, USCC_COLUMN, Value};
use huiqi_domain::text::quote;
use huiqi_domain::{EntityKind, FACT_COLUMNS, Uscc};
use huiqi_policy::Pack;
use sha2::{Digest, Sha256};

pub(crate) use cell::parse_cell;
pub use cell::{Cell, STORED_AS_NUMBER, uscc_from_cell};
pub use huiqi_domain::industry::{SECTIONS, parse_industry};
pub use huiqi_domain::registry::Issues;
pub use limits::Limits;
pub use list::{ListFile, read_list};
pub use scan::{HEADER_SEARCH_ROWS, ReadNotes, Report, TOTALS_WORDS};
pub use table::{TableFile, TableSpec, read_table};
pub use template::{
    table_template, template_bytes, template_headers, write_list_template, write_template,
};

use scan::{Layout, RowSink, scan};

/// Why a file cannot be read at all (row problems are [`RowError`]s instead). Messages name the
/// file by its name only, never by a path on the server.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("无法读取文件“{file}”：{source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("不支持的文件类型“{0}”：请提供 .csv、.xlsx 或 .xls 文件")]
    UnsupportedType(String),
    #[error("文件编码无法识别：请另存为 UTF-8 或 GB18030（GBK）编码的 CSV")]
    Encoding,
    #[error("无法读取 Excel 文件“{file}”：{message}")]
    Excel { file: String, message: String },
    #[error("Excel 文件“{0}”没有工作表")]
    NoSheet(String),
    #[error(
        "Excel 文件“{file}”的工作表 {sheets} 的前 10 行中都没有找到表头：表头应含 统一社会信用代码 等列名（见 huiqi import --template 写出的模板）"
    )]
    NoHeader { file: String, sheets: String },
    #[error("CSV 格式错误（第 {row} 行附近）：{message}")]
    Csv { row: u64, message: String },
    #[error("文件是空的：应有一行表头（见 huiqi import --template）")]
    Empty,
    /// A file beyond one of the [`Limits`]: the message names the limit.
    #[error("{0}")]
    Limit(String),
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

pub(crate) enum Content {
    /// UTF-8 text (decoded from GB18030 if need be), without BOM.
    Csv(Vec<u8>),
    /// An .xlsx (or .xlsm) that passed the structure checks.
    Xlsx(Vec<u8>),
    /// An .xls that passed the structure checks.
    Xls(Vec<u8>),
}

/// A source file read into memory and checked against its [`Limits`], with its name and SHA-256.
pub struct InputFile {
    pub file_name: String,
    pub sha256: String,
    /// The encoding a CSV was read in (`UTF-8`, `GB18030`); `None` for Excel.
    pub encoding: Option<&'static str>,
    pub(crate) content: Content,
    pub(crate) limits: Limits,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

impl InputFile {
    /// Reads `path` (.csv, .xlsx, .xls) within the default [`Limits`].
    pub fn open(path: &Path) -> Result<InputFile, IngestError> {
        InputFile::open_with(path, Limits::default())
    }

    /// Reads `path` within `limits`: its size is checked before it is read.
    pub fn open_with(path: &Path, limits: Limits) -> Result<InputFile, IngestError> {
        let file = file_name_of(path);
        let read = |source| IngestError::Read {
            file: file.clone(),
            source,
        };
        let len = std::fs::metadata(path).map_err(read)?.len();
        check_size(&file, len, &limits)?;
        let bytes = std::fs::read(path).map_err(read)?;
        InputFile::from_bytes(&file, bytes, limits)
    }

    /// A file already in memory (an upload) under the name its sender gave it; the type is that
    /// of the name's extension.
    pub fn from_bytes(
        file_name: &str,
        bytes: Vec<u8>,
        limits: Limits,
    ) -> Result<InputFile, IngestError> {
        check_size(file_name, bytes.len() as u64, &limits)?;
        let ext = Path::new(file_name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let (content, encoding, sha256) = match ext.as_str() {
            "csv" | "txt" => {
                // The digest and the encoding check each read the whole file: side by side.
                let (digest, checked) = std::thread::scope(|s| {
                    let digest = s.spawn(|| sha256_hex(&bytes));
                    let checked = check_csv(&bytes);
                    (digest.join(), checked)
                });
                // (The digest's thread cannot panic; were it to, the digest is taken again here.)
                let sha256 = digest.unwrap_or_else(|_| sha256_hex(&bytes));
                let (text, encoding) = match checked? {
                    CsvText::Utf8 { bom } => {
                        let mut bytes = bytes;
                        if bom {
                            bytes.drain(..3);
                        }
                        (bytes, "UTF-8")
                    }
                    CsvText::Gb18030(text) => (text, "GB18030"),
                };
                (Content::Csv(text), Some(encoding), sha256)
            }
            "xlsx" | "xlsm" => {
                xlsx::prescan(&bytes, file_name, &limits)?;
                let sha256 = sha256_hex(&bytes);
                (Content::Xlsx(bytes), None, sha256)
            }
            "xls" => {
                xls::prescan(&bytes, file_name, &limits)?;
                let sha256 = sha256_hex(&bytes);
                (Content::Xls(bytes), None, sha256)
            }
            other => return Err(IngestError::UnsupportedType(quote(other).into_owned())),
        };
        Ok(InputFile {
            file_name: file_name.to_owned(),
            sha256,
            encoding,
            content,
            limits,
        })
    }
}

fn check_size(file: &str, len: u64, limits: &Limits) -> Result<(), IngestError> {
    if len > limits.max_file_bytes {
        return Err(IngestError::Limit(format!(
            "文件“{file}”有 {}，超过上限 {}：请把文件拆小后分批导入",
            limits::size(len),
            limits::size(limits.max_file_bytes)
        )));
    }
    Ok(())
}

/// The file's SHA-256 in hex (the import record's `file_sha256`).
fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A CSV file's text as [`check_csv`] found it.
enum CsvText {
    /// UTF-8 as it is (after a byte-order mark, if it has one).
    Utf8 { bom: bool },
    /// GB18030 (which covers GBK and GB2312), decoded to UTF-8.
    Gb18030(Vec<u8>),
}

/// UTF-8 (with or without a BOM) as is; anything else must be valid GB18030.
fn check_csv(bytes: &[u8]) -> Result<CsvText, IngestError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(_) => Ok(CsvText::Utf8 { bom: true }),
            Err(_) => Err(IngestError::Encoding),
        };
    }
    if std::str::from_utf8(bytes).is_ok() {
        return Ok(CsvText::Utf8 { bom: false });
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(CsvText::Gb18030(text.into_owned().into_bytes())),
        None => Err(IngestError::Encoding),
    }
}

/// How many cells of `header` name one of `wanted` (to find the header row).
pub(crate) fn score(wanted: &[&Column], header: &[String]) -> usize {
    let names = header::Names::new(wanted);
    header.iter().filter(|h| names.find(h).is_some()).count()
}

/// Where each of `wanted` sits in the header row (by English or Chinese name or an alias); every
/// unknown (with the closest known name), repeated or missing column, and an amount in another
/// unit than 元, as errors. `name` and `label` name the source in messages.
pub(crate) fn find_columns(
    wanted: &[&Column],
    name: &str,
    label: &str,
    headers: &[String],
) -> Result<Vec<usize>, Vec<RowError>> {
    let names = header::Names::new(wanted);
    let mut found: Vec<Option<usize>> = vec![None; wanted.len()];
    let mut errors = Vec::new();
    let err = |h: &str, message: String| RowError {
        row: 1,
        column: Some(quote(h.trim()).into_owned()),
        message,
    };
    for (i, h) in headers.iter().enumerate() {
        if header::normalise(h).is_empty() {
            continue; // an empty header cell: a blank column of the sheet
        }
        match names.find(h) {
            Some(m) if found[m.index].is_some() => errors.push(err(
                h,
                format!(
                    "列“{}”（{}）出现了两次，请删除重复的列",
                    wanted[m.index].zh, wanted[m.index].name
                ),
            )),
            Some(m) => {
                if let Some(p) = m
                    .note
                    .as_deref()
                    .and_then(|n| header::unit_problem(wanted[m.index], h, n))
                {
                    errors.push(err(h, p));
                }
                found[m.index] = Some(i);
            }
            None => {
                let hint = names
                    .suggest(h)
                    .map(|s| format!("是不是“{s}”？"))
                    .unwrap_or_default();
                errors.push(err(
                    h,
                    format!(
                        "无法识别的列。{hint}{label}数据的列名见模板（huiqi import --template {name} 模板.xlsx）"
                    ),
                ));
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
        errors.push(RowError {
            row: 1,
            column: None,
            message: format!(
                "表头缺少列：{}。请按模板填写（huiqi import --template {name} 模板.xlsx）",
                missing.join("、")
            ),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(found.into_iter().map(|f| f.unwrap_or(0)).collect())
}

/// How a source's rows are parsed: by column type, or (the `facts` source) by huiqi-domain's
/// fact parser, the one `huiqi match` uses.
enum Parse {
    /// For each of `source.columns()`, its index in the file.
    Columns(Vec<usize>),
    Facts(Box<FactsHeader>),
}

/// Checks rows one by one and hands on valid records in chunks.
struct Checker<'a, F> {
    source: Source,
    counties: &'a Counties,
    columns: Vec<&'static Column>,
    parse: Parse,
    /// The file column of `uscc`.
    uscc_at: usize,
    /// The header as written, per file column (quoted), for messages.
    written: Vec<String>,
    /// Per file column: free text (full-width characters kept).
    free: Vec<bool>,
    /// uscc → first row, for duplicates. foldhash (faster than the standard SipHash on these
    /// 18 bytes) seeded at random per process, so a file cannot be made to aim at collisions.
    seen: HashMap<[u8; 18], u64, foldhash::fast::RandomState>,
    chunk: Vec<Record>,
    chunk_size: usize,
    sink: F,
    sink_open: bool,
}

fn is_free_text(ty: FieldType) -> bool {
    matches!(ty, FieldType::Name | FieldType::Person | FieldType::Text)
}

impl<F: FnMut(Vec<Record>) -> bool> Checker<'_, F> {
    fn error(&self, report: &mut Report, row: u64, idx: usize, message: String) {
        report.errors.push(RowError {
            row,
            column: self.written.get(idx).cloned(),
            message,
        });
    }

    fn row(&mut self, row: u64, cells: &[Cell<'_>], report: &mut Report) {
        let uscc_cell = cells.get(self.uscc_at).copied().unwrap_or(Cell::Empty);
        if matches!(self.parse, Parse::Facts(_)) {
            // The fact parser reads a code written as text; a number (or its scientific
            // notation) is refused here with what to do.
            if !matches!(uscc_cell, Cell::Text(_))
                && let Err(e) = uscc_from_cell(uscc_cell)
            {
                return self.error(report, row, self.uscc_at, e);
            }
            if let Cell::Text(t) = uscc_cell
                && cell::looks_scientific(t.trim())
            {
                return self.error(report, row, self.uscc_at, STORED_AS_NUMBER.into());
            }
            return self.facts_row(row, cells, report);
        }
        let uscc = match uscc_from_cell(uscc_cell) {
            Ok(u) => Some(u),
            Err(e) => {
                self.error(report, row, self.uscc_at, e);
                None
            }
        };
        let values = match &self.parse {
            Parse::Facts(_) => return,
            Parse::Columns(at) => {
                let mut values = Vec::with_capacity(self.columns.len());
                let mut bad = Vec::new();
                for (k, col) in self.columns.iter().enumerate() {
                    let idx = at[k];
                    let cell = cells.get(idx).copied().unwrap_or(Cell::Empty);
                    match parse_cell(cell, col.ty, self.counties) {
                        Ok(v) => values.push(v),
                        Err(msg) => {
                            bad.push((idx, msg));
                            values.push(Value::Null);
                        }
                    }
                }
                for (idx, msg) in bad {
                    self.error(report, row, idx, msg);
                }
                values
            }
        };
        if let Some(uscc) = uscc {
            if self.source == Source::Market {
                let text = |name: &str| {
                    self.columns
                        .iter()
                        .position(|c| c.name == name)
                        .and_then(|k| match &values[k] {
                            Value::Text(t) => Some(t.as_str()),
                            _ => None,
                        })
                };
                let kind = text("kind").map(|k| {
                    if k == "individual_business" {
                        EntityKind::IndividualBusiness
                    } else {
                        EntityKind::Enterprise
                    }
                });
                self.remarks(row, &uscc, text("county"), kind, report);
            }
            self.accept(row, uscc, values, report);
        }
    }

    /// Warnings about a code against the row's county and kind (never errors).
    fn remarks(
        &self,
        row: u64,
        uscc: &Uscc,
        county: Option<&str>,
        kind: Option<EntityKind>,
        report: &mut Report,
    ) {
        for message in uscc.remarks(county, kind) {
            report.notes.warnings.push(RowError {
                row,
                column: self.written.get(self.uscc_at).cloned(),
                message,
            });
        }
    }

    /// A row of the fact sheet, parsed by huiqi-domain's `FactsHeader` (the parser `huiqi match`
    /// uses), then checked for the registry: 六安 county, required name and industry, amounts in
    /// whole fen.
    fn facts_row(&mut self, row: u64, cells: &[Cell<'_>], report: &mut Report) {
        let Parse::Facts(header) = &self.parse else {
            return;
        };
        // Text cells go to the parser as they are (the 1M-row CSV path: no copies); Excel
        // numbers, dates and booleans as the fact CSV would write them.
        let mut owned: Vec<String> = Vec::new();
        if cells
            .iter()
            .any(|c| !matches!(c, Cell::Text(_) | Cell::Empty))
        {
            owned = cells.iter().map(|c| c.as_fact_text()).collect();
        }
        // As text: the reader has checked it is UTF-8 (checking each field again was about a
        // third of the reader's UTF-8 checks in a profile of a 1M-row file).
        let fields: Vec<&str> = if owned.is_empty() {
            cells
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => *t,
                    _ => "",
                })
                .collect()
        } else {
            owned.iter().map(String::as_str).collect()
        };
        match header.parse(&fields, row as usize) {
            Ok(f) => {
                let kind = f.kind;
                match facts::to_values(f, self.counties) {
                    Ok((uscc, values)) => {
                        // values[2] is the county's id (Source::Facts' third column).
                        let county = match &values[2] {
                            Value::Text(c) => Some(c.as_str()),
                            _ => None,
                        };
                        self.remarks(row, &uscc, county, Some(kind), report);
                        self.accept(row, uscc, values, report)
                    }
                    Err(errs) => {
                        for (col, message) in errs {
                            let column = header
                                .position(col)
                                .and_then(|i| self.written.get(i).cloned())
                                .or(Some(col.to_owned()));
                            report.errors.push(RowError {
                                row,
                                column,
                                message,
                            });
                        }
                    }
                }
            }
            Err(e) => report.errors.push(RowError {
                row,
                column: e.column,
                message: e.message,
            }),
        }
    }

    /// A row whose cells parsed: check for a duplicate code, then hand it on (unless the file
    /// already has an error: then nothing will be imported and only checking goes on).
    fn accept(&mut self, row: u64, uscc: Uscc, values: Vec<Value>, report: &mut Report) {
        let key: [u8; 18] = uscc.as_str().as_bytes().try_into().unwrap_or([0; 18]);
        match self.seen.entry(key) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let first = *first.get();
                self.error(
                    report,
                    row,
                    self.uscc_at,
                    format!("统一社会信用代码 {uscc} 与第 {first} 行重复：每户企业只能出现一次"),
                );
                return;
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(row);
            }
        }
        if !report.errors.is_empty() {
            return;
        }
        self.chunk.push(Record { row, uscc, values });
        if self.chunk.len() >= self.chunk_size {
            self.flush(report);
        }
    }

    fn flush(&mut self, report: &Report) {
        if self.chunk.is_empty() {
            return;
        }
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(self.chunk_size));
        if self.sink_open && report.errors.is_empty() {
            self.sink_open = (self.sink)(chunk);
        }
    }
}

impl<F: FnMut(Vec<Record>) -> bool> RowSink for Checker<'_, F> {
    fn free_text(&self, index: usize) -> bool {
        self.free.get(index).copied().unwrap_or(false)
    }

    fn cells(&mut self, row: u64, cells: &[Cell<'_>], report: &mut Report) {
        self.row(row, cells, report);
    }
}

/// A registry source's file: its columns by name, Chinese header or alias.
struct SourceLayout<'a, F> {
    source: Source,
    counties: &'a Counties,
    chunk_size: usize,
    sink: Option<F>,
}

impl<'a, F: FnMut(Vec<Record>) -> bool> Layout for SourceLayout<'a, F> {
    type Sink = Checker<'a, F>;

    fn score(&self, header: &[String]) -> usize {
        let wanted: Vec<&Column> = std::iter::once(&USCC_COLUMN)
            .chain(self.source.columns())
            .collect();
        score(&wanted, header)
    }

    fn start(&mut self, headers: &[String]) -> Result<Self::Sink, Vec<RowError>> {
        let source = self.source;
        let written: Vec<String> = headers
            .iter()
            .map(|h| quote(h.trim()).into_owned())
            .collect();
        let (parse, uscc_at, free) = if source == Source::Facts {
            let header =
                FactsHeader::from_fields(headers.iter().map(|h| h.as_bytes())).map_err(|e| {
                    e.errors
                        .into_iter()
                        .map(|e| RowError {
                            row: 1,
                            column: e.column,
                            message: e.message,
                        })
                        .collect::<Vec<_>>()
                })?;
            let uscc_at = header.position("uscc").unwrap_or(0);
            let free = (0..headers.len())
                .map(|i| header.position("name") == Some(i))
                .collect();
            (Parse::Facts(Box::new(header)), uscc_at, free)
        } else {
            let wanted: Vec<&Column> = std::iter::once(&USCC_COLUMN)
                .chain(source.columns())
                .collect();
            let found = find_columns(&wanted, source.as_str(), source.label(), headers)?;
            let mut free = vec![false; headers.len()];
            for (k, c) in wanted.iter().enumerate().skip(1) {
                free[found[k]] = is_free_text(c.ty);
            }
            (Parse::Columns(found[1..].to_vec()), found[0], free)
        };
        let sink = self.sink.take().ok_or_else(Vec::new)?;
        Ok(Checker {
            source,
            counties: self.counties,
            columns: source.columns().collect(),
            parse,
            uscc_at,
            written,
            free,
            seen: HashMap::default(),
            chunk: Vec::with_capacity(self.chunk_size),
            chunk_size: self.chunk_size.max(1),
            sink,
            sink_open: true,
        })
    }
}

/// Reads every row of `file` as data of `source`, checks it, and passes valid records to `sink` in
/// chunks of `chunk_size` (`sink` returns false to stop receiving). Once a row is bad, no more
/// records are passed on but every later row is still checked, so that the report names every bad
/// row (the first 100 listed, all counted). `Report::errors` empty = the whole file is valid and
/// has been passed on.
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
    let layout = SourceLayout {
        source,
        counties,
        chunk_size,
        sink: Some(sink),
    };
    let scanned = scan(file, &file.limits, layout)?;
    let mut report = scanned.report;
    if let Some(mut checker) = scanned.sink {
        checker.flush(&report);
        if report.rows == 0 && report.errors.is_empty() {
            report.errors.push(RowError {
                row: report.notes.header_row + 1,
                column: None,
                message: format!("文件只有表头，没有{}数据行", source.label()),
            });
        }
    }
    Ok(report)
}

/// The header of the fact CSV (`huiqi gen`, `huiqi match --input`), for templates of `facts`.
pub fn fact_headers() -> Vec<&'static str> {
    FACT_COLUMNS.to_vec()
}

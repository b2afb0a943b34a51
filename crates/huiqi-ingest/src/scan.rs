//! The one reader of rows, for every source and list and every format (CSV, .xlsx, .xls): files
//! as offices save them.
//!
//! - The header row is looked for in the first [`HEADER_SEARCH_ROWS`] rows of every sheet: the row
//!   with the most cells that name a column of the file's kind; title and blank rows above it are
//!   skipped (and reported). Of a workbook, the sheet with the best header is used (a 填表说明
//!   sheet before the data does not matter); when no sheet has one, the message lists the sheets.
//! - Blank rows (every cell empty or spaces, also U+3000) are skipped; so are totals rows: the
//!   first non-empty cell, in one of the first two columns, starts with 合计, 总计 or 小计.
//! - Every row is checked before its cells are parsed: as many fields as the header (CSV), nothing
//!   outside the header's columns, no cell over [`Limits::max_cell_chars`] characters, no control
//!   characters. Full-width letters, digits and signs are converted to half-width in every column
//!   but free text (names keep their full-width brackets); the number of cells converted is
//!   reported.

use chrono::NaiveDate;
use huiqi_domain::registry::{Issues, RowError};
use huiqi_domain::text::{control_message, forbidden_control, quote, thousands, to_halfwidth};

use crate::cell::Cell;
use crate::limits::Limits;
use crate::xlsx::column_letters;
use crate::{Content, IngestError, InputFile};

/// The header is looked for in this many rows from the top of each sheet.
pub const HEADER_SEARCH_ROWS: u64 = 10;

/// Longer cells are no header candidates (4 bytes for each of 100 characters).
const MAX_HEADER_BYTES: usize = 400;

/// Words that open a totals row (in its first non-empty cell).
pub const TOTALS_WORDS: [&str; 3] = ["合计", "总计", "小计"];

/// What else reading a file found: which sheet and header row were used, what was skipped or
/// converted, and warnings that do not stop an import. The CLI and the web print its
/// [`ReadNotes::lines`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadNotes {
    /// The worksheet read (Excel).
    pub sheet: Option<String>,
    /// Worksheets in the workbook (Excel).
    pub sheets: usize,
    /// The row of the header (rows above it were title or blank rows, skipped).
    pub header_row: u64,
    /// Totals rows skipped (合计, 总计, 小计), the first 100.
    pub totals_rows: Vec<u64>,
    /// Blank rows skipped among the data.
    pub blank_rows: u64,
    /// Cells whose full-width characters were converted to half-width.
    pub fullwidth_cells: u64,
    /// Warnings: listed and counted, never blocking.
    pub warnings: Issues,
}

impl ReadNotes {
    /// The notes as sentences for the person who imported the file.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(sheet) = &self.sheet
            && self.sheets > 1
        {
            out.push(format!(
                "读取了工作表“{sheet}”（共 {} 个工作表，使用表头相符的那一个）。",
                self.sheets
            ));
        }
        match self.header_row {
            0 | 1 => {}
            2 => out.push("表头在第 2 行：第 1 行（标题或空行）已跳过。".into()),
            h => out.push(format!(
                "表头在第 {h} 行：第 1–{} 行（标题或空行）已跳过。",
                h - 1
            )),
        }
        if !self.totals_rows.is_empty() {
            let rows: Vec<String> = self.totals_rows.iter().map(|r| r.to_string()).collect();
            out.push(format!(
                "第 {} 行是合计行，已跳过（不作为企业数据导入）。",
                rows.join("、")
            ));
        }
        if self.fullwidth_cells > 0 {
            out.push(format!(
                "{} 个单元格中的全角字符（如全角数字、字母）已转换为半角后导入。",
                thousands(self.fullwidth_cells)
            ));
        }
        if !self.warnings.is_empty() {
            out.push(format!(
                "{} 条提醒（不影响导入，请核对）：",
                thousands(self.warnings.total())
            ));
            out.extend(self.warnings.listed().iter().map(|w| format!("  {w}")));
            out.extend(self.warnings.unlisted_line("提醒"));
        }
        out
    }
}

/// The result of reading a file: rows read, errors (any = import nothing), notes.
#[derive(Debug, Default)]
pub struct Report {
    /// Data rows read (header, title, blank and totals rows not counted).
    pub rows: u64,
    /// Every bad row (the first 100 listed). Non-empty means: import nothing.
    pub errors: Issues,
    pub notes: ReadNotes,
}

impl Report {
    /// Errors and the line saying how many more there are, for printing.
    pub fn error_lines(&self) -> Vec<String> {
        self.errors
            .listed()
            .iter()
            .map(ToString::to_string)
            .chain(self.errors.unlisted_line("错误"))
            .collect()
    }
}

/// What a file of one kind looks like: which header cells it knows, and what reads its rows.
pub(crate) trait Layout {
    type Sink: RowSink;
    /// How many cells of a candidate header row name a column of this kind.
    fn score(&self, header: &[String]) -> usize;
    /// The reader of the data rows under `header` (as written), or every problem of the header
    /// (their `row` is set by the caller).
    fn start(&mut self, header: &[String]) -> Result<Self::Sink, Vec<RowError>>;
}

/// What receives the data rows of a file.
pub(crate) trait RowSink {
    /// Whether the file column at `index` holds free text (full-width characters kept).
    fn free_text(&self, index: usize) -> bool;
    /// One data row, already checked; `cells` has one cell per header column.
    fn cells(&mut self, row: u64, cells: &[Cell<'_>], report: &mut Report);
}

/// A cell kept while the header is not known yet.
#[derive(Debug, Clone, PartialEq)]
enum Owned {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    Error,
}

impl Owned {
    fn of(cell: Cell<'_>) -> Owned {
        match cell {
            Cell::Empty => Owned::Empty,
            Cell::Text(t) => Owned::Text(t.to_owned()),
            Cell::Number(f) => Owned::Number(f),
            Cell::Bool(b) => Owned::Bool(b),
            Cell::Date(d) => Owned::Date(d),
            Cell::Error => Owned::Error,
        }
    }

    fn cell(&self) -> Cell<'_> {
        match self {
            Owned::Empty => Cell::Empty,
            Owned::Text(t) => Cell::Text(t),
            Owned::Number(f) => Cell::Number(*f),
            Owned::Bool(b) => Cell::Bool(*b),
            Owned::Date(d) => Cell::Date(*d),
            Owned::Error => Cell::Error,
        }
    }
}

/// A header cell as text (a number typed as a header reads as its digits).
fn header_text(cell: Cell<'_>) -> String {
    match cell {
        Cell::Text(t) => t.trim().to_owned(),
        Cell::Empty | Cell::Error => String::new(),
        other => other.code_text().unwrap_or_else(|| other.as_fact_text()),
    }
}

/// A candidate row: its number and cells.
type Candidate = (u64, Vec<Owned>);

fn is_blank(cells: &[Owned]) -> bool {
    cells.iter().all(|c| c.cell().is_empty())
}

/// The best header among `rows` (most known cells; the first of equals), with its score.
fn best_header<L: Layout>(layout: &L, rows: &[Candidate]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, cells)) in rows.iter().enumerate() {
        if is_blank(cells) {
            continue;
        }
        // A cell too long to be a header is not looked at (a data row may hold a 10 MB cell).
        let texts: Vec<String> = cells
            .iter()
            .map(|c| match c {
                Owned::Text(t) if t.len() > MAX_HEADER_BYTES => String::new(),
                c => header_text(c.cell()),
            })
            .collect();
        let score = layout.score(&texts);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best
}

/// Reads the data rows under a chosen header and checks each before handing it on.
struct Feeder<'l, S> {
    sink: S,
    limits: &'l Limits,
    /// Header cells as written (quoted), for messages.
    header: Vec<String>,
    /// Whether each header cell is blank (no column there).
    blank: Vec<bool>,
    /// The first two columns with a header (where a totals row says 合计).
    first_columns: Vec<usize>,
    report: Report,
    /// Sheet column letters in messages (Excel) rather than field numbers (CSV).
    excel: bool,
}

impl<'l, S: RowSink> Feeder<'l, S> {
    fn new(sink: S, header: &[String], limits: &'l Limits, report: Report, excel: bool) -> Self {
        let blank: Vec<bool> = header.iter().map(|h| h.trim().is_empty()).collect();
        let first_columns = (0..header.len()).filter(|i| !blank[*i]).take(2).collect();
        Feeder {
            sink,
            limits,
            header: header
                .iter()
                .map(|h| quote(h.trim()).into_owned())
                .collect(),
            blank,
            first_columns,
            report,
            excel,
        }
    }

    fn column_name(&self, i: usize) -> String {
        match self.header.get(i) {
            Some(h) if !h.is_empty() => h.clone(),
            _ if self.excel => format!("{} 列", column_letters(i)),
            _ => format!("第 {} 个字段", i + 1),
        }
    }

    fn error(&mut self, row: u64, column: Option<String>, message: String) {
        self.report.errors.push(RowError {
            row,
            column,
            message,
        });
    }

    /// One row of the file (`fields`: the CSV field count, checked against the header's).
    fn row(
        &mut self,
        row: u64,
        cells: &[Cell<'_>],
        fields: Option<usize>,
    ) -> Result<(), IngestError> {
        if cells.iter().all(|c| c.is_empty()) {
            self.report.notes.blank_rows += 1;
            return Ok(());
        }
        let width = self.header.len();
        if let Some(first) = cells.iter().position(|c| !c.is_empty())
            && self.first_columns.contains(&first)
            && let Cell::Text(t) = cells[first]
        {
            // The first two characters other than spaces (合 计 is 合计).
            let head: String = t.chars().filter(|c| !c.is_whitespace()).take(2).collect();
            if TOTALS_WORDS.contains(&head.as_str()) {
                if self.report.notes.totals_rows.len() < 100 {
                    self.report.notes.totals_rows.push(row);
                }
                return Ok(());
            }
        }
        self.report.rows += 1;
        if self.report.rows > self.limits.max_rows {
            return Err(IngestError::Limit(format!(
                "数据超过 {} 行的上限：请把文件拆成几个后分批导入",
                thousands(self.limits.max_rows)
            )));
        }
        if let Some(n) = fields
            && n != width
        {
            self.error(
                row,
                None,
                format!(
                    "这一行有 {} 个字段，表头有 {width} 列：请检查是否漏填、多了逗号，或含逗号的文字没有用英文双引号括起来",
                    thousands(n as u64)
                ),
            );
            return Ok(());
        }
        let errors_before = self.report.errors.total();
        // Whether every text cell is printable ASCII (most rows): then there is nothing to
        // convert and no control character to look for.
        let mut plain = true;
        for (i, c) in cells.iter().enumerate() {
            if let Cell::Text(t) = c
                && i < width
                && t.len() <= self.limits.max_cell_chars
                && t.bytes().all(|b| (0x20..0x7F).contains(&b))
            {
                if !self.blank[i] || t.trim().is_empty() {
                    continue;
                }
            } else if matches!(c, Cell::Text(_)) {
                plain = false;
            }
            if c.is_empty() {
                continue;
            }
            if i >= width || self.blank[i] {
                let name = self.column_name(i);
                self.error(
                    row,
                    Some(name),
                    "这一格有内容，但表头没有这一列：请补上列名，或删除这一列".into(),
                );
                continue;
            }
            if let Cell::Text(t) = c {
                if t.len() > self.limits.max_cell_chars {
                    let n = t.chars().count();
                    if n > self.limits.max_cell_chars {
                        let name = self.column_name(i);
                        self.error(
                            row,
                            Some(name),
                            format!(
                                "内容有 {} 个字符，超过每格 {} 个字符的上限：“{}”",
                                thousands(n as u64),
                                thousands(self.limits.max_cell_chars as u64),
                                quote(t)
                            ),
                        );
                        continue;
                    }
                }
                if let Some((at, ch)) = forbidden_control(t) {
                    let name = self.column_name(i);
                    self.error(row, Some(name), control_message(at, ch));
                }
            }
        }
        if self.report.errors.total() > errors_before {
            return Ok(());
        }
        // Full-width characters to half-width, except in free text. Most rows are ASCII: they
        // go on as they are (the 1M-row path).
        if plain && cells.len() == width {
            self.sink.cells(row, cells, &mut self.report);
            return Ok(());
        }
        let converted: Vec<Option<String>> = (0..width)
            .map(|i| match cells.get(i) {
                // Spaces around a value (also U+3000) are no conversion: trimmed first.
                Some(Cell::Text(t)) if !t.is_ascii() && !self.sink.free_text(i) => {
                    match to_halfwidth(t.trim()) {
                        std::borrow::Cow::Owned(s) => Some(s),
                        std::borrow::Cow::Borrowed(_) => None,
                    }
                }
                _ => None,
            })
            .collect();
        self.report.notes.fullwidth_cells += converted.iter().flatten().count() as u64;
        let row_cells: Vec<Cell<'_>> = (0..width)
            .map(|i| match &converted[i] {
                Some(s) => Cell::Text(s),
                None => cells.get(i).copied().unwrap_or(Cell::Empty),
            })
            .collect();
        self.sink.cells(row, &row_cells, &mut self.report);
        Ok(())
    }
}

/// The outcome of [`scan`]: the sink (if the header was accepted) and the report.
pub(crate) struct Scanned<S> {
    pub sink: Option<S>,
    pub report: Report,
}

/// Reads `file` as a file of `layout`'s kind.
pub(crate) fn scan<L: Layout>(
    file: &InputFile,
    limits: &Limits,
    layout: L,
) -> Result<Scanned<L::Sink>, IngestError> {
    match &file.content {
        Content::Csv(text) => scan_csv(text, limits, layout),
        Content::Xlsx(bytes) => scan_xlsx(bytes, &file.file_name, limits, layout),
        Content::Xls(bytes) => scan_xls(bytes, &file.file_name, limits, layout),
    }
}

/// The header chosen and the sink for the rows under it; `Err(report)` when the header is wrong.
/// A sheet's trailing blank header cells are no columns; a CSV keeps its field count.
fn start<L: Layout>(
    layout: &mut L,
    row: u64,
    cells: &[Owned],
    limits: &Limits,
    mut report: Report,
    sheet: bool,
) -> Result<(L::Sink, Vec<String>, Report), Box<Report>> {
    report.notes.header_row = row;
    let mut header: Vec<String> = cells.iter().map(|c| header_text(c.cell())).collect();
    if sheet {
        while header.last().is_some_and(|h| h.is_empty()) {
            header.pop();
        }
    }
    let mut bad = false;
    for h in &header {
        let n = h.chars().count();
        if n > limits.max_header_chars {
            bad = true;
            report.errors.push(RowError {
                row,
                column: Some(quote(h).into_owned()),
                message: format!(
                    "列名有 {} 个字，超过上限 {} 个字：请检查表头这一格",
                    thousands(n as u64),
                    limits.max_header_chars
                ),
            });
        }
    }
    if bad {
        return Err(Box::new(report));
    }
    match layout.start(&header) {
        Ok(sink) => Ok((sink, header, report)),
        Err(errors) => {
            for mut e in errors {
                e.row = row;
                report.errors.push(e);
            }
            Err(Box::new(report))
        }
    }
}

fn scan_csv<L: Layout>(
    text: &[u8],
    limits: &Limits,
    mut layout: L,
) -> Result<Scanned<L::Sink>, IngestError> {
    // A first line wider than the limit is refused before the CSV reader splits it into fields
    // (it would allocate them all: a 1,000,000-column header took most of a second). Exact for a
    // line without quotes, where every comma separates two fields.
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    if !first.contains(&b'"') {
        let fields = first.iter().filter(|&&b| b == b',').count() + 1;
        if fields > limits.max_columns {
            return Err(IngestError::Limit(format!(
                "第 1 行有 {} 个字段，超过上限 {} 列：请检查是否选错了文件",
                thousands(fields as u64),
                limits.max_columns
            )));
        }
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut record = csv::StringRecord::new();
    let read = |rdr: &mut csv::Reader<&[u8]>,
                rec: &mut csv::StringRecord|
     -> Result<Option<u64>, IngestError> {
        let more = rdr.read_record(rec).map_err(|e| IngestError::Csv {
            row: e.position().map_or(0, |p| p.line()),
            message: quote(&e.to_string()).into_owned(),
        })?;
        if !more {
            return Ok(None);
        }
        let line = rec.position().map_or(0, |p| p.line());
        if rec.len() > limits.max_columns {
            return Err(IngestError::Limit(format!(
                "第 {line} 行有 {} 个字段，超过上限 {} 列：请检查是否选错了文件",
                thousands(rec.len() as u64),
                limits.max_columns
            )));
        }
        Ok(Some(line))
    };
    let cells_of = |rec: &csv::StringRecord| -> Vec<Owned> {
        rec.iter()
            .map(|f| {
                if f.is_empty() {
                    Owned::Empty
                } else {
                    Owned::Text(f.to_owned())
                }
            })
            .collect()
    };
    // The first rows, to find the header in.
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut pending = None;
    while let Some(line) = read(&mut rdr, &mut record)? {
        if line > HEADER_SEARCH_ROWS {
            pending = Some(line);
            break;
        }
        candidates.push((line, cells_of(&record)));
    }
    let Some((at, _)) = best_header(&layout, &candidates) else {
        return Err(IngestError::Empty);
    };
    let (header_row, header_cells) = candidates[at].clone();
    let report = Report::default();
    let (sink, header, report) = match start(
        &mut layout,
        header_row,
        &header_cells,
        limits,
        report,
        false,
    ) {
        Ok(x) => x,
        Err(report) => {
            return Ok(Scanned {
                sink: None,
                report: *report,
            });
        }
    };
    let mut feeder = Feeder::new(sink, &header, limits, report, false);
    for (row, cells) in &candidates[at + 1..] {
        let cells: Vec<Cell<'_>> = cells.iter().map(Owned::cell).collect();
        feeder.row(*row, &cells, Some(cells.len()))?;
    }
    let mut next = pending;
    while let Some(line) = next {
        let cells: Vec<Cell<'_>> = record
            .iter()
            .map(|f| {
                if f.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(f)
                }
            })
            .collect();
        feeder.row(line, &cells, Some(record.len()))?;
        next = read(&mut rdr, &mut record)?;
    }
    Ok(Scanned {
        sink: Some(feeder.sink),
        report: feeder.report,
    })
}

/// What receives the rows of a sheet: `Ok(false)` to stop.
type EachRow<'f> = dyn FnMut(u64, &[Cell<'_>]) -> Result<bool, IngestError> + 'f;

/// Sheets of a workbook, read row by row.
trait Sheets {
    fn names(&self) -> Vec<String>;
    /// Calls `f` with every row of `sheet` (1-based row number, cells from column A) until `f`
    /// returns `Ok(false)` or the sheet ends.
    fn each_row(
        &mut self,
        sheet: &str,
        limits: &Limits,
        f: &mut EachRow<'_>,
    ) -> Result<(), IngestError>;
}

fn scan_sheets<L: Layout>(
    book: &mut dyn Sheets,
    file: &str,
    limits: &Limits,
    mut layout: L,
) -> Result<Scanned<L::Sink>, IngestError> {
    let names = book.names();
    if names.is_empty() {
        return Err(IngestError::NoSheet(file.to_owned()));
    }
    if names.len() > limits.max_sheets {
        return Err(IngestError::Limit(format!(
            "文件“{file}”有 {} 个工作表，超过上限 {} 个",
            names.len(),
            limits.max_sheets
        )));
    }
    // The best header of each sheet: (sheet, candidates, index, score).
    let mut best: Option<(usize, Vec<Candidate>, usize, usize)> = None;
    for (k, name) in names.iter().enumerate() {
        let mut candidates: Vec<Candidate> = Vec::new();
        book.each_row(name, limits, &mut |row, cells| {
            if row > HEADER_SEARCH_ROWS {
                return Ok(false);
            }
            candidates.push((row, cells.iter().copied().map(Owned::of).collect()));
            Ok(true)
        })?;
        if let Some((i, score)) = best_header(&layout, &candidates)
            && best.as_ref().is_none_or(|b| score > b.3)
        {
            best = Some((k, candidates, i, score));
        }
    }
    let Some((sheet, candidates, at, score)) = best else {
        return Err(IngestError::Empty);
    };
    if score == 0 && names.len() > 1 {
        return Err(IngestError::NoHeader {
            file: file.to_owned(),
            sheets: names
                .iter()
                .map(|n| format!("“{n}”"))
                .collect::<Vec<_>>()
                .join("、"),
        });
    }
    let (header_row, header_cells) = candidates[at].clone();
    let mut report = Report::default();
    report.notes.sheet = Some(names[sheet].clone());
    report.notes.sheets = names.len();
    let (sink, header, report) =
        match start(&mut layout, header_row, &header_cells, limits, report, true) {
            Ok(x) => x,
            Err(report) => {
                return Ok(Scanned {
                    sink: None,
                    report: *report,
                });
            }
        };
    let mut feeder = Feeder::new(sink, &header, limits, report, true);
    let mut failed = None;
    book.each_row(&names[sheet], limits, &mut |row, cells| {
        if row <= header_row {
            return Ok(true);
        }
        if let Err(e) = feeder.row(row, cells, None) {
            failed = Some(e);
            return Ok(false);
        }
        Ok(true)
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(Scanned {
        sink: Some(feeder.sink),
        report: feeder.report,
    })
}

fn excel_cell<'a>(d: &'a calamine::DataRef<'_>) -> Cell<'a> {
    use calamine::DataRef;
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(s),
        DataRef::SharedString(s) => Cell::Text(s),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(t) => Cell::Date(t.date()),
            None => Cell::Error,
        },
        DataRef::Error(_) => Cell::Error,
    }
}

fn data_cell(d: &calamine::Data) -> Cell<'_> {
    use calamine::Data;
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

struct XlsxSheets<'b> {
    book: crate::xlsx::Book<'b>,
}

impl Sheets for XlsxSheets<'_> {
    fn names(&self) -> Vec<String> {
        self.book.sheets()
    }

    fn each_row(
        &mut self,
        sheet: &str,
        limits: &Limits,
        f: &mut EachRow<'_>,
    ) -> Result<(), IngestError> {
        let mut rows = self.book.rows(sheet, limits)?;
        let mut data = Vec::new();
        while let Some(row) = rows.next_row(&mut data)? {
            let cells: Vec<Cell<'_>> = data.iter().map(excel_cell).collect();
            if !f(u64::from(row) + 1, &cells)? {
                break;
            }
        }
        Ok(())
    }
}

fn scan_xlsx<L: Layout>(
    bytes: &[u8],
    file: &str,
    limits: &Limits,
    layout: L,
) -> Result<Scanned<L::Sink>, IngestError> {
    let mut sheets = XlsxSheets {
        book: crate::xlsx::Book::open(bytes, file)?,
    };
    scan_sheets(&mut sheets, file, limits, layout)
}

struct XlsSheets {
    sheets: Vec<(String, calamine::Range<calamine::Data>)>,
}

impl Sheets for XlsSheets {
    fn names(&self) -> Vec<String> {
        self.sheets.iter().map(|(n, _)| n.clone()).collect()
    }

    fn each_row(
        &mut self,
        sheet: &str,
        _limits: &Limits,
        f: &mut EachRow<'_>,
    ) -> Result<(), IngestError> {
        let Some((_, range)) = self.sheets.iter().find(|(n, _)| n == sheet) else {
            return Ok(());
        };
        let Some((first_row, first_col)) = range.start() else {
            return Ok(());
        };
        let mut cells: Vec<Cell<'_>> = Vec::new();
        for (i, data) in range.rows().enumerate() {
            cells.clear();
            // Cells from column A, as in an .xlsx.
            cells.extend(std::iter::repeat_n(Cell::Empty, first_col as usize));
            cells.extend(data.iter().map(data_cell));
            if !f(u64::from(first_row) + i as u64 + 1, &cells)? {
                break;
            }
        }
        Ok(())
    }
}

fn scan_xls<L: Layout>(
    bytes: &[u8],
    file: &str,
    limits: &Limits,
    layout: L,
) -> Result<Scanned<L::Sink>, IngestError> {
    let mut sheets = XlsSheets {
        sheets: crate::xls::sheets(bytes, file)?,
    };
    scan_sheets(&mut sheets, file, limits, layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_read_as_sentences() {
        let mut notes = ReadNotes {
            sheet: Some("数据".into()),
            sheets: 2,
            header_row: 3,
            totals_rows: vec![57],
            blank_rows: 1,
            fullwidth_cells: 12,
            warnings: Issues::default(),
        };
        notes.warnings.push(RowError {
            row: 4,
            column: Some("统一社会信用代码".into()),
            message: "不在六安市".into(),
        });
        let lines = notes.lines();
        assert_eq!(
            lines[0],
            "读取了工作表“数据”（共 2 个工作表，使用表头相符的那一个）。"
        );
        assert_eq!(lines[1], "表头在第 3 行：第 1–2 行（标题或空行）已跳过。");
        assert_eq!(lines[2], "第 57 行是合计行，已跳过（不作为企业数据导入）。");
        assert!(lines[3].starts_with("12 个单元格"));
        assert_eq!(lines[4], "1 条提醒（不影响导入，请核对）：");
        assert!(lines[5].contains("第 4 行"));
    }
}

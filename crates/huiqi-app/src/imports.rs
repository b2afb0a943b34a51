//! Importing a file, the one pipeline both front ends use: read and check every row
//! (huiqi-ingest), write in one transaction (huiqi-store), and say what happened. A department's
//! registry file streams from a reader thread into the transaction while it is read (a 1M-row file
//! is never held whole); a list (认定名单, 企业家培训台账) is read whole, then written. Either way: any
//! bad row, and nothing is imported; every bad row is named.

use std::path::Path;

use huiqi_domain::lists::ListSource;
use huiqi_domain::registry::Issues;
use huiqi_domain::registry::{RowError, Source};
use huiqi_ingest::{Counties, InputFile, Limits, ReadNotes, read_list, read_records};
use huiqi_policy::Pack;
use huiqi_store::Store;
use huiqi_store::import_log::NewLogLine;
pub use huiqi_store::import_log::{LogLine, LogOutcome};
use huiqi_store::lists::ListMeta;
use huiqi_store::registry::{ImportCounts, ImportMeta, ImportOutcome, Incoming};

use crate::{AppError, blocking};

/// Records per chunk handed from the file reader to the database writer.
pub const CHUNK: usize = 16_384;
/// The largest file an import takes (the web's upload limit too).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The earliest and latest year an import may be for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// What a file is: a department's registry columns, or a list beside the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Registry(Source),
    List(ListSource),
}

impl ImportKind {
    /// Every kind, in the order an import form offers them (the fact sheet first).
    pub fn all() -> Vec<ImportKind> {
        let registry = [
            Source::Facts,
            Source::Market,
            Source::Tax,
            Source::Hr,
            Source::Stats,
            Source::Finance,
            Source::Tech,
        ];
        registry
            .into_iter()
            .map(ImportKind::Registry)
            .chain(ListSource::ALL.iter().map(|l| ImportKind::List(*l)))
            .collect()
    }

    /// The id (`facts`, `market`, …, `certifications`, `trainings`).
    pub fn parse(id: &str) -> Option<ImportKind> {
        Source::parse(id)
            .map(ImportKind::Registry)
            .or_else(|| ListSource::parse(id).map(ImportKind::List))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Registry(s) => s.as_str(),
            ImportKind::List(l) => l.as_str(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Registry(s) => s.label(),
            ImportKind::List(l) => l.label(),
        }
    }

    /// Checks the year given for this kind: required for the yearly sources, refused for the
    /// 市场监管 file and the lists (whose rows carry their own dates).
    pub fn check_year(self, year: Option<i32>) -> Result<Option<i32>, AppError> {
        let bad = |m: String| AppError::invalid("bad_year", m);
        match (self, year) {
            (ImportKind::Registry(s), None) if s.is_yearly() => Err(bad(format!(
                "{}数据按年度导入：请指定年度，如 2024",
                s.label()
            ))),
            (ImportKind::Registry(s), Some(y)) if s.is_yearly() => {
                if YEARS.contains(&y) {
                    Ok(Some(y))
                } else {
                    Err(bad(format!("年度 {y} 不合理：请填写四位年份，如 2024")))
                }
            }
            (ImportKind::Registry(_), Some(_)) => {
                Err(bad("市场监管登记信息不分年度：请不要指定年度".to_string()))
            }
            (ImportKind::List(l), Some(_)) => Err(bad(format!(
                "{}按每行的日期归属年度：请不要指定年度",
                l.label()
            ))),
            (_, None) => Ok(None),
        }
    }
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Committed as import `id`.
    Committed { id: i64, counts: ImportCounts },
    /// Every row equals what the registry holds: nothing written.
    Unchanged { counts: ImportCounts },
    /// Bad rows (in the file, or enterprises the registry does not know), the first 100 listed
    /// and all counted: nothing imported.
    Refused(Issues),
}

/// What an import did, to show the person who asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The file's name as the person gave it.
    pub file_name: String,
    pub kind: ImportKind,
    pub year: Option<i32>,
    pub outcome: Outcome,
    /// What reading the file skipped, converted or warns about (sheet, title and totals rows,
    /// full-width cells, warnings about codes).
    pub notes: ReadNotes,
    /// Data rows read from the file.
    pub rows_read: u64,
}

impl ImportReport {
    /// The bad rows (the first 100) when nothing was imported because of them.
    pub fn refused(&self) -> Option<&[RowError]> {
        match &self.outcome {
            Outcome::Refused(e) => Some(e.listed()),
            _ => None,
        }
    }

    /// “另有 N 处错误未列出” when more rows were bad than are listed.
    pub fn unlisted(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Refused(e) => e.unlisted_line("错误"),
            _ => None,
        }
    }

    /// The notes of reading the file as sentences ([`ReadNotes::lines`]).
    pub fn note_lines(&self) -> Vec<String> {
        self.notes.lines()
    }

    /// One paragraph in Chinese: what was written, or that nothing was (the rows follow).
    pub fn summary(&self) -> String {
        let year = self.year.map(|y| format!("，{y} 年度")).unwrap_or_default();
        let file = &self.file_name;
        let label = self.kind.label();
        match &self.outcome {
            Outcome::Committed { id, counts } => {
                let mut s = format!(
                    "已导入“{file}”（{label}{year}，导入号 {id}）：共 {} 行，新增 {}，更新 {}，未变 {}。",
                    counts.total, counts.new, counts.updated, counts.unchanged
                );
                if counts.changed_values > 0 {
                    s.push_str(&format!(
                        "{} 个值有变动，旧值已记入变更历史。",
                        counts.changed_values
                    ));
                }
                s
            }
            Outcome::Unchanged { counts } => format!(
                "“{file}”的 {} 行与库中的数据完全相同，未作任何更改。",
                counts.total
            ),
            Outcome::Refused(errors) => format!(
                "文件“{file}”有 {} 处错误，未导入任何数据。请改正后重新导入：",
                huiqi_domain::text::thousands(errors.total())
            ),
        }
    }
}

/// Imports a file of `kind` (`year` checked with [`ImportKind::check_year`]). `progress` hears
/// how many rows were read and checked so far (every chunk of a registry file). `actor` (the
/// account's username, or [`crate::accounts::CLI_ACTOR`]) is who imports it: every attempt is
/// logged with it ([`log_page`]), a refused one too (after the rollback, in its own transaction),
/// as is a file that cannot be read at all.
pub async fn import_file<P>(
    store: &Store,
    pack: &Pack,
    kind: ImportKind,
    year: Option<i32>,
    file: InputFile,
    actor: &str,
    progress: P,
) -> Result<ImportReport, AppError>
where
    P: FnMut(usize) + Send + 'static,
{
    let year = kind.check_year(year)?;
    let counties = Counties::from_pack(pack);
    let file_name = file.file_name.clone();
    let done = match kind {
        ImportKind::Registry(source) => {
            import_registry(store, counties, source, year, file, progress).await
        }
        ImportKind::List(list) => import_list(store, counties, list, file).await,
    };
    let (outcome, notes, rows_read) = match done {
        Ok(x) => x,
        Err(e) if e.is_input() || matches!(e, AppError::Ingest(_)) => {
            // The file could not be read at all: logged as refused, with its one error.
            log_unreadable(store, kind, year, &file_name, actor).await?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let report = ImportReport {
        file_name,
        kind,
        year,
        outcome,
        notes,
        rows_read,
    };
    store.log_import(&report.log_line(actor)).await?;
    Ok(report)
}

/// Logs an attempt whose file could not be read at all (or not even opened: a broken .xlsx, a
/// file too large), as refused with its one error; nothing of it is written.
pub async fn log_unreadable(
    store: &Store,
    kind: ImportKind,
    year: Option<i32>,
    file_name: &str,
    actor: &str,
) -> Result<(), AppError> {
    let line = NewLogLine {
        actor,
        source: kind.as_str(),
        year,
        file_name,
        outcome: LogOutcome::Refused,
        import_id: None,
        rows_read: 0,
        rows_new: 0,
        rows_updated: 0,
        rows_unchanged: 0,
        rows_refused: 1,
    };
    store.log_import(&line).await?;
    Ok(())
}

impl ImportReport {
    /// The import log's line for this report.
    fn log_line<'a>(&'a self, actor: &'a str) -> NewLogLine<'a> {
        let n = |x: u64| i64::try_from(x).unwrap_or(i64::MAX);
        let (outcome, import_id, counts, refused) = match &self.outcome {
            Outcome::Committed { id, counts } => (LogOutcome::Committed, Some(*id), *counts, 0),
            Outcome::Unchanged { counts } => (LogOutcome::Unchanged, None, *counts, 0),
            Outcome::Refused(e) => (
                LogOutcome::Refused,
                None,
                ImportCounts::default(),
                e.total(),
            ),
        };
        NewLogLine {
            actor,
            source: self.kind.as_str(),
            year: self.year,
            file_name: &self.file_name,
            outcome,
            import_id,
            rows_read: n(self.rows_read.max(counts.total)),
            rows_new: n(counts.new),
            rows_updated: n(counts.updated),
            rows_unchanged: n(counts.unchanged),
            rows_refused: n(refused),
        }
    }
}

/// The reader on its own thread hands chunks to the transaction as it goes.
async fn import_registry<P>(
    store: &Store,
    counties: Counties,
    source: Source,
    year: Option<i32>,
    file: InputFile,
    mut progress: P,
) -> Result<(Outcome, ReadNotes, u64), AppError>
where
    P: FnMut(usize) + Send + 'static,
{
    let meta = ImportMeta {
        source,
        year,
        file_name: file.file_name.clone(),
        file_sha256: file.sha256.clone(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Incoming>(4);
    let reader = std::thread::spawn(move || {
        let mut handed_on = 0usize;
        let report = read_records(&file, source, &counties, CHUNK, |chunk| {
            handed_on += chunk.len();
            let open = tx.blocking_send(Incoming::Rows(chunk)).is_ok();
            progress(handed_on);
            open
        });
        let valid = matches!(&report, Ok(r) if r.errors.is_empty());
        let _ = tx.blocking_send(Incoming::End { valid });
        report
    });
    let outcome = store.import(&meta, rx).await;
    let report = blocking(move || reader.join())
        .await?
        .map_err(|_| AppError::Task("读取文件的线程意外终止，未导入任何数据".into()))??;
    if !report.errors.is_empty() {
        return Ok((Outcome::Refused(report.errors), report.notes, report.rows));
    }
    Ok((outcome_of(outcome?)?, report.notes, report.rows))
}

async fn import_list(
    store: &Store,
    counties: Counties,
    list: ListSource,
    file: InputFile,
) -> Result<(Outcome, ReadNotes, u64), AppError> {
    let (file, read) = blocking(move || {
        let read = read_list(&file, list, &counties);
        (file, read)
    })
    .await?;
    let read = read?;
    if !read.report.errors.is_empty() {
        return Ok((
            Outcome::Refused(read.report.errors),
            read.report.notes,
            read.report.rows,
        ));
    }
    let meta = ListMeta {
        file_name: file.file_name.clone(),
        file_sha256: file.sha256.clone(),
        uscc_header: read.headers.first().cloned().unwrap_or_default(),
    };
    let outcome = outcome_of(store.import_list(&meta, &read.rows).await?)?;
    Ok((outcome, read.report.notes, read.report.rows))
}

fn outcome_of(o: ImportOutcome) -> Result<Outcome, AppError> {
    match o {
        ImportOutcome::Committed { id, counts } => Ok(Outcome::Committed { id, counts }),
        ImportOutcome::Unchanged { counts } => Ok(Outcome::Unchanged { counts }),
        ImportOutcome::Rejected(errors) => Ok(Outcome::Refused(Issues::from(errors))),
        // The reader reported no error but did not finish: nothing imported.
        ImportOutcome::InvalidInput => Err(AppError::invalid(
            "unreadable_file",
            "文件未能完整读取，未导入任何数据",
        )),
    }
}

/// One line of the import log as shown: time (Beijing), who, what (in Chinese), file, year, the
/// row counts (千分位) and the outcome (成功 / 被拒).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub at: String,
    /// The account's username, 命令行, or — for imports made before the log existed.
    pub actor: String,
    pub source: String,
    pub file_name: String,
    /// The year, or —.
    pub year: String,
    pub rows_read: String,
    pub rows_new: String,
    pub rows_updated: String,
    pub rows_unchanged: String,
    pub rows_refused: String,
    /// 成功, 成功（无变动）or 被拒.
    pub outcome: &'static str,
    pub refused: bool,
}

impl From<LogLine> for LogRow {
    fn from(l: LogLine) -> LogRow {
        let n = |x: i64| huiqi_domain::text::thousands(u64::try_from(x).unwrap_or(0));
        let outcome = LogOutcome::parse(&l.outcome);
        LogRow {
            at: (l.at + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            actor: if l.actor.is_empty() {
                "—".to_string()
            } else {
                l.actor
            },
            source: ImportKind::parse(&l.source).map_or(l.source, |k| k.label().to_string()),
            file_name: l.file_name,
            year: l.year.map_or("—".to_string(), |y| y.to_string()),
            rows_read: n(l.rows_read),
            rows_new: n(l.rows_new),
            rows_updated: n(l.rows_updated),
            rows_unchanged: n(l.rows_unchanged),
            rows_refused: n(l.rows_refused),
            outcome: match outcome {
                Some(LogOutcome::Committed) => "成功",
                Some(LogOutcome::Unchanged) => "成功（无变动）",
                Some(LogOutcome::Refused) | None => "被拒",
            },
            refused: !matches!(outcome, Some(LogOutcome::Committed | LogOutcome::Unchanged)),
        }
    }
}

/// A page of the import log, newest first, and how many lines there are in all: every import
/// attempt, from the web or the command line, committed, unchanged or refused.
pub async fn log_page(
    store: &Store,
    limit: i64,
    offset: i64,
) -> Result<(Vec<LogLine>, i64), AppError> {
    Ok(store.import_log(limit, offset).await?)
}

/// Opens a file on disk for [`import_file`].
pub fn open_file(path: &Path) -> Result<InputFile, AppError> {
    Ok(InputFile::open(path)?)
}

/// An uploaded file (its name as the person gave it, its bytes) for [`import_file`]: only `.csv`,
/// `.xlsx` and `.xls` are taken, read within the upload [`Limits`] (checked before anything is
/// allocated for it: a zip bomb or a cell at XFD1048576 is refused at once).
pub async fn open_upload(file_name: String, bytes: Vec<u8>) -> Result<InputFile, AppError> {
    if bytes.is_empty() {
        return Err(AppError::invalid(
            "no_file",
            "请选择要上传的文件（.xlsx 或 .csv）。",
        ));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::invalid(
            "file_too_large",
            format!("文件超过 {} MB。", MAX_FILE_BYTES / 1024 / 1024),
        ));
    }
    let ext = Path::new(&file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if !["csv", "xlsx", "xls"].contains(&ext.as_str()) {
        return Err(AppError::invalid(
            "bad_file_type",
            format!("文件“{file_name}”的类型不支持：请上传 .xlsx 或 .csv 文件。"),
        ));
    }
    blocking(move || {
        Ok(InputFile::from_bytes(
            &file_name,
            bytes,
            Limits::upload(MAX_FILE_BYTES as u64),
        )?)
    })
    .await?
}

/// The Excel template of a kind as bytes (a download), with its file name (`导入模板-税务数据.xlsx`).
pub fn template_download(pack: &Pack, kind: ImportKind) -> Result<(String, Vec<u8>), AppError> {
    let counties = Counties::from_pack(pack);
    let which = match kind {
        ImportKind::Registry(s) => Ok(s),
        ImportKind::List(l) => Err(l),
    };
    let bytes = huiqi_ingest::template_bytes(which, &counties)?;
    let name = kind.label().replace('/', "、");
    Ok((format!("导入模板-{name}.xlsx"), bytes))
}

/// Writes the Excel template of a kind (header row and a sheet explaining every column).
pub fn write_template(pack: &Pack, kind: ImportKind, path: &Path) -> Result<(), AppError> {
    let counties = Counties::from_pack(pack);
    match kind {
        ImportKind::Registry(s) => huiqi_ingest::write_template(s, &counties, path)?,
        ImportKind::List(l) => huiqi_ingest::write_list_template(l, &counties, path)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_required_refused_or_checked_by_kind() {
        let tax = ImportKind::Registry(Source::Tax);
        assert_eq!(tax.check_year(Some(2024)).unwrap(), Some(2024));
        assert!(
            tax.check_year(None)
                .unwrap_err()
                .to_string()
                .contains("按年度导入")
        );
        assert!(
            tax.check_year(Some(1999))
                .unwrap_err()
                .to_string()
                .contains("不合理")
        );
        let market = ImportKind::Registry(Source::Market);
        assert_eq!(market.check_year(None).unwrap(), None);
        assert!(market.check_year(Some(2024)).is_err());
        let list = ImportKind::List(ListSource::Trainings);
        assert!(list.check_year(Some(2024)).is_err());
        for k in ImportKind::all() {
            assert_eq!(ImportKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ImportKind::all().len(), 9);
    }
}

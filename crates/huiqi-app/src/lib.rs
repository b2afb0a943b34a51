//! huiqi's application layer: the use cases both front ends call. The command line (huiqi-cli)
//! and the web (huiqi-web) parse their input, call a function here, and render what it returns;
//! neither holds a rule of its own about what a use case does.
//!
//! * [`App`]: the store, the policy pack, the national rules and the date the pages use — what
//!   every use case needs — plus the in-memory helpers a long-running server keeps (the name
//!   index of the registry search, the facts of a year for the what-if).
//! * [`imports`]: a department's file or a list → checks → the registry → the outcome.
//! * [`matching`]: a matching run, push lists (and their .xlsx), run comparison, the auditor's
//!   lists, grants, one enterprise's benefits.
//! * [`whatif`]: the policy sandbox over the registry or over facts kept in memory.
//! * [`progress`]: the 调度表 (reports, allocations, the targets the registry computes), reports.
//! * [`accounts`]: roles and scopes, passwords, sessions, accounts (one role check for all).
//! * [`search`]: the registry search with its in-memory name index.
//! * [`registry`]: counts of the registry by county, kind and size class.
//! * [`assess`]: 督办 (task supervision, 督办单, published cases) and 考核 (the assessment of
//!   article 19 from live data, the what-if under another scheme, publication).
//! * [`cultivate`]: 梯队培育 — the candidate lists (小升规, 个转企, 科技型/创新型/专精特新) and one
//!   enterprise's standing against each standard.
//! * [`funds`]: the incentive-fund ledger of article 19 and its use report.
//! * [`files`]: uploaded files, one check for every area (type from the extension, content checked
//!   against its magic bytes, size), kept once in the shared file store; [`files::Download`].
//! * [`sheet`]: the one .xlsx writer of tables (title, date of the data, numbers with formats,
//!   totals), used by 为企服务 and 清欠.
//!
//! Architecture invariants: no SQL (the store), no HTTP (the web), no terminal (the CLI); errors
//! are [`AppError`], whose messages are Chinese and say what to do.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod arrears;
pub mod assess;
pub mod cultivate;
pub mod dossier;
pub mod files;
pub mod funds;
pub mod imports;
pub mod matching;
pub mod paging;
pub mod progress;
pub mod registry;
pub mod search;
pub mod service;
pub mod sheet;
pub mod whatif;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use huiqi_policy::Pack;
use huiqi_rules::Rules;

pub use huiqi_store::{Store, StoreError, redact_url};

/// Everything a use case needs, opened once.
pub struct App {
    pub store: Store,
    pub pack: Pack,
    pub rules: Rules,
    /// The date whose parameters (and whose year's facts) the enterprise pages use.
    pub at: NaiveDate,
    /// The name index of the registry search ([`search::NameIndex`]); starts empty.
    pub names: Arc<search::NameIndex>,
    /// The registry's facts of one year, kept for the what-if ([`whatif::PopulationCache`]).
    pub population: Arc<whatif::PopulationCache>,
}

/// Errors of the use cases. Messages are Chinese; [`AppError::code`] is a stable English code
/// for API clients.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input the use case cannot take as given: the message names it and says what to write.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// Something asked for does not exist.
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    /// Outside the viewer's role or scope.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ingest(#[from] huiqi_ingest::IngestError),
    #[error(transparent)]
    Rules(#[from] huiqi_rules::RulesError),
    #[error(transparent)]
    Match(#[from] huiqi_match::MatchError),
    #[error("政策包无法加载：{0}")]
    Pack(#[from] huiqi_policy::PackErrors),
    #[error("写出 Excel 文件失败：{0}")]
    Excel(#[from] rust_xlsxwriter::XlsxError),
    #[error("{context}：{source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// A background thread of the use case ended without an answer.
    #[error("后台任务意外终止：{0}")]
    Task(String),
}

impl AppError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            code,
            message: message.into(),
        }
    }

    /// A text or number beyond its limit (`huiqi_domain::limits`) as a 400 with `code`.
    pub fn limit(code: &'static str) -> impl FnOnce(huiqi_domain::limits::LimitError) -> AppError {
        move |e| AppError::invalid(code, e.0)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::NotFound {
            code,
            message: message.into(),
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> AppError {
        AppError::Io {
            context: context.into(),
            source,
        }
    }

    /// A stable code for API clients (`bad_period`, `not_found`, `forbidden`, `internal`, …).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { code, .. } | AppError::NotFound { code, .. } => code,
            AppError::Forbidden(_) => "forbidden",
            AppError::Match(huiqi_match::MatchError::Invalid(_)) => "invalid",
            AppError::Rules(huiqi_rules::RulesError::Parameter(_)) => "bad_parameter",
            AppError::Rules(huiqi_rules::RulesError::OutOfRange(_)) => "out_of_range",
            // A file that cannot be read (beyond a limit, damaged, no header…) is the caller's;
            // failing to write a template is ours.
            AppError::Ingest(huiqi_ingest::IngestError::Limit(_)) => "file_limit",
            AppError::Ingest(huiqi_ingest::IngestError::Template { .. }) => "internal",
            AppError::Ingest(_) => "bad_file",
            AppError::Store(StoreError::Invalid(_)) => "invalid",
            AppError::Store(StoreError::Refused(_)) => "refused",
            _ => "internal",
        }
    }

    /// Whether the error is the caller's input (else a fault of the system or its data).
    pub fn is_input(&self) -> bool {
        self.code() != "internal"
    }
}

impl From<huiqi_progress::ProgressError> for AppError {
    fn from(e: huiqi_progress::ProgressError) -> AppError {
        AppError::invalid("bad_period", e.to_string())
    }
}

impl From<huiqi_assess::Error> for AppError {
    fn from(e: huiqi_assess::Error) -> AppError {
        match e {
            huiqi_assess::Error::Data(e) => AppError::invalid("bad_data_file", e.to_string()),
            huiqi_assess::Error::Invalid(m) => AppError::invalid("invalid", m),
            refused => AppError::Store(StoreError::Refused(refused)),
        }
    }
}

impl App {
    pub fn new(store: Store, pack: Pack, rules: Rules, at: NaiveDate) -> App {
        App {
            store,
            pack,
            rules,
            at,
            names: Default::default(),
            population: Default::default(),
        }
    }

    /// The same app reading from `store`, a replica of this app's database
    /// ([`Store::connect_replica`]): same pack, rules and date, and the same in-memory name index
    /// and what-if facts (they describe one registry, whichever copy fills them).
    pub fn reading_from(&self, store: Store) -> App {
        App {
            store,
            pack: self.pack.clone(),
            rules: self.rules.clone(),
            at: self.at,
            names: Arc::clone(&self.names),
            population: Arc::clone(&self.population),
        }
    }

    /// Connects to the database (migrating it) with the built-in policy and rules. `at`
    /// defaults to 31 December of the registry's latest year of facts (or of this year).
    pub async fn open(url: &str, at: Option<NaiveDate>) -> Result<App, AppError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        let at = match at {
            Some(d) => d,
            None => default_date(&store).await?,
        };
        Ok(App::new(store, builtin_pack()?, Rules::builtin(), at))
    }

    /// A jurisdiction's name (`city` is 全市; an unknown id stays as it is).
    pub fn jurisdiction_name(&self, id: &str) -> String {
        jurisdiction_name(&self.pack, id)
    }

    /// Every jurisdiction as (id, name), in the pack's order (for a choice on a form).
    pub fn jurisdictions(&self) -> Vec<(String, String)> {
        self.pack
            .jurisdictions
            .iter()
            .map(|j| (j.id.clone(), j.name.clone()))
            .collect()
    }
}

/// A jurisdiction's name (`city` is 全市; an unknown id stays as it is).
pub fn jurisdiction_name(pack: &Pack, id: &str) -> String {
    if id == "city" {
        "全市".into()
    } else {
        pack.jurisdiction(id)
            .map_or_else(|| id.to_string(), |j| j.name.clone())
    }
}

/// 31 December of the registry's latest year of facts (this year's when it has none).
pub async fn default_date(store: &Store) -> Result<NaiveDate, AppError> {
    let year = store
        .fact_years()
        .await?
        .first()
        .copied()
        .unwrap_or_else(|| chrono::Datelike::year(&chrono::Local::now()));
    NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| AppError::invalid("bad_year", format!("年度 {year} 无效")))
}

/// The policy pack compiled into the binary.
pub fn builtin_pack() -> Result<Pack, AppError> {
    Ok(huiqi_policy::builtin::default_pack()?)
}

/// The national rules: the built-in pack, or the one in `dir` (its `*.yaml` files and
/// `tests/*.yaml`). A folder that cannot be read is an error naming it, never skipped.
pub fn load_rules(dir: Option<&Path>) -> Result<Rules, AppError> {
    let Some(dir) = dir else {
        return Ok(Rules::builtin());
    };
    let mut files = BTreeMap::new();
    for sub in ["", "tests"] {
        let d = dir.join(sub);
        if !sub.is_empty() && !d.exists() {
            continue; // a pack without test cases is still a pack
        }
        let entries = std::fs::read_dir(&d)
            .map_err(|e| AppError::io(format!("无法读取规则包目录 {}", d.display()), e))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| AppError::io(format!("无法读取目录 {}", d.display()), e))?;
            let p = entry.path();
            if p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| AppError::io(format!("无法读取 {}", p.display()), e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                };
                files.insert(rel, text);
            }
        }
    }
    Ok(Rules::from_files(&dir.display().to_string(), &files)?)
}

/// Runs blocking work (file reading, argon2, rayon evaluation) off the async runtime.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Task(e.to_string()))
}

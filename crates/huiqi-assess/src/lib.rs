//! 督办与考核 (articles 16–19 of the Lu'an policy), pure:
//!
//! - [`supervision`]: every task of the pack × responsible unit × jurisdiction, its reporting cycle
//!   (data, quarterly by default), report statuses (未启动/推进中/已完成/滞后) and the colour of a line
//!   (missing or late → yellow, then red);
//! - [`orders`]: the 督办单 and its states (issued → replied → closed, or returned for more work);
//! - [`scheme`]: the assessment scheme of article 19 as a versioned data file (indicators with
//!   weights and scoring rules, bands, award rules), strictly loaded;
//! - [`compute`]: a year's assessment from plain inputs, with a trace a person can recompute by hand,
//!   and awards that sum to the pool exactly to the fen (largest remainder);
//! - [`funds`]: the incentive-fund ledger rules (article 19's closed list of purposes, no spending
//!   beyond the balance, corrections only by reversing entries).
//!
//! Architecture invariant: no IO (the data files come in as text), no SQL, no terminal; money is
//! `rust_decimal::Decimal` 元 (integer fen only at the store's boundary); no floats.
#![forbid(unsafe_code)]

pub mod compute;
pub mod data;
pub mod demo;
pub mod funds;
pub mod money;
pub mod orders;
pub mod scheme;
pub mod supervision;

pub use data::{DataError, DataErrors};

/// The one error type of this crate. Messages are Chinese and say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A data file (scheme, supervision cycles) failed its checks: every problem with file, line, id.
    #[error(transparent)]
    Data(#[from] DataErrors),
    /// A ledger entry refused by the rules of article 19 (the message quotes the rule).
    #[error(transparent)]
    Funds(#[from] funds::FundsError),
    /// A 督办单 action that its current state does not allow.
    #[error(transparent)]
    Order(#[from] orders::OrderError),
    /// A reporting period or other value that cannot be read.
    #[error("{0}")]
    Invalid(String),
}

/// What [`check_files`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checked {
    pub supervision: Option<supervision::SupervisionConfig>,
    pub schemes: Vec<scheme::Scheme>,
}

/// Checks the files of a pack's `assess/` folder, given as (label for messages, file name, text):
/// `supervision.yaml` and `scheme-<year>.yaml` (whose `year` must match its name); any other
/// file is an error. Every problem of every file is reported.
pub fn check_files(
    files: &[(String, String, &str)],
    pack: &huiqi_policy::Pack,
) -> Result<Checked, DataErrors> {
    let mut out = Checked::default();
    let mut errors = Vec::new();
    for (label, name, text) in files {
        let year = name
            .strip_prefix("scheme-")
            .and_then(|r| r.strip_suffix(".yaml"))
            .and_then(|y| y.parse::<i32>().ok());
        let whole = |message: String| DataError {
            file: label.clone(),
            line: None,
            id: None,
            message,
        };
        if name == "supervision.yaml" {
            match supervision::SupervisionConfig::load(label, text, pack) {
                Ok(c) => out.supervision = Some(c),
                Err(e) => errors.extend(e.0),
            }
        } else if let Some(year) = year {
            match scheme::Scheme::load(label, text, pack) {
                Ok(s) if s.year != year => errors.push(whole(format!(
                    "文件名是 {name}，但方案的 year 是 {}：请让两者一致",
                    s.year
                ))),
                Ok(s) => out.schemes.push(s),
                Err(e) => errors.extend(e.0),
            }
        } else {
            errors.push(whole(format!(
                "未知文件 {name}：assess 目录只认 supervision.yaml 和 scheme-<年度>.yaml"
            )));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(DataErrors(errors))
    }
}

/// The data files of the packs built into the binary (`policies/<pack>/assess/`).
pub mod builtin {
    use huiqi_policy::Pack;

    use crate::DataErrors;
    use crate::data::DataError;
    use crate::scheme::Scheme;
    use crate::supervision::SupervisionConfig;

    /// The text of `policies/<pack>/assess/<file>`, with the label used in messages.
    pub fn file(pack: &str, file: &str) -> Option<(String, &'static str)> {
        let rel = format!("assess/{file}");
        huiqi_policy::builtin::tree(pack)
            .into_iter()
            .find(|(path, _)| *path == rel)
            .map(|(_, text)| (format!("内置:{pack}/{rel}"), text))
    }

    fn missing(pack: &str, file: &str) -> DataErrors {
        DataErrors(vec![DataError {
            file: format!("内置:{pack}/assess/{file}"),
            line: None,
            id: None,
            message: "政策包中没有这个文件".into(),
        }])
    }

    /// The supervision rules of a built-in pack.
    pub fn supervision(pack_name: &str, pack: &Pack) -> Result<SupervisionConfig, DataErrors> {
        let (label, text) = file(pack_name, "supervision.yaml")
            .ok_or_else(|| missing(pack_name, "supervision.yaml"))?;
        SupervisionConfig::load(&label, text, pack)
    }

    /// Every file under `policies/<pack>/assess/` of a built-in pack, as (label, name, text).
    pub fn files(pack: &str) -> Vec<(String, String, &'static str)> {
        huiqi_policy::builtin::tree(pack)
            .into_iter()
            .filter_map(|(path, text)| {
                let name = path.strip_prefix("assess/")?.to_string();
                Some((format!("内置:{pack}/{path}"), name, text))
            })
            .collect()
    }

    /// The assessment scheme of a year in a built-in pack (`scheme-<year>.yaml`).
    pub fn scheme(pack_name: &str, pack: &Pack, year: i32) -> Result<Scheme, DataErrors> {
        let name = format!("scheme-{year}.yaml");
        let (label, text) = file(pack_name, &name).ok_or_else(|| missing(pack_name, &name))?;
        Scheme::load(&label, text, pack)
    }
}

//! 清欠 (article 14 of the Lu'an policy: 严格执行《保障中小企业款项支付条例》), pure:
//!
//! - [`params`]: the regulation's versions (国务院令第728号 from 2020-09-01, 第802号 from 2025-06-01),
//!   the default interest rate, the complaint time limits and the 1-year LPR table, as dated data
//!   with the reference of every value (`policies/cn/arrears/parameters.yaml`);
//! - [`due`]: the due date of a payment by payer kind, delivery, acceptance (or the end of the
//!   agreed acceptance period when acceptance is delayed), periodic settlement and the agreed term
//!   (capped for 机关、事业单位), and the clauses the regulation forbids;
//! - [`interest`]: late interest (agreed rate ÷ 365, not below the LPR at signing, or 0.05% a day),
//!   rounded half-up to the fen once;
//! - [`cases`]: the YAML cases (`policies/cn/arrears/cases.yaml`) that pin every branch.
//!
//! Why a crate of its own and not a module of huiqi-rules: huiqi-rules evaluates one enterprise's
//! facts for one tax year against its measure table; a payment's due date and interest are a
//! different question (one contract, one payment) with their own parameters. Keeping them apart
//! leaves the measure table and its invariants (every measure a column of every run) untouched.
//!
//! Architecture invariant: no IO (the parameters arrive as text), no floats; money is `Decimal` 元.
#![forbid(unsafe_code)]

pub mod cases;
pub mod due;
pub mod interest;
pub mod league;
pub mod money;
pub mod params;
pub mod workflow;

pub use due::{Due, DueInput, Flag, due};
pub use interest::{Interest, InterestInput, interest};
pub use params::Params;

huiqi_domain::vocabulary! {
    /// 付款方类型（条例按此区分付款期限）。
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum PayerKind {
        Government = ("government", "机关"),
        PublicInstitution = ("public_institution", "事业单位"),
        LargeEnterprise = ("large_enterprise", "大型企业"),
        Other = ("other", "其他"),
    }
}

impl PayerKind {
    /// 机关、事业单位: the payers that must disclose their overdue payments by 31 March.
    pub fn is_public(self) -> bool {
        matches!(self, PayerKind::Government | PayerKind::PublicInstitution)
    }

    /// Parses an id or a label, or says which values are allowed.
    pub fn parse_or_explain(text: &str) -> Result<PayerKind, Error> {
        PayerKind::parse_any(text).ok_or_else(|| {
            Error::Input(format!(
                "付款方类型“{}”无法识别：可选 {}",
                huiqi_domain::text::quote(text),
                PayerKind::ids()
            ))
        })
    }
}

/// Serializes vocabularies as their stable text id (what files, URLs and JSON hold).
macro_rules! serialize_as_id {
    ($($t:ty),+) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )+};
}

serialize_as_id!(PayerKind, workflow::CaseState, league::GroupBy);

/// The one error type of this crate. Messages are Chinese and say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A value given by the user that cannot be used (the message names it).
    #[error("{0}")]
    Input(String),
    /// The parameters or cases file failed its checks.
    #[error("{0}")]
    Data(String),
}

#[cfg(test)]
mod tests;

//! The figures the registry can count per county: what 日常调度's computed targets are made of
//! (huiqi-progress says which target is which figure and how to describe it; huiqi-store has the
//! SQL of each).

use crate::lists::CertKind;

/// A figure counted per county in a window of dates or years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Enterprises registered in the window (`enterprises.registered_on`, 市场监管).
    Registrations,
    /// Certifications of a kind dated in the window, by the enterprise's county (认定名单).
    Certifications(CertKind),
    /// Training sessions held in the window (企业家培训台账).
    TrainingSessions,
    /// Attendees of those sessions.
    Trainees,
    /// 本年新增贷款 of the year(s), fen (金融).
    NewLoans,
    /// 首贷户 of the year(s) (金融).
    FirstLoanAccounts,
    /// 本年新增贷款 of the 首贷户 of the year(s), fen (金融).
    FirstLoanAmount,
}

impl Figure {
    /// Whether the figure is counted over whole years (the finance columns belong to a year)
    /// rather than between two dates.
    pub fn is_yearly(self) -> bool {
        matches!(
            self,
            Figure::NewLoans | Figure::FirstLoanAccounts | Figure::FirstLoanAmount
        )
    }

    /// Whether the figure is an amount in fen (else a count).
    pub fn is_money(self) -> bool {
        matches!(self, Figure::NewLoans | Figure::FirstLoanAmount)
    }
}

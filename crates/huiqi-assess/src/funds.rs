//! The incentive-fund ledger of article 19: awards credited per jurisdiction and year, spending
//! only on the article's closed list of purposes and never beyond the balance, corrections only by
//! reversing entries (never an update or a delete), and the own-funded support of jurisdictions
//! without an award recorded apart from it.
//!
//! The store keeps the entries (append-only) and calls [`check`] inside the transaction that
//! appends, so a refused entry leaves the ledger as it was.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::{to_fen, yuan};

/// The words of article 19 that bind the award.
pub const ARTICLE_19: &str = "第19条：“各县区获得的奖励奖补，仅限用于支持公共服务示范平台建设、企业创业辅导、企业家培训、支持专精特新企业发展和小微企业保费补贴等，不得挪作他用，未获得激励的县（区）需自行安排资金支持小微企业高质量发展。”";

huiqi_domain::vocabulary! {
    /// What awarded money may be spent on (article 19, a closed list); labels are the article's words.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Purpose {
        PublicServicePlatform = ("public_service_platform", "公共服务示范平台建设"),
        StartupCoaching = ("startup_coaching", "企业创业辅导"),
        EntrepreneurTraining = ("entrepreneur_training", "企业家培训"),
        ZjtxSupport = ("zjtx_support", "支持专精特新企业发展"),
        InsuranceSubsidy = ("insurance_subsidy", "小微企业保费补贴"),
    }
}

impl Purpose {
    /// An id or the article's words; anything else is refused quoting article 19.
    pub fn checked(s: &str) -> Result<Purpose, FundsError> {
        Purpose::parse_any(s).ok_or_else(|| FundsError::Purpose(s.trim().to_string()))
    }

    /// Its place in [`Purpose::ALL`] (the article's order).
    pub fn index(self) -> usize {
        self as usize
    }
}

huiqi_domain::vocabulary! {
    /// The kinds of ledger entry.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum EntryKind {
        /// The award of the assessment, credited.
        Award = ("award", "奖补入账"),
        /// Spending on one of the purposes.
        Spend = ("spend", "支出"),
        /// The exact opposite of one earlier entry (the only way to correct one).
        Reversal = ("reversal", "冲销"),
    }
}

/// A ledger entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub kind: EntryKind,
    pub date: NaiveDate,
    /// Always positive: the direction follows from the kind (and, for a reversal, the reversed kind).
    pub amount_fen: i64,
    /// A spend's purpose (and a reversed spend's, on its reversal).
    pub purpose: Option<Purpose>,
    /// The entry a reversal reverses.
    pub reverses: Option<i64>,
    /// For a reversal: the kind of the entry it reverses.
    pub reversed_kind: Option<EntryKind>,
}

impl Entry {
    /// The entry's effect on the balance, in fen.
    pub fn effect(&self) -> i64 {
        match (self.kind, self.reversed_kind) {
            (EntryKind::Award, _) => self.amount_fen,
            (EntryKind::Spend, _) => -self.amount_fen,
            (EntryKind::Reversal, Some(EntryKind::Award)) => -self.amount_fen,
            (EntryKind::Reversal, _) => self.amount_fen,
        }
    }
}

/// An entry asked for, before the rules have seen it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Award {
        date: NaiveDate,
        amount_fen: i64,
    },
    Spend {
        date: NaiveDate,
        amount_fen: i64,
        purpose: Purpose,
    },
    Reversal {
        date: NaiveDate,
        entry: i64,
        reason: String,
    },
}

/// What the store appends once [`check`] has accepted a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub kind: EntryKind,
    pub date: NaiveDate,
    pub amount_fen: i64,
    pub purpose: Option<Purpose>,
    pub reverses: Option<i64>,
    pub reversed_kind: Option<EntryKind>,
    /// The balance after this entry (never negative).
    pub balance_after_fen: i64,
}

/// A refusal of the ledger rules. Nothing is written when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FundsError {
    #[error("用途“{0}”不在第19条限定的范围内，不予记账。{ARTICLE_19} 可选用途：{list}", list = Purpose::ids())]
    Purpose(String),
    #[error("金额“{0}”无效：须大于 0、以元为单位、最多两位小数（如 120000 或 3500.50）")]
    Amount(String),
    #[error(
        "余额不足，不予记账：辖区 {jurisdiction} {year} 年度奖补资金余额 {balance} 元，本次支出 {amount} 元。奖补资金不得超出余额支出{hint}"
    )]
    Overdraw {
        jurisdiction: String,
        year: i32,
        balance: String,
        amount: String,
        hint: &'static str,
    },
    #[error(
        "辖区 {jurisdiction} {year} 年度已有奖补入账 {amount} 元（分录 {entry}）：同一年度只入账一次；如需更正，请先冲销该分录（huiqi funds reverse --entry {entry}）"
    )]
    AwardExists {
        jurisdiction: String,
        year: i32,
        entry: i64,
        amount: String,
    },
    #[error("支出日期 {date} 早于该笔奖补的入账日期 {award_date}：奖补入账之前不能支出")]
    SpendBeforeAward {
        date: NaiveDate,
        award_date: NaiveDate,
    },
    #[error("没有编号为 {0} 的资金分录（请用 huiqi funds ledger 查看分录编号）")]
    NoSuchEntry(i64),
    #[error("分录 {entry} 已于分录 {by} 冲销，不能再次冲销")]
    AlreadyReversed { entry: i64, by: i64 },
    #[error("分录 {0} 本身是冲销分录，不能再冲销；如冲销有误，请重新记一笔正确的分录")]
    ReverseReversal(i64),
    #[error("冲销奖补分录 {entry} 会使余额变为 {after} 元：请先冲销已用这笔奖补的支出，再冲销奖补")]
    ReversalOverdraws { entry: i64, after: String },
    #[error("{0}")]
    OutOfRange(String),
    #[error("冲销须写明原因（--reason）")]
    NoReason,
    #[error("自筹支持须写明项目名称（--project）")]
    NoProject,
}

/// Reads an amount of 元: positive, at most two decimals.
pub fn amount_fen(amount: Decimal) -> Result<i64, FundsError> {
    huiqi_domain::limits::check_money("金额", amount, false)
        .map_err(|e| FundsError::OutOfRange(e.0))?;
    match to_fen(amount) {
        Some(f) if f > 0 => Ok(f),
        _ => Err(FundsError::Amount(amount.to_string())),
    }
}

/// The balance of an account (one jurisdiction and year), in fen.
pub fn balance(entries: &[Entry]) -> i64 {
    entries.iter().map(Entry::effect).sum()
}

/// Decides whether a request may be appended to an account's entries (one jurisdiction and award
/// year, oldest first). On success, what to append; on refusal, why (nothing is to be written).
pub fn check(
    jurisdiction: &str,
    year: i32,
    entries: &[Entry],
    request: &Request,
) -> Result<Accepted, FundsError> {
    let bal = balance(entries);
    let reversed = |id: i64| {
        entries
            .iter()
            .find(|e| e.kind == EntryKind::Reversal && e.reverses == Some(id))
    };
    let active_award = entries
        .iter()
        .find(|e| e.kind == EntryKind::Award && reversed(e.id).is_none());
    match request {
        Request::Award { date, amount_fen } => {
            if *amount_fen <= 0 {
                return Err(FundsError::Amount(yuan(crate::money::from_fen(
                    *amount_fen,
                ))));
            }
            if let Some(a) = active_award {
                return Err(FundsError::AwardExists {
                    jurisdiction: jurisdiction.to_string(),
                    year,
                    entry: a.id,
                    amount: yuan(crate::money::from_fen(a.amount_fen)),
                });
            }
            Ok(Accepted {
                kind: EntryKind::Award,
                date: *date,
                amount_fen: *amount_fen,
                purpose: None,
                reverses: None,
                reversed_kind: None,
                balance_after_fen: bal + amount_fen,
            })
        }
        Request::Spend {
            date,
            amount_fen,
            purpose,
        } => {
            if *amount_fen <= 0 {
                return Err(FundsError::Amount(yuan(crate::money::from_fen(
                    *amount_fen,
                ))));
            }
            if *amount_fen > bal {
                return Err(FundsError::Overdraw {
                    jurisdiction: jurisdiction.to_string(),
                    year,
                    balance: yuan(crate::money::from_fen(bal)),
                    amount: yuan(crate::money::from_fen(*amount_fen)),
                    hint: if active_award.is_none() {
                        "。该辖区该年度没有奖补入账；未获得激励的县区自行安排的资金请记入自筹支持（huiqi funds own）"
                    } else {
                        ""
                    },
                });
            }
            if let Some(a) = active_award
                && *date < a.date
            {
                return Err(FundsError::SpendBeforeAward {
                    date: *date,
                    award_date: a.date,
                });
            }
            Ok(Accepted {
                kind: EntryKind::Spend,
                date: *date,
                amount_fen: *amount_fen,
                purpose: Some(*purpose),
                reverses: None,
                reversed_kind: None,
                balance_after_fen: bal - amount_fen,
            })
        }
        Request::Reversal {
            date,
            entry,
            reason,
        } => {
            if reason.trim().is_empty() {
                return Err(FundsError::NoReason);
            }
            let Some(target) = entries.iter().find(|e| e.id == *entry) else {
                return Err(FundsError::NoSuchEntry(*entry));
            };
            if target.kind == EntryKind::Reversal {
                return Err(FundsError::ReverseReversal(*entry));
            }
            if let Some(by) = reversed(*entry) {
                return Err(FundsError::AlreadyReversed {
                    entry: *entry,
                    by: by.id,
                });
            }
            let after = bal - target.effect();
            if after < 0 {
                return Err(FundsError::ReversalOverdraws {
                    entry: *entry,
                    after: yuan(crate::money::from_fen(after)),
                });
            }
            Ok(Accepted {
                kind: EntryKind::Reversal,
                date: *date,
                amount_fen: target.amount_fen,
                purpose: target.purpose,
                reverses: Some(*entry),
                reversed_kind: Some(target.kind),
                balance_after_fen: after,
            })
        }
    }
}

/// An account's totals: awarded and spent net of reversals, the balance, spending per purpose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub awarded_fen: i64,
    pub spent_fen: i64,
    pub balance_fen: i64,
    /// In the order of [`Purpose::ALL`].
    pub spent_by_purpose_fen: [i64; 5],
}

/// Sums an account's entries.
pub fn totals(entries: &[Entry]) -> Totals {
    let mut t = Totals::default();
    for e in entries {
        let kind = if e.kind == EntryKind::Reversal {
            e.reversed_kind
        } else {
            Some(e.kind)
        };
        let sign = if e.kind == EntryKind::Reversal { -1 } else { 1 };
        match kind {
            Some(EntryKind::Award) => t.awarded_fen += sign * e.amount_fen,
            Some(EntryKind::Spend) => {
                t.spent_fen += sign * e.amount_fen;
                if let Some(p) = e.purpose {
                    t.spent_by_purpose_fen[p.index()] += sign * e.amount_fen;
                }
            }
            _ => {}
        }
    }
    t.balance_fen = t.awarded_fen - t.spent_fen;
    t
}

/// An own-funded support entry (kept apart from the award ledger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnEntry {
    pub id: i64,
    pub amount_fen: i64,
    /// The entry this one reverses.
    pub reverses: Option<i64>,
}

/// Checks a new own-funded entry: a positive amount and a project.
pub fn check_own(amount_fen: i64, project: &str) -> Result<(), FundsError> {
    if amount_fen <= 0 {
        return Err(FundsError::Amount(yuan(crate::money::from_fen(amount_fen))));
    }
    if project.trim().is_empty() {
        return Err(FundsError::NoProject);
    }
    Ok(())
}

/// Checks the reversal of an own-funded entry among `entries` (the jurisdiction's, or all):
/// it exists, is not itself a reversal, and has not been reversed; returns the entry reversed.
pub fn check_own_reversal<'a>(
    entries: &'a [OwnEntry],
    entry: i64,
    reason: &str,
) -> Result<&'a OwnEntry, FundsError> {
    if reason.trim().is_empty() {
        return Err(FundsError::NoReason);
    }
    let target = entries
        .iter()
        .find(|e| e.id == entry)
        .ok_or(FundsError::NoSuchEntry(entry))?;
    if target.reverses.is_some() {
        return Err(FundsError::ReverseReversal(entry));
    }
    if let Some(by) = entries.iter().find(|e| e.reverses == Some(entry)) {
        return Err(FundsError::AlreadyReversed { entry, by: by.id });
    }
    Ok(target)
}

/// Own-funded support net of reversals, in fen.
pub fn own_total(entries: &[OwnEntry]) -> i64 {
    entries
        .iter()
        .map(|e| {
            if e.reverses.is_some() {
                -e.amount_fen
            } else {
                e.amount_fen
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Applies requests one by one as the store does, keeping the accepted ones.
    fn run(requests: &[Request]) -> (Vec<Entry>, Vec<Result<i64, FundsError>>) {
        let mut entries: Vec<Entry> = Vec::new();
        let mut results = Vec::new();
        for r in requests {
            match check("341502", 2023, &entries, r) {
                Ok(a) => {
                    let id = entries.len() as i64 + 1;
                    entries.push(Entry {
                        id,
                        kind: a.kind,
                        date: a.date,
                        amount_fen: a.amount_fen,
                        purpose: a.purpose,
                        reverses: a.reverses,
                        reversed_kind: a.reversed_kind,
                    });
                    assert_eq!(a.balance_after_fen, balance(&entries));
                    results.push(Ok(id));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        (entries, results)
    }

    fn award(f: i64) -> Request {
        Request::Award {
            date: day("2024-03-01"),
            amount_fen: f,
        }
    }
    fn spend(f: i64, p: Purpose) -> Request {
        Request::Spend {
            date: day("2024-04-01"),
            amount_fen: f,
            purpose: p,
        }
    }
    fn reverse(id: i64) -> Request {
        Request::Reversal {
            date: day("2024-05-01"),
            entry: id,
            reason: "金额录错".into(),
        }
    }

    #[test]
    fn purposes_are_a_closed_list_and_refusals_quote_article_19() {
        for (i, p) in Purpose::ALL.iter().copied().enumerate() {
            assert_eq!(Purpose::checked(p.as_str()), Ok(p));
            assert_eq!(Purpose::checked(p.label()), Ok(p));
            assert_eq!(p.index(), i);
        }
        let e = Purpose::checked("office_renovation").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("office_renovation"), "{msg}");
        assert!(
            msg.contains("不得挪作他用") && msg.contains("第19条"),
            "{msg}"
        );
        assert!(
            msg.contains("insurance_subsidy（小微企业保费补贴）"),
            "{msg}"
        );
        assert!(Purpose::checked("").is_err() && Purpose::checked("Zjtx_Support").is_err());
    }

    #[test]
    fn amounts_are_positive_fen() {
        assert_eq!(amount_fen("1200.5".parse().unwrap()), Ok(120050));
        assert!(amount_fen("0".parse().unwrap()).is_err());
        assert!(amount_fen("-1".parse().unwrap()).is_err());
        assert!(amount_fen("0.001".parse().unwrap()).is_err());
    }

    #[test]
    fn spending_within_the_balance_only() {
        let (entries, results) = run(&[
            spend(100, Purpose::StartupCoaching), // nothing awarded yet
            award(1_000_000),
            spend(600_000, Purpose::ZjtxSupport),
            spend(400_001, Purpose::InsuranceSubsidy), // one fen too much
            spend(400_000, Purpose::InsuranceSubsidy), // exactly the rest
            spend(1, Purpose::InsuranceSubsidy),
        ]);
        let Err(FundsError::Overdraw { hint, .. }) = &results[0] else {
            panic!("{:?}", results[0])
        };
        assert!(hint.contains("自筹"));
        assert!(matches!(results[3], Err(FundsError::Overdraw { .. })));
        assert!(
            results[3]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("4,000.00")
        );
        assert!(results[4].is_ok());
        assert!(matches!(results[5], Err(FundsError::Overdraw { .. })));
        let t = totals(&entries);
        assert_eq!(
            (t.awarded_fen, t.spent_fen, t.balance_fen),
            (1_000_000, 1_000_000, 0)
        );
        assert_eq!(t.spent_by_purpose_fen, [0, 0, 0, 600_000, 400_000]);
    }

    #[test]
    fn one_award_per_year_until_reversed() {
        let (entries, results) = run(&[award(500), award(700), reverse(1), award(700)]);
        assert!(matches!(
            results[1],
            Err(FundsError::AwardExists { entry: 1, .. })
        ));
        assert!(results[3].is_ok());
        assert_eq!(totals(&entries).awarded_fen, 700);
    }

    #[test]
    fn reversals_correct_and_are_final() {
        let (entries, results) = run(&[
            award(1000),
            spend(800, Purpose::EntrepreneurTraining),
            reverse(1), // would leave −800
            reverse(2),
            reverse(2),
            reverse(4),
            reverse(99),
            Request::Reversal {
                date: day("2024-05-01"),
                entry: 1,
                reason: "  ".into(),
            },
            reverse(1), // now possible: nothing spent
        ]);
        assert!(matches!(
            results[2],
            Err(FundsError::ReversalOverdraws { entry: 1, .. })
        ));
        assert_eq!(results[3], Ok(3));
        assert_eq!(
            results[4],
            Err(FundsError::AlreadyReversed { entry: 2, by: 3 })
        );
        // Entry 4 does not exist yet when asked (ids are of accepted entries only).
        assert_eq!(results[5], Err(FundsError::NoSuchEntry(4)));
        assert_eq!(results[6], Err(FundsError::NoSuchEntry(99)));
        assert_eq!(results[7], Err(FundsError::NoReason));
        assert_eq!(results[8], Ok(4));
        let again = check("341502", 2023, &entries, &reverse(4)).unwrap_err();
        assert_eq!(again, FundsError::ReverseReversal(4));
        let t = totals(&entries);
        assert_eq!(t, Totals::default());
    }

    #[test]
    fn no_spending_dated_before_the_award() {
        let (_, results) = run(&[
            award(1000),
            Request::Spend {
                date: day("2024-02-29"),
                amount_fen: 10,
                purpose: Purpose::StartupCoaching,
            },
        ]);
        assert!(matches!(
            results[1],
            Err(FundsError::SpendBeforeAward { .. })
        ));
    }

    fn request() -> impl Strategy<Value = Request> {
        prop_oneof![
            (1i64..2_000_000).prop_map(award),
            (1i64..1_500_000, 0usize..5).prop_map(|(f, p)| spend(f, Purpose::ALL[p])),
            (1i64..12).prop_map(reverse),
        ]
    }

    #[test]
    fn own_support_is_corrected_by_reversal_too() {
        let e = |id, amount_fen, reverses| OwnEntry {
            id,
            amount_fen,
            reverses,
        };
        let entries = [e(1, 500, None), e(2, 300, None), e(3, 300, Some(2))];
        assert_eq!(own_total(&entries), 500);
        assert_eq!(check_own_reversal(&entries, 1, "重复录入"), Ok(&entries[0]));
        assert_eq!(
            check_own_reversal(&entries, 2, "x"),
            Err(FundsError::AlreadyReversed { entry: 2, by: 3 })
        );
        assert_eq!(
            check_own_reversal(&entries, 3, "x"),
            Err(FundsError::ReverseReversal(3))
        );
        assert_eq!(
            check_own_reversal(&entries, 4, "x"),
            Err(FundsError::NoSuchEntry(4))
        );
        assert_eq!(
            check_own_reversal(&entries, 1, ""),
            Err(FundsError::NoReason)
        );
        assert_eq!(check_own(100, " "), Err(FundsError::NoProject));
        assert!(check_own(0, "x").is_err());
        assert!(check_own(1, "创业园运营补助").is_ok());
    }

    proptest! {
        /// Whatever is asked, in any order: the balance never goes negative, every accepted entry's
        /// balance is the running sum, and the totals agree with the balance.
        #[test]
        fn the_balance_never_goes_negative(requests in proptest::collection::vec(request(), 0..40)) {
            let (entries, _) = run(&requests);
            let mut running = 0;
            for e in &entries {
                running += e.effect();
                prop_assert!(running >= 0);
            }
            let t = totals(&entries);
            prop_assert_eq!(t.balance_fen, balance(&entries));
            prop_assert_eq!(t.spent_by_purpose_fen.iter().sum::<i64>(), t.spent_fen);
            prop_assert!(t.spent_fen <= t.awarded_fen);
        }
    }
}

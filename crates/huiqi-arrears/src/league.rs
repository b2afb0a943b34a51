//! From payment obligations to the figures that are published: the 31 March disclosure of every
//! 机关、事业单位 payer (count and amount of overdue payments in a year) and the payer league table
//! (UK/Australian-style buckets of days to pay, by count and by value; average days to pay;
//! interest owed), grouped by payer, supervising unit or county, with a trend by quarter.
//!
//! Conventions (said once, shown on the pages):
//! - one obligation is one contract's payment; it is paid when the payments reach its amount, on
//!   the day of the payment that reaches it; days to pay = that day − the day the term started
//!   (delivery, acceptance or settlement);
//! - an obligation is overdue in year Y when part of it was unpaid on its due date and that
//!   unpaid time (the day after the due date up to the day it was paid, or still) falls partly
//!   in Y; the amount disclosed is the part unpaid on the due date;
//! - interest owed is computed by [`crate::interest`] on each late payment and on what is still
//!   unpaid on the as-of date.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::{InterestInput, Params, PayerKind};

/// One contract's payment obligation, as the store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub contract_id: i64,
    pub payer_name: String,
    pub payer_uscc: String,
    pub payer_kind: PayerKind,
    /// The supervising unit's id (may be empty).
    pub supervising_unit: String,
    /// The jurisdiction's id.
    pub county: String,
    pub contract_date: NaiveDate,
    pub amount: Decimal,
    /// The day the term started.
    pub start: NaiveDate,
    /// `None`: no due date can be computed (no agreed term where the regulation sets none).
    pub due: Option<NaiveDate>,
    pub agreed_rate: Option<Decimal>,
    /// Payments (date, amount), in any order.
    pub payments: Vec<(NaiveDate, Decimal)>,
}

/// What an obligation comes to on an as-of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub paid: Decimal,
    pub outstanding: Decimal,
    /// The day the payments reached the amount, if they did by the as-of date.
    pub paid_in_full_on: Option<NaiveDate>,
    pub days_to_pay: Option<i64>,
    /// The part unpaid on the due date (0 when paid on time or no due date).
    pub late_amount: Decimal,
    /// Unpaid and past due on the as-of date.
    pub overdue_now: Decimal,
    pub overdue_days_now: i64,
    pub interest: Decimal,
}

/// The status of an obligation on `as_of` (payments after it are ignored).
pub fn status(params: &Params, o: &Obligation, as_of: NaiveDate) -> Status {
    let mut pays: Vec<(NaiveDate, Decimal)> = o
        .payments
        .iter()
        .copied()
        .filter(|(d, _)| *d <= as_of)
        .collect();
    pays.sort();
    let mut paid = Decimal::ZERO;
    let mut full = None;
    let mut paid_by_due = Decimal::ZERO;
    let mut interest = Decimal::ZERO;
    for &(d, a) in &pays {
        // Only what counts toward the amount (an overpayment is not a payment of this debt).
        let counted = a.min((o.amount - paid).max(Decimal::ZERO));
        paid += counted;
        if let Some(due) = o.due {
            if d <= due {
                paid_by_due += counted;
            } else if counted > Decimal::ZERO {
                interest += interest_on(params, o, counted, due, d);
            }
        }
        if full.is_none() && paid >= o.amount {
            full = Some(d);
        }
    }
    let outstanding = (o.amount - paid).max(Decimal::ZERO);
    let (overdue_now, overdue_days_now) = match o.due {
        Some(due) if as_of > due && outstanding > Decimal::ZERO => {
            interest += interest_on(params, o, outstanding, due, as_of);
            (outstanding, (as_of - due).num_days())
        }
        _ => (Decimal::ZERO, 0),
    };
    let late_amount = match o.due {
        Some(due) if as_of > due => (o.amount - paid_by_due).max(Decimal::ZERO),
        _ => Decimal::ZERO,
    };
    Status {
        paid,
        outstanding,
        paid_in_full_on: full,
        days_to_pay: full.map(|d| (d - o.start).num_days().max(0)),
        late_amount,
        overdue_now,
        overdue_days_now,
        interest,
    }
}

fn interest_on(
    params: &Params,
    o: &Obligation,
    amount: Decimal,
    due: NaiveDate,
    on: NaiveDate,
) -> Decimal {
    crate::interest(
        params,
        &InterestInput {
            amount: amount.round_dp(2),
            due,
            paid: on.max(o.contract_date),
            agreed_rate: o.agreed_rate,
            contract_date: o.contract_date,
            delivered: None,
        },
    )
    .map(|i| i.interest)
    .unwrap_or_default()
}

/// One payer's line of the disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisclosureRow {
    pub payer_name: String,
    pub payer_uscc: String,
    pub payer_kind: PayerKind,
    pub supervising_unit: String,
    pub county: String,
    /// Obligations overdue during the year.
    pub overdue_count: u32,
    /// Their amounts unpaid on their due dates.
    pub overdue_amount: Decimal,
    /// Of these, still unpaid at the end of the year.
    pub unpaid_at_year_end: Decimal,
}

/// The disclosure of `year` (published by 31 March of the next year): every 机关、事业单位 payer
/// with an obligation in the data, overdue or not (a payer with none overdue discloses zero),
/// sorted by amount overdue, largest first.
pub fn disclosure(params: &Params, obligations: &[Obligation], year: i32) -> Vec<DisclosureRow> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("a year");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("a year");
    let mut rows: BTreeMap<(String, String), DisclosureRow> = BTreeMap::new();
    for o in obligations
        .iter()
        .filter(|o| o.payer_kind.is_public() && o.contract_date <= last)
    {
        let row = rows
            .entry((o.payer_uscc.clone(), o.payer_name.clone()))
            .or_insert_with(|| DisclosureRow {
                payer_name: o.payer_name.clone(),
                payer_uscc: o.payer_uscc.clone(),
                payer_kind: o.payer_kind,
                supervising_unit: o.supervising_unit.clone(),
                county: o.county.clone(),
                overdue_count: 0,
                overdue_amount: Decimal::ZERO,
                unpaid_at_year_end: Decimal::ZERO,
            });
        let Some(due) = o.due else { continue };
        if due >= last {
            continue;
        }
        let s = status(params, o, last);
        if s.late_amount.is_zero() {
            continue;
        }
        // The unpaid time runs from the day after the due date to the day paid in full.
        let overdue_until = s.paid_in_full_on.unwrap_or(last);
        if overdue_until <= due || overdue_until < first {
            continue;
        }
        row.overdue_count += 1;
        row.overdue_amount += s.late_amount;
        row.unpaid_at_year_end += s.outstanding;
    }
    let mut out: Vec<DisclosureRow> = rows.into_values().collect();
    out.sort_by(|a, b| {
        b.overdue_amount
            .cmp(&a.overdue_amount)
            .then(b.overdue_count.cmp(&a.overdue_count))
            .then(a.payer_name.cmp(&b.payer_name))
    });
    out
}

huiqi_domain::vocabulary! {
    /// 排行榜的分组方式。
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum GroupBy {
        Payer = ("payer", "付款方"),
        SupervisingUnit = ("unit", "主管部门"),
        County = ("county", "县区"),
    }
}

/// The buckets of days to pay (UK: within 30, 31–60, 61+; Australia adds 61–90 and over 90).
pub const BUCKETS: [(&str, i64, i64); 4] = [
    ("30日内", 0, 30),
    ("31–60日", 31, 60),
    ("61–90日", 61, 90),
    ("90日以上", 91, i64::MAX),
];

/// One line of the league table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeagueRow {
    /// The payer's name, the unit id or the county id (the front end shows names).
    pub key: String,
    pub payer_kind: Option<PayerKind>,
    pub contracts: u32,
    pub paid_count: u32,
    pub paid_value: Decimal,
    /// Per bucket: count and value of obligations paid in full.
    pub bucket_count: [u32; 4],
    pub bucket_value: [Decimal; 4],
    /// Shares in percent (one decimal) by count and by value.
    pub bucket_share_count: [Decimal; 4],
    pub bucket_share_value: [Decimal; 4],
    /// Average days to pay of those paid in full (one decimal).
    pub average_days: Option<Decimal>,
    /// Paid after the due date, or past due and unpaid.
    pub late_count: u32,
    pub late_share_count: Decimal,
    pub overdue_now: Decimal,
    pub interest: Decimal,
}

fn share(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part * Decimal::ONE_HUNDRED / whole)
            .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
    }
}

fn key_of(o: &Obligation, by: GroupBy) -> String {
    match by {
        GroupBy::Payer => o.payer_name.clone(),
        GroupBy::SupervisingUnit => o.supervising_unit.clone(),
        GroupBy::County => o.county.clone(),
    }
}

/// The league table on `as_of`, slowest first (by average days to pay, then overdue amount).
pub fn league(
    params: &Params,
    obligations: &[Obligation],
    by: GroupBy,
    as_of: NaiveDate,
) -> Vec<LeagueRow> {
    let mut groups: BTreeMap<String, Vec<(&Obligation, Status)>> = BTreeMap::new();
    for o in obligations.iter().filter(|o| o.start <= as_of) {
        groups
            .entry(key_of(o, by))
            .or_default()
            .push((o, status(params, o, as_of)));
    }
    let mut out: Vec<LeagueRow> = groups
        .into_iter()
        .map(|(key, items)| row(key, by, &items))
        .collect();
    out.sort_by(|a, b| {
        b.average_days
            .cmp(&a.average_days)
            .then(b.overdue_now.cmp(&a.overdue_now))
            .then(a.key.cmp(&b.key))
    });
    out
}

fn row(key: String, by: GroupBy, items: &[(&Obligation, Status)]) -> LeagueRow {
    let mut r = LeagueRow {
        key,
        payer_kind: (by == GroupBy::Payer).then(|| items[0].0.payer_kind),
        contracts: items.len() as u32,
        paid_count: 0,
        paid_value: Decimal::ZERO,
        bucket_count: [0; 4],
        bucket_value: [Decimal::ZERO; 4],
        bucket_share_count: [Decimal::ZERO; 4],
        bucket_share_value: [Decimal::ZERO; 4],
        average_days: None,
        late_count: 0,
        late_share_count: Decimal::ZERO,
        overdue_now: Decimal::ZERO,
        interest: Decimal::ZERO,
    };
    let mut days_total = 0_i64;
    for (o, s) in items {
        if let Some(days) = s.days_to_pay {
            r.paid_count += 1;
            r.paid_value += o.amount;
            days_total += days;
            let b = BUCKETS
                .iter()
                .position(|&(_, lo, hi)| lo <= days && days <= hi)
                .unwrap_or(3);
            r.bucket_count[b] += 1;
            r.bucket_value[b] += o.amount;
        }
        if !s.late_amount.is_zero() {
            r.late_count += 1;
        }
        r.overdue_now += s.overdue_now;
        r.interest += s.interest;
    }
    for b in 0..4 {
        r.bucket_share_count[b] = share(
            Decimal::from(r.bucket_count[b]),
            Decimal::from(r.paid_count),
        );
        r.bucket_share_value[b] = share(r.bucket_value[b], r.paid_value);
    }
    if r.paid_count > 0 {
        r.average_days = Some(
            (Decimal::from(days_total) / Decimal::from(r.paid_count))
                .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero),
        );
    }
    r.late_share_count = share(Decimal::from(r.late_count), Decimal::from(r.contracts));
    r
}

/// One quarter of the trend: obligations paid in full in the quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarterRow {
    /// `2024-Q1`.
    pub quarter: String,
    pub paid_count: u32,
    pub average_days: Option<Decimal>,
    /// Share (percent, by count) paid within 30 days.
    pub within_30: Decimal,
    /// Share (percent, by count) paid after the due date.
    pub late_share: Decimal,
}

/// Days to pay by the quarter of full payment, oldest first.
pub fn trend(params: &Params, obligations: &[Obligation], as_of: NaiveDate) -> Vec<QuarterRow> {
    let mut q: BTreeMap<(i32, u32), (u32, i64, u32, u32)> = BTreeMap::new();
    for o in obligations {
        let s = status(params, o, as_of);
        let (Some(on), Some(days)) = (s.paid_in_full_on, s.days_to_pay) else {
            continue;
        };
        let e = q.entry((on.year(), (on.month() - 1) / 3 + 1)).or_default();
        e.0 += 1;
        e.1 += days;
        e.2 += u32::from(days <= 30);
        e.3 += u32::from(!s.late_amount.is_zero());
    }
    q.into_iter()
        .map(|((y, n), (count, days, within, late))| QuarterRow {
            quarter: format!("{y}-Q{n}"),
            paid_count: count,
            average_days: (count > 0).then(|| {
                (Decimal::from(days) / Decimal::from(count))
                    .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
            }),
            within_30: share(Decimal::from(within), Decimal::from(count)),
            late_share: share(Decimal::from(late), Decimal::from(count)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ob(
        id: i64,
        payer: &str,
        kind: PayerKind,
        amount: i64,
        start: &str,
        due: &str,
        pays: &[(&str, i64)],
    ) -> Obligation {
        Obligation {
            contract_id: id,
            payer_name: payer.into(),
            payer_uscc: format!("U{payer}"),
            payer_kind: kind,
            supervising_unit: "finance".into(),
            county: "341502".into(),
            contract_date: d("2023-12-01"),
            amount: Decimal::from(amount),
            start: d(start),
            due: Some(d(due)),
            agreed_rate: None,
            payments: pays
                .iter()
                .map(|&(p, a)| (d(p), Decimal::from(a)))
                .collect(),
        }
    }

    #[test]
    fn the_worked_example_as_an_obligation() {
        let p = Params::builtin();
        let o = ob(
            1,
            "甲局",
            PayerKind::Government,
            1_000_000,
            "2024-01-01",
            "2024-01-31",
            &[("2024-03-01", 1_000_000)],
        );
        let s = status(&p, &o, d("2024-12-31"));
        assert_eq!(s.interest, Decimal::new(1_500_000, 2));
        assert_eq!(s.days_to_pay, Some(60));
        assert_eq!(s.late_amount, Decimal::from(1_000_000));
        assert_eq!(s.outstanding, Decimal::ZERO);
        // Before the payment: unpaid, interest to the as-of date.
        let s = status(&p, &o, d("2024-02-10"));
        assert_eq!(s.overdue_now, Decimal::from(1_000_000));
        assert_eq!(s.overdue_days_now, 10);
        assert_eq!(s.interest, Decimal::new(500_000, 2));
    }

    #[test]
    fn disclosure_counts_what_was_overdue_in_the_year() {
        let p = Params::builtin();
        let obs = vec![
            // Paid late within 2024: overdue in 2024.
            ob(
                1,
                "甲局",
                PayerKind::Government,
                100,
                "2024-01-01",
                "2024-01-31",
                &[("2024-03-01", 100)],
            ),
            // Paid on time: not overdue, the payer still appears with zero.
            ob(
                2,
                "乙医院",
                PayerKind::PublicInstitution,
                200,
                "2024-01-01",
                "2024-01-31",
                &[("2024-01-20", 200)],
            ),
            // Half paid on time, half still unpaid at year end.
            ob(
                3,
                "甲局",
                PayerKind::Government,
                300,
                "2024-06-01",
                "2024-07-01",
                &[("2024-06-30", 150)],
            ),
            // A large enterprise is not in the disclosure.
            ob(
                4,
                "丙公司",
                PayerKind::LargeEnterprise,
                400,
                "2024-01-01",
                "2024-01-31",
                &[],
            ),
            // Overdue in 2023, paid in 2023: not in 2024's disclosure.
            ob(
                5,
                "甲局",
                PayerKind::Government,
                500,
                "2023-01-01",
                "2023-01-31",
                &[("2023-05-01", 500)],
            ),
            // Overdue since 2023, paid in 2024: in both years.
            ob(
                6,
                "乙医院",
                PayerKind::PublicInstitution,
                600,
                "2023-10-01",
                "2023-10-31",
                &[("2024-02-01", 600)],
            ),
        ];
        let rows = disclosure(&p, &obs, 2024);
        assert_eq!(rows.len(), 2);
        let jia = rows.iter().find(|r| r.payer_name == "甲局").unwrap();
        assert_eq!(
            (
                jia.overdue_count,
                jia.overdue_amount,
                jia.unpaid_at_year_end
            ),
            (2, Decimal::from(250), Decimal::from(150))
        );
        let yi = rows.iter().find(|r| r.payer_name == "乙医院").unwrap();
        assert_eq!(
            (yi.overdue_count, yi.overdue_amount),
            (1, Decimal::from(600))
        );
        let y2023 = disclosure(&p, &obs, 2023);
        let yi = y2023.iter().find(|r| r.payer_name == "乙医院").unwrap();
        assert_eq!(yi.overdue_count, 1);
        let jia = y2023.iter().find(|r| r.payer_name == "甲局").unwrap();
        assert_eq!(
            (jia.overdue_count, jia.overdue_amount),
            (1, Decimal::from(500))
        );
    }

    #[test]
    fn league_buckets_by_count_and_value() {
        let p = Params::builtin();
        let obs = vec![
            ob(
                1,
                "甲局",
                PayerKind::Government,
                100,
                "2024-01-01",
                "2024-01-31",
                &[("2024-01-20", 100)],
            ), // 19 days
            ob(
                2,
                "甲局",
                PayerKind::Government,
                300,
                "2024-01-01",
                "2024-01-31",
                &[("2024-03-01", 300)],
            ), // 60 days
            ob(
                3,
                "甲局",
                PayerKind::Government,
                600,
                "2024-01-01",
                "2024-01-31",
                &[("2024-05-01", 600)],
            ), // 121 days
            ob(
                4,
                "甲局",
                PayerKind::Government,
                1000,
                "2024-01-01",
                "2024-01-31",
                &[],
            ),
        ];
        let rows = league(&p, &obs, GroupBy::Payer, d("2024-06-30"));
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.contracts, 4);
        assert_eq!(r.paid_count, 3);
        assert_eq!(r.bucket_count, [1, 1, 0, 1]);
        assert_eq!(r.bucket_share_count[0], Decimal::new(333, 1));
        assert_eq!(
            r.bucket_share_value,
            [
                Decimal::new(100, 1),
                Decimal::new(300, 1),
                Decimal::ZERO,
                Decimal::new(600, 1)
            ]
        );
        assert_eq!(r.average_days, Some(Decimal::new(667, 1)));
        assert_eq!(r.late_count, 3);
        assert_eq!(r.overdue_now, Decimal::from(1000));
        // 300 × 0.0005 × 30 + 600 × 0.0005 × 91 + 1000 × 0.0005 × 151 = 4.5 + 27.3 + 75.5
        assert_eq!(r.interest, Decimal::new(10730, 2));
        let t = trend(&p, &obs, d("2024-06-30"));
        assert_eq!(
            t.iter().map(|q| q.quarter.as_str()).collect::<Vec<_>>(),
            ["2024-Q1", "2024-Q2"]
        );
        assert_eq!(t[0].paid_count, 2);
        assert_eq!(t[0].within_30, Decimal::new(500, 1));
    }
}

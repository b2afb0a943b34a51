//! A believable year of monthly reports for all jurisdictions, deterministic, so the
//! dashboard shows a real picture on first start: some ahead, some behind, one that
//! reports late every month and one that skipped a month.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use huiqi_policy::{MeasureUnit, Pack, Period};
use rust_decimal::Decimal;

use crate::{Month, default_share};

/// A report as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub target: String,
    pub jurisdiction: String,
    pub month: Month,
    /// Year-to-date (each-year targets), since the start (cumulative) or the level reached (by-date).
    pub value: Decimal,
    pub note: String,
    pub attachment: Option<String>,
    pub reporter: String,
    pub reported_at: chrono::DateTime<Utc>,
}

/// Pace of each jurisdiction in per mille of its share by year end (deterministic).
fn pace(j: usize) -> i64 {
    [1150, 1040, 980, 900, 1010, 760, 620, 1080][j % 8]
}

/// A small deterministic wobble in per mille, from the indexes.
fn wobble(a: usize, b: usize, c: u32) -> i64 {
    let h = (a as u64 * 2_654_435_761 + b as u64 * 40_503 + c as u64 * 97) % 61;
    h as i64 - 30
}

/// The reports of `year`, months January through `upto`, for every target and jurisdiction.
pub fn reports(pack: &Pack, year: i32, upto: u32) -> Vec<Report> {
    let n = pack.jurisdictions.len();
    let mut out = Vec::new();
    for (ti, t) in pack.targets.iter().enumerate() {
        let share = default_share(t, n);
        for (ji, j) in pack.jurisdictions.iter().enumerate() {
            for m in 1..=upto {
                // 舒城县 (index 4) skipped June; 金寨县 (index 5) always reports on the 12th (late).
                if ji == 4 && m == 6 {
                    continue;
                }
                let month = Month { year, month: m };
                let per_mille = pace(ji) + wobble(ti, ji, m);
                let value = match (&t.period, t.unit()) {
                    (Period::ByDate { .. }, MeasureUnit::Percent) => {
                        // A level that climbs from 80% of the target toward pace × target.
                        let start = Decimal::new(800, 3);
                        let end = Decimal::new(per_mille, 3);
                        (t.value * (start + (end - start) * Decimal::from(m) / Decimal::from(12)))
                            .round_dp(2)
                    }
                    _ => {
                        let frac =
                            Decimal::new(per_mille, 3) * Decimal::from(m) / Decimal::from(12);
                        let v = share * frac;
                        if matches!(
                            t.unit(),
                            MeasureUnit::YiYuan | MeasureUnit::WanYuan | MeasureUnit::Yuan
                        ) {
                            v.round_dp(2)
                        } else {
                            v.round()
                        }
                    }
                };
                let day = if ji == 5 { 12 } else { 3 + (ji as u32 % 3) };
                let next = month.next();
                let date = NaiveDate::from_ymd_opt(next.year, next.month, day).expect("valid day");
                out.push(Report {
                    target: t.id.clone(),
                    jurisdiction: j.id.clone(),
                    month,
                    value,
                    note: format!("{}{}月报送", j.name, m),
                    attachment: (m % 3 == 0).then(|| format!("{}-{}-{}.xlsx", j.id, t.id, month)),
                    reporter: format!("{}专班联络员", j.name),
                    reported_at: Utc.from_utc_datetime(
                        &date.and_time(NaiveTime::from_hms_opt(9, 30, 0).expect("time")),
                    ),
                });
            }
        }
    }
    out
}

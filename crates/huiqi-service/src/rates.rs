//! The rates of the 清单, from counts the store adds up (per unit, county, category or month).
//! Each rate says how it is computed; a rate over nothing is `None` ("no data yet"), never 0 or 100%.
//!
//! The base of 办结率 and 解决率 is the same, the problems taken in (duplicates not counted twice):
//! 办结 = the handler replied or closed with a reason; 解决 = the enterprise confirmed, or did not
//! answer within the confirmation window. So 解决率 ≤ 办结率 always, and the gap is visible.

use rust_decimal::Decimal;
use serde::Serialize;

/// Counts over a set of problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    /// Taken in, duplicates excluded.
    pub received: i64,
    /// 办结 (replied or closed with a reason), at least once.
    pub done: i64,
    /// 解决.
    pub resolved: i64,
    /// 办结 on or before the deadline.
    pub done_on_time: i64,
    /// Working days from intake to the first 办结, summed over `done`.
    pub done_workdays: i64,
    /// Reopened by the enterprise.
    pub reopened: i64,
    /// Rated.
    pub rated: i64,
    /// Sum of the ratings.
    pub rating_sum: i64,
    /// Rated 4 or 5.
    pub satisfied: i64,
    /// Still open.
    pub open: i64,
    /// Open and past the deadline today.
    pub overdue: i64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.received += o.received;
        self.done += o.done;
        self.resolved += o.resolved;
        self.done_on_time += o.done_on_time;
        self.done_workdays += o.done_workdays;
        self.reopened += o.reopened;
        self.rated += o.rated;
        self.rating_sum += o.rating_sum;
        self.satisfied += o.satisfied;
        self.open += o.open;
        self.overdue += o.overdue;
    }

    /// `self − o`, field by field (what a change of a problem takes away from its group).
    pub fn minus(&self, o: &Counts) -> Counts {
        Counts {
            received: self.received - o.received,
            done: self.done - o.done,
            resolved: self.resolved - o.resolved,
            done_on_time: self.done_on_time - o.done_on_time,
            done_workdays: self.done_workdays - o.done_workdays,
            reopened: self.reopened - o.reopened,
            rated: self.rated - o.rated,
            rating_sum: self.rating_sum - o.rating_sum,
            satisfied: self.satisfied - o.satisfied,
            open: self.open - o.open,
            overdue: self.overdue - o.overdue,
        }
    }
}

/// One rate: numerator, denominator and the value (4 decimals), with what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rate {
    pub name: &'static str,
    pub numerator: i64,
    pub denominator: i64,
    pub value: Option<Decimal>,
    /// How it is computed, in Chinese.
    pub how: &'static str,
}

impl Rate {
    fn of(name: &'static str, n: i64, d: i64, how: &'static str) -> Rate {
        Rate {
            name,
            numerator: n,
            denominator: d,
            value: (d > 0).then(|| (Decimal::from(n) / Decimal::from(d)).round_dp(4)),
            how,
        }
    }

    /// The value as a percentage with one decimal, or “暂无数据”.
    pub fn percent(&self) -> String {
        match self.value {
            Some(v) => format!("{}%", (v * Decimal::from(100)).round_dp(1)),
            None => "暂无数据".into(),
        }
    }
}

/// The rates of a set of problems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rates {
    pub done: Rate,
    pub resolved: Rate,
    pub on_time: Rate,
    pub reopened: Rate,
    pub satisfied: Rate,
    /// Average working days from intake to 办结 (2 decimals).
    pub avg_workdays: Option<Decimal>,
    /// Average rating 1–5 (2 decimals).
    pub avg_rating: Option<Decimal>,
}

pub fn rates(c: &Counts) -> Rates {
    Rates {
        done: Rate::of(
            "办结率",
            c.done,
            c.received,
            "办结数 ÷ 受理数（重复件不计）",
        ),
        resolved: Rate::of(
            "解决率",
            c.resolved,
            c.received,
            "解决数（企业确认，或答复后 5 个工作日未确认）÷ 受理数",
        ),
        on_time: Rate::of(
            "按时办结率",
            c.done_on_time,
            c.done,
            "期限内办结数 ÷ 办结数（期限按工作日计，含批准的延期）",
        ),
        reopened: Rate::of("重办率", c.reopened, c.done, "企业不满意重办数 ÷ 办结数"),
        satisfied: Rate::of("满意率", c.satisfied, c.rated, "评 4–5 分数 ÷ 评价数"),
        avg_workdays: (c.done > 0)
            .then(|| (Decimal::from(c.done_workdays) / Decimal::from(c.done)).round_dp(2)),
        avg_rating: (c.rated > 0)
            .then(|| (Decimal::from(c.rating_sum) / Decimal::from(c.rated)).round_dp(2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_from_counts() {
        let c = Counts {
            received: 200,
            done: 190,
            resolved: 170,
            done_on_time: 171,
            done_workdays: 570,
            reopened: 9,
            rated: 100,
            rating_sum: 430,
            satisfied: 88,
            open: 10,
            overdue: 2,
        };
        let r = rates(&c);
        assert_eq!(r.done.value, Some(Decimal::new(95, 2)));
        assert_eq!(r.resolved.value, Some(Decimal::new(85, 2)));
        assert_eq!(r.on_time.value, Some(Decimal::new(9, 1)));
        assert_eq!(r.on_time.percent(), "90.0%");
        assert_eq!(r.reopened.value, Some(Decimal::new(474, 4)));
        assert_eq!(r.satisfied.value, Some(Decimal::new(88, 2)));
        assert_eq!(r.avg_workdays, Some(Decimal::from(3)));
        assert_eq!(r.avg_rating, Some(Decimal::new(430, 2)));
        let empty = rates(&Counts::default());
        assert_eq!(empty.done.value, None);
        assert_eq!(empty.done.percent(), "暂无数据");
        assert_eq!(empty.avg_rating, None);
    }
}

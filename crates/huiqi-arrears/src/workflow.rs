//! A complaint's case: its states (投诉 → 核实 → 受理 → 交办 → 劝告指导 → 约谈 → 主动执法 → 清偿 →
//! 销号, or 不予受理), the one transition table, and the time limits of the regulation on the
//! working-day calendar (hand on within 10 working days; handle within 30 days, 90 at most).

use chrono::NaiveDate;
use huiqi_calendar::Calendar;
use serde::Serialize;

use crate::Error;
use crate::due::add;
use crate::params::Params;

huiqi_domain::vocabulary! {
    /// 投诉案件的状态（每一步记日期、单位与说明）。
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum CaseState {
        Complained = ("complained", "投诉"),
        Verified = ("verified", "核实"),
        Accepted = ("accepted", "受理"),
        HandedOn = ("handed_on", "交办"),
        Advised = ("advised", "劝告指导"),
        Interviewed = ("interviewed", "约谈"),
        Enforced = ("enforced", "主动执法"),
        Paid = ("paid", "清偿"),
        Closed = ("closed", "销号"),
        Rejected = ("rejected", "不予受理"),
    }
}

impl CaseState {
    /// The states a case may move to from this one (the one transition table).
    pub fn next(self) -> &'static [CaseState] {
        use CaseState::*;
        match self {
            Complained => &[Verified, Rejected],
            Verified => &[Accepted, Rejected],
            Accepted => &[HandedOn],
            HandedOn => &[Advised, Interviewed, Enforced, Paid],
            Advised => &[Interviewed, Enforced, Paid],
            Interviewed => &[Enforced, Paid],
            Enforced => &[Paid],
            Paid => &[Closed],
            Closed | Rejected => &[],
        }
    }

    /// A case still to be worked on.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Closed | CaseState::Rejected)
    }

    /// Handed on and not yet paid: the 30-day (90 at most) handling limit runs.
    pub fn is_handling(self) -> bool {
        matches!(
            self,
            CaseState::HandedOn | CaseState::Advised | CaseState::Interviewed | CaseState::Enforced
        )
    }
}

/// A step to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<'a> {
    pub to: CaseState,
    pub on: NaiveDate,
    /// The unit that took the step (经信局, the supervising unit, the county …).
    pub unit: &'a str,
    pub note: &'a str,
}

/// Checks a step against the current state and the date of the last step.
pub fn check_step(from: CaseState, last_on: NaiveDate, step: &Step<'_>) -> Result<(), Error> {
    if !from.next().contains(&step.to) {
        let allowed = from
            .next()
            .iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join("、");
        return Err(Error::Input(if allowed.is_empty() {
            format!("案件已{}，不能再{}", from.label(), step.to.label())
        } else {
            format!(
                "案件当前为“{}”，不能直接{}：下一步可为 {allowed}",
                from.label(),
                step.to.label()
            )
        }));
    }
    if step.on < last_on {
        return Err(Error::Input(format!(
            "{}日期 {} 早于上一步（{}）的日期 {last_on}：请核对日期",
            step.to.label(),
            step.on,
            from.label()
        )));
    }
    if step.unit.trim().is_empty() {
        return Err(Error::Input(format!("请填写办理{}的单位", step.to.label())));
    }
    if matches!(step.to, CaseState::Rejected | CaseState::Closed) && step.note.trim().is_empty() {
        return Err(Error::Input(format!(
            "{}须写明理由（说明）",
            step.to.label()
        )));
    }
    if step.note.chars().count() > 2000 {
        return Err(Error::Input("说明不能超过 2000 字".into()));
    }
    Ok(())
}

/// The time limits of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// 交办 by this day (10 working days after the complaint).
    pub hand_on_by: NaiveDate,
    /// 办结 by this day (30 days after 交办), when handed on.
    pub handle_by: Option<NaiveDate>,
    /// The outer limit (90 days after 交办).
    pub handle_max: Option<NaiveDate>,
    /// How each was counted, with references.
    pub trace: Vec<String>,
}

/// The time limits from the complaint date and the hand-on date.
pub fn deadlines(
    params: &Params,
    calendar: &Calendar,
    complained_on: NaiveDate,
    handed_on: Option<NaiveDate>,
) -> Result<Deadlines, Error> {
    let c = &params.complaints;
    let n = c.hand_on_workdays.value.unwrap_or(10);
    let (hand_on_by, why) = calendar
        .explain_add_workdays(complained_on, n)
        .map_err(|e| Error::Input(format!("无法计算交办期限：{e}")))?;
    let mut trace = vec![format!(
        "交办期限：投诉日 {complained_on} 后第 {n} 个工作日 {hand_on_by}（{}）；{why}",
        c.hand_on_workdays.cite()
    )];
    let (handle_by, handle_max) = match handed_on {
        Some(h) => {
            let d = c.handle_days.value.unwrap_or(30);
            let m = c.handle_max_days.value.unwrap_or(90);
            let by = add(h, d)?;
            let max = add(h, m)?;
            trace.push(format!(
                "办理期限：交办日 {h} 起 {d} 日，至 {by}（{}）；最长 {m} 日，至 {max}（{}）",
                c.handle_days.cite(),
                c.handle_max_days.cite()
            ));
            (Some(by), Some(max))
        }
        None => (None, None),
    };
    Ok(Deadlines {
        hand_on_by,
        handle_by,
        handle_max,
        trace,
    })
}

/// Why a case is overdue on `today` (and so goes up to the working group), if it is.
pub fn overdue(state: CaseState, d: &Deadlines, today: NaiveDate) -> Option<String> {
    if matches!(
        state,
        CaseState::Complained | CaseState::Verified | CaseState::Accepted
    ) && today > d.hand_on_by
    {
        return Some(format!("逾期未交办（期限 {}）", d.hand_on_by));
    }
    if state.is_handling() {
        if let Some(max) = d.handle_max
            && today > max
        {
            return Some(format!("超过最长办理期限（{max}）"));
        }
        if let Some(by) = d.handle_by
            && today > by
        {
            return Some(format!("超过 30 日办理期限（{by}）"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_state_by_every_target() {
        // The whole table: exactly the listed moves pass; 销号 and 不予受理 end a case.
        for &from in CaseState::ALL {
            for &to in CaseState::ALL {
                let r = check_step(
                    from,
                    d("2024-01-01"),
                    &Step {
                        to,
                        on: d("2024-01-02"),
                        unit: "市经信局",
                        note: "理由",
                    },
                );
                assert_eq!(r.is_ok(), from.next().contains(&to), "{from:?} → {to:?}");
            }
        }
        assert!(!CaseState::Closed.is_open() && !CaseState::Rejected.is_open());
        let e = check_step(
            CaseState::Complained,
            d("2024-01-01"),
            &Step {
                to: CaseState::Paid,
                on: d("2024-01-02"),
                unit: "x",
                note: "",
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("下一步可为 核实、不予受理"), "{e}");
    }

    #[test]
    fn a_step_before_the_last_or_without_unit_is_refused() {
        let s = |on, unit, note| Step {
            to: CaseState::Verified,
            on,
            unit,
            note,
        };
        assert!(
            check_step(
                CaseState::Complained,
                d("2024-01-05"),
                &s(d("2024-01-04"), "u", "")
            )
            .is_err()
        );
        assert!(
            check_step(
                CaseState::Complained,
                d("2024-01-05"),
                &s(d("2024-01-05"), " ", "")
            )
            .is_err()
        );
        let close = Step {
            to: CaseState::Closed,
            on: d("2024-01-05"),
            unit: "u",
            note: "",
        };
        assert!(check_step(CaseState::Paid, d("2024-01-05"), &close).is_err());
    }

    #[test]
    fn deadlines_on_the_working_day_calendar() {
        let p = Params::builtin();
        let cal = Calendar::builtin();
        // Complaint on Friday 2024-02-09: 春节 2024-02-10..17 off, Sunday 02-18 worked.
        let dl = deadlines(&p, &cal, d("2024-02-09"), Some(d("2024-03-01"))).unwrap();
        // Working days after 02-09: 02-18, 19, 20, 21, 22, 23, 26, 27, 28, 29 → the 10th is 02-29.
        assert_eq!(dl.hand_on_by, d("2024-02-29"));
        assert_eq!(dl.handle_by, Some(d("2024-03-31")));
        assert_eq!(dl.handle_max, Some(d("2024-05-30")));
        assert!(dl.trace[0].contains("第二十五条"), "{:?}", dl.trace);
        assert_eq!(overdue(CaseState::Accepted, &dl, d("2024-02-29")), None);
        assert!(
            overdue(CaseState::Accepted, &dl, d("2024-03-01"))
                .unwrap()
                .contains("逾期未交办")
        );
        assert!(
            overdue(CaseState::Advised, &dl, d("2024-04-01"))
                .unwrap()
                .contains("30 日")
        );
        assert!(
            overdue(CaseState::Enforced, &dl, d("2024-05-31"))
                .unwrap()
                .contains("最长")
        );
        assert_eq!(overdue(CaseState::Paid, &dl, d("2024-12-31")), None);
        // A year without calendar data is an error, not a guess.
        assert!(deadlines(&p, &cal, d("2035-01-02"), None).is_err());
    }
}

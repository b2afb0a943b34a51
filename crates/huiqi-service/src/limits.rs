//! Time limits in working days (huiqi-calendar): the deadline of a reply, its colour on a day
//! (reminded one working day before, red when overdue), the working days a reply took, and the
//! confirmation and reopening windows. A day in a year without calendar data is an error, never a
//! guess.

use chrono::NaiveDate;
use huiqi_calendar::{Calendar, CalendarError};
use serde::Serialize;

huiqi_domain::vocabulary! {
    /// How an open problem stands against its deadline.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Due {
        Green = ("green", "正常"),
        /// The deadline is within the reminder window (提醒).
        Yellow = ("yellow", "临期"),
        /// Past the deadline: the unit's head and the working group are told.
        Red = ("red", "逾期"),
    }
}

/// The deadline of a reply: the `limit + extension`-th working day after the day of intake.
pub fn deadline(
    cal: &Calendar,
    received_on: NaiveDate,
    limit_workdays: u32,
    extension_workdays: u32,
) -> Result<NaiveDate, CalendarError> {
    cal.add_workdays(received_on, limit_workdays + extension_workdays)
}

/// The colour of an open problem on `today`: red after the deadline, yellow when the deadline is
/// within `remind_before` working days (today included), green otherwise.
pub fn due_on(
    cal: &Calendar,
    deadline: NaiveDate,
    today: NaiveDate,
    remind_before: u32,
) -> Result<Due, CalendarError> {
    if today > deadline {
        return Ok(Due::Red);
    }
    if remind_before == 0 {
        return Ok(if today == deadline {
            Due::Yellow
        } else {
            Due::Green
        });
    }
    let remind_from = cal.add_workdays(today, remind_before)?;
    Ok(if deadline <= remind_from {
        Due::Yellow
    } else {
        Due::Green
    })
}

/// Working days from the day of intake to the day of a reply (0 when answered the same day).
pub fn workdays_taken(
    cal: &Calendar,
    received_on: NaiveDate,
    done_on: NaiveDate,
) -> Result<u32, CalendarError> {
    if done_on <= received_on {
        return Ok(0);
    }
    cal.workdays_between(received_on, done_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn deadlines_skip_holidays_and_count_adjusted_workdays() {
        let cal = Calendar::builtin();
        // 2024-09-30 (Mon) + 1 working day: National Day 10-01..10-07 off, so 10-08.
        assert_eq!(
            deadline(&cal, d("2024-09-30"), 1, 0).unwrap(),
            d("2024-10-08")
        );
        // 2025-01-24 (Fri) + 5: 01-26 (Sun) is worked, 01-28..02-04 off.
        assert_eq!(
            deadline(&cal, d("2025-01-24"), 5, 0).unwrap(),
            d("2025-02-07")
        );
        // Extension adds working days.
        assert_eq!(
            deadline(&cal, d("2026-03-02"), 5, 5).unwrap(),
            d("2026-03-16")
        );
        // No data for the year: an error, never a guess.
        assert!(deadline(&cal, d("2031-03-03"), 5, 0).is_err());
    }

    #[test]
    fn colours_and_reminders() {
        let cal = Calendar::builtin();
        let dl = d("2026-03-06"); // Friday
        assert_eq!(due_on(&cal, dl, d("2026-03-04"), 1).unwrap(), Due::Green);
        assert_eq!(due_on(&cal, dl, d("2026-03-05"), 1).unwrap(), Due::Yellow);
        assert_eq!(due_on(&cal, dl, dl, 1).unwrap(), Due::Yellow);
        assert_eq!(due_on(&cal, dl, d("2026-03-07"), 1).unwrap(), Due::Red);
        // The working day before a Monday deadline is the Friday.
        let monday = d("2026-03-09");
        assert_eq!(
            due_on(&cal, monday, d("2026-03-06"), 1).unwrap(),
            Due::Yellow
        );
        assert_eq!(
            due_on(&cal, monday, d("2026-03-05"), 1).unwrap(),
            Due::Green
        );
    }

    #[test]
    fn working_days_taken() {
        let cal = Calendar::builtin();
        assert_eq!(
            workdays_taken(&cal, d("2026-03-02"), d("2026-03-02")).unwrap(),
            0
        );
        assert_eq!(
            workdays_taken(&cal, d("2026-03-06"), d("2026-03-09")).unwrap(),
            1
        );
        assert_eq!(
            workdays_taken(&cal, d("2026-09-30"), d("2026-10-09")).unwrap(),
            2
        );
    }
}

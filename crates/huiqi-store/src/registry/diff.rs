//! What an import changes: a chunk of validated records compared with what the registry holds.
//! Pure (no database), so it is unit-tested here.

use std::collections::HashMap;

use chrono::NaiveDate;
use huiqi_domain::registry::{Column, Record, RowError, Value};

use super::plan::Plan;
use super::{HistoryEntry, ImportCounts};

/// What an import changes in one chunk.
#[derive(Default)]
pub(super) struct ChunkWrites<'a> {
    /// Records whose enterprise group is new or changed.
    pub enterprise_rows: Vec<&'a Record>,
    /// Records whose yearly groups are new or changed.
    pub fact_rows: Vec<&'a Record>,
    pub history: Vec<HistoryEntry>,
    /// How the chunk changes `registration_counts` (migration 0120): +1 on the (day, county) of a
    /// new enterprise or of one whose day or county changed, -1 on where the latter was counted.
    /// Zero-sum entries are dropped.
    pub registrations: HashMap<(NaiveDate, String), i64>,
}

/// The (registration day, county) an enterprise group's values count under, if it has a day.
fn registration_key(cols: &[Column], vals: &[Value]) -> Option<(NaiveDate, String)> {
    let at = |name: &str| {
        cols.iter()
            .position(|c| c.name == name)
            .and_then(|i| vals.get(i))
    };
    match (at("registered_on"), at("county")) {
        (Some(Value::Date(d)), Some(Value::Text(c))) => Some((*d, c.clone())),
        _ => None,
    }
}

impl Plan {
    /// Compares a chunk with what the registry holds (`existing`: uscc → lookup columns; absent =
    /// enterprise unknown) and decides what to write. Unknown enterprises of sources that cannot
    /// create them become row errors.
    pub(super) fn diff<'a>(
        &self,
        rows: &'a [Record],
        existing: &HashMap<String, Vec<Value>>,
        import_id: i64,
        counts: &mut ImportCounts,
        errors: &mut Vec<RowError>,
    ) -> ChunkWrites<'a> {
        let mut w = ChunkWrites::default();
        for rec in rows {
            counts.total += 1;
            let old = existing.get(rec.uscc.as_str());
            if old.is_none() && !self.has_enterprise_group() {
                errors.push(RowError {
                    row: rec.row,
                    column: None,
                    message: format!(
                        "统一社会信用代码 {} 不在企业库中：请先导入该企业的登记信息（huiqi import --source market 或 --source facts）",
                        rec.uscc
                    ),
                });
                continue;
            }
            let mut record_changed = false;
            let mut primary_new = false;
            let mut enterprise_write = false;
            let mut facts_write = false;
            let mut at = 0; // offset in the lookup row
            for (g, offset) in &self.groups {
                let cols = g.columns();
                let new_vals = &rec.values[*offset..*offset + cols.len()];
                let (old_vals, old_import) = match old {
                    Some(o) => {
                        let vals = &o[at..at + cols.len()];
                        let imp = match &o[at + cols.len()] {
                            Value::Int(i) => Some(*i),
                            _ => None,
                        };
                        (Some(vals), imp)
                    }
                    None => (None, None),
                };
                at += cols.len() + 1;
                let year = if g.is_enterprise() { None } else { self.year };
                let group_changed = match (old_vals, old_import) {
                    (Some(old_vals), Some(old_import)) => {
                        let mut changed = false;
                        for ((c, new), oldv) in cols.iter().zip(new_vals).zip(old_vals) {
                            if new != oldv {
                                changed = true;
                                w.history.push(HistoryEntry {
                                    uscc: rec.uscc.to_string(),
                                    year,
                                    field: c.name.to_owned(),
                                    old_value: oldv.canonical(),
                                    old_import_id: Some(old_import),
                                    new_value: new.canonical(),
                                    new_import_id: import_id,
                                });
                            }
                        }
                        changed
                    }
                    // Never delivered by this department before: new values, nothing overwritten.
                    _ => {
                        if *g == self.primary {
                            primary_new = true;
                        }
                        true
                    }
                };
                if group_changed {
                    record_changed = true;
                    if g.is_enterprise() {
                        enterprise_write = true;
                        let was = match (old_vals, old_import) {
                            (Some(v), Some(_)) => registration_key(cols, v),
                            _ => None,
                        };
                        let now = registration_key(cols, new_vals);
                        if was != now {
                            for (key, by) in [(was, -1), (now, 1)] {
                                if let Some(key) = key {
                                    *w.registrations.entry(key).or_default() += by;
                                }
                            }
                        }
                    } else {
                        facts_write = true;
                    }
                }
            }
            if enterprise_write {
                w.enterprise_rows.push(rec);
            }
            if facts_write {
                w.fact_rows.push(rec);
            }
            if primary_new {
                counts.new += 1;
            } else if record_changed {
                counts.updated += 1;
            } else {
                counts.unchanged += 1;
            }
        }
        counts.changed_values += w.history.len() as u64;
        w.registrations.retain(|_, n| *n != 0);
        w
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;
    use huiqi_domain::Uscc;
    use huiqi_domain::registry::Source;

    fn uscc(n: u32) -> Uscc {
        Uscc::from_parts("91", "341502", &format!("MA2N{n:04}")).unwrap()
    }

    /// An 人社 row: employees (hundredths), founder group.
    fn hr(n: u32, employees: i64) -> Record {
        Record {
            row: u64::from(n) + 1,
            uscc: uscc(n),
            values: vec![Value::Int(employees), Value::Text("none".into())],
        }
    }

    fn diff(
        plan: &Plan,
        rows: &[Record],
        existing: &HashMap<String, Vec<Value>>,
    ) -> (usize, usize, Vec<HistoryEntry>, ImportCounts, Vec<RowError>) {
        let (mut counts, mut errors) = (ImportCounts::default(), Vec::new());
        let w = plan.diff(rows, existing, 9, &mut counts, &mut errors);
        (
            w.enterprise_rows.len(),
            w.fact_rows.len(),
            w.history,
            counts,
            errors,
        )
    }

    #[test]
    fn a_changed_value_is_written_with_its_old_value_in_history() {
        let plan = Plan::new(Source::Hr, Some(2024), Backend::Sqlite);
        let existing: HashMap<String, Vec<Value>> = [
            // 1: employees 5.00 from import 3; 2: the same as the file; 3: hr never delivered.
            (
                uscc(1).to_string(),
                vec![Value::Int(500), Value::Text("none".into()), Value::Int(3)],
            ),
            (
                uscc(2).to_string(),
                vec![Value::Int(700), Value::Text("none".into()), Value::Int(3)],
            ),
            (
                uscc(3).to_string(),
                vec![Value::Null, Value::Null, Value::Null],
            ),
        ]
        .into_iter()
        .collect();
        let rows = [hr(1, 800), hr(2, 700), hr(3, 100)];
        let (ent, facts, history, counts, errors) = diff(&plan, &rows, &existing);
        assert!(errors.is_empty());
        assert_eq!((ent, facts), (0, 2), "the unchanged row is not written");
        assert_eq!(
            (counts.total, counts.new, counts.updated, counts.unchanged),
            (3, 1, 1, 1)
        );
        assert_eq!(
            history,
            vec![HistoryEntry {
                uscc: uscc(1).to_string(),
                year: Some(2024),
                field: "employees".into(),
                old_value: Some("500".into()),
                old_import_id: Some(3),
                new_value: Some("800".into()),
                new_import_id: 9,
            }],
            "a first delivery overwrites nothing, so it has no history"
        );
        assert_eq!(counts.changed_values, 1);
    }

    /// A 市场监管 row: name, county, registration day.
    fn market(n: u32, name: &str, county: &str, day: Option<NaiveDate>) -> Vec<Value> {
        vec![
            Value::Text(name.into()),
            Value::Text("enterprise".into()),
            Value::Text(county.into()),
            Value::Text("C3311".into()),
            day.map_or(Value::Null, Value::Date),
            Value::Text("active".into()),
            Value::Text(format!("联系人{n}")),
            Value::Null,
        ]
    }

    #[test]
    fn registration_counts_change_where_a_day_or_county_does() {
        let plan = Plan::new(Source::Market, None, Backend::Sqlite);
        let may = NaiveDate::from_ymd_opt(2020, 5, 1);
        let jan = NaiveDate::from_ymd_opt(2021, 1, 1);
        let held = |n: u32, name: &str, county: &str, day| {
            let mut v = market(n, name, county, day);
            v.push(Value::Int(3));
            (uscc(n).to_string(), v)
        };
        let existing: HashMap<String, Vec<Value>> = [
            held(1, "甲", "341502", may),
            held(2, "乙", "341502", may),
            held(5, "戊", "341502", may),
            held(6, "己", "341503", jan),
        ]
        .into_iter()
        .collect();
        let rec = |n: u32, name: &str, county: &str, day| Record {
            row: u64::from(n) + 1,
            uscc: uscc(n),
            values: market(n, name, county, day),
        };
        let rows = [
            rec(1, "甲", "341503", may),   // moved county: -1 there, +1 here
            rec(2, "乙", "341502", may),   // unchanged
            rec(3, "丙", "341504", jan),   // new
            rec(4, "丁", "341504", None),  // new, no day: not counted
            rec(5, "戊二", "341502", may), // renamed only
            rec(6, "己", "341503", None),  // day removed: no longer counted
        ];
        let (mut counts, mut errors) = (ImportCounts::default(), Vec::new());
        let w = plan.diff(&rows, &existing, 9, &mut counts, &mut errors);
        assert!(errors.is_empty());
        let mut got: Vec<_> = w.registrations.into_iter().collect();
        got.sort();
        let key = |d: Option<NaiveDate>, c: &str| (d.unwrap(), c.to_string());
        assert_eq!(
            got,
            vec![
                (key(may, "341502"), -1),
                (key(may, "341503"), 1),
                (key(jan, "341503"), -1),
                (key(jan, "341504"), 1),
            ]
        );
    }

    #[test]
    fn a_department_cannot_create_an_enterprise_but_the_market_can() {
        let plan = Plan::new(Source::Hr, Some(2024), Backend::Postgres);
        let (_, facts, _, counts, errors) = diff(&plan, &[hr(4, 100)], &HashMap::new());
        assert_eq!(facts, 0);
        assert_eq!(counts.total, 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 5);
        assert!(errors[0].message.contains("不在企业库中"), "{}", errors[0]);

        let plan = Plan::new(Source::Market, None, Backend::Postgres);
        let mut values = vec![
            Value::Text("某某有限公司".into()),
            Value::Text("enterprise".into()),
            Value::Text("341502".into()),
            Value::Text("C3311".into()),
            Value::Null,
            Value::Text("active".into()),
            Value::Null,
            Value::Null,
        ];
        let rec = Record {
            row: 2,
            uscc: uscc(5),
            values: std::mem::take(&mut values),
        };
        let (ent, facts, history, counts, errors) =
            diff(&plan, std::slice::from_ref(&rec), &HashMap::new());
        assert!(errors.is_empty());
        assert_eq!((ent, facts, history.len()), (1, 0, 0));
        assert_eq!(counts.new, 1);
    }
}

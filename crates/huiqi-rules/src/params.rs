//! Parameters with dated values, each value citing its document and article
//! (the way OpenFisca keeps parameters). The value in force on a date is the
//! latest one started on or before it, unless that one has ended.

use chrono::NaiveDate;
use huiqi_policy::model::exact_decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One parameter as written in `parameters.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterDef {
    pub id: String,
    pub title: String,
    /// The unit of a scalar value as a reader takes it (元, 人, 个月); a rate has none (it is
    /// shown as a percentage).
    #[serde(default)]
    pub unit: Option<String>,
    pub values: Vec<DatedValue>,
}

/// The reference of a value set by a what-if.
pub const SIMULATED: &str = "模拟参数（huiqi whatif --set），非现行规定";

impl ParameterDef {
    /// A rate or a share: every value the pack gives it is a fraction (at most 1, such as 0.25
    /// for 25%). Its what-if range is narrower (`huiqi_domain::limits::RATE_PARAM_MAX`).
    pub fn is_rate(&self) -> bool {
        self.values
            .iter()
            .filter(|v| v.reference != SIMULATED)
            .all(|v| v.value.is_some_and(|x| x <= Decimal::ONE))
    }
}

/// A value and the dates it is in force.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatedValue {
    pub from: NaiveDate,
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// A scalar value (rates as fractions: 0.25 is 25%; amounts in 元).
    #[serde(default, deserialize_with = "opt_exact_decimal")]
    pub value: Option<Decimal>,
    /// A progressive scale instead of a scalar.
    #[serde(default)]
    pub brackets: Option<Vec<Bracket>>,
    /// Document and article.
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub note: Option<String>,
    /// The reference marks this value as not verified: the policy office must confirm it.
    #[serde(default)]
    pub unverified: bool,
}

/// One bracket of a progressive scale; the last has no upper bound.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bracket {
    #[serde(default, deserialize_with = "opt_exact_decimal")]
    pub up_to: Option<Decimal>,
    #[serde(deserialize_with = "exact_decimal")]
    pub rate: Decimal,
    #[serde(deserialize_with = "exact_decimal")]
    pub quick_deduction: Decimal,
}

fn opt_exact_decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    exact_decimal(d).map(Some)
}

/// A parameter value as resolved for a date, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    pub id: String,
    pub title: String,
    pub value: Decimal,
    /// The unit of the value (`parameters.yaml`'s `unit`: 元, 人, 个月); none for a rate.
    pub unit: Option<String>,
    pub from: NaiveDate,
    pub reference: String,
    pub unverified: bool,
}

impl Param {
    /// The value as a reader takes it: with 千分位 and its unit (`3,000,000 元`, `300 人`), a
    /// rate as the fraction it is (`0.25`).
    /// Formatted only when written (see [`crate::trace::figure`]).
    pub fn shown(&self) -> Shown<'_> {
        Shown {
            value: self.value,
            unit: self.unit.as_deref(),
        }
    }
}

/// A parameter value with 千分位 and its unit, exact (no rounding); a value without a unit (a
/// rate) as written.
pub fn shown(value: Decimal, unit: Option<&str>) -> String {
    Shown { value, unit }.to_string()
}

/// A parameter value as [`shown`] writes it, formatted only when written.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    value: Decimal,
    unit: Option<&'a str>,
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self.unit {
            Some(u) => format!("{} {u}", crate::trace::figure(self.value)),
            None => self.value.normalize().to_string(),
        };
        f.pad(&text)
    }
}

/// A progressive scale as resolved for a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    pub id: String,
    pub title: String,
    pub brackets: Vec<Bracket>,
    pub from: NaiveDate,
    pub reference: String,
}

impl Scale {
    /// Tax on `income` by the 速算扣除数 method: income × rate − quick deduction of its bracket.
    pub fn tax(&self, income: Decimal) -> (Decimal, &Bracket) {
        let b = self
            .brackets
            .iter()
            .find(|b| b.up_to.is_none_or(|u| income <= u))
            .unwrap_or_else(|| {
                self.brackets
                    .last()
                    .expect("validated: a scale has brackets")
            });
        ((income * b.rate - b.quick_deduction).max(Decimal::ZERO), b)
    }
}

/// All parameters, checked.
#[derive(Debug, Clone)]
pub struct ParamSet {
    defs: Vec<ParameterDef>,
}

impl ParamSet {
    /// Checks the definitions: unique ids, values in date order that do not overlap, exactly one
    /// of `value`/`brackets`, scales ordered and ending open.
    pub fn new(defs: Vec<ParameterDef>) -> Result<ParamSet, crate::RulesError> {
        Self::checked(defs).map_err(crate::RulesError::Pack)
    }

    fn checked(defs: Vec<ParameterDef>) -> Result<ParamSet, String> {
        let mut seen = std::collections::HashSet::new();
        for d in &defs {
            if !seen.insert(d.id.as_str()) {
                return Err(format!("参数 {} 重复", d.id));
            }
            if d.values.is_empty() {
                return Err(format!("参数 {} 没有任何取值", d.id));
            }
            for (i, v) in d.values.iter().enumerate() {
                if v.value.is_some() == v.brackets.is_some() {
                    return Err(format!(
                        "参数 {} 自 {} 的取值须有且只有 value 或 brackets 之一",
                        d.id, v.from
                    ));
                }
                if v.reference.trim().is_empty() {
                    return Err(format!(
                        "参数 {} 自 {} 的取值没有写明依据（ref）",
                        d.id, v.from
                    ));
                }
                if let Some(u) = v.until
                    && u < v.from
                {
                    return Err(format!(
                        "参数 {} 的取值 until {} 早于 from {}",
                        d.id, u, v.from
                    ));
                }
                if let Some(next) = d.values.get(i + 1)
                    && (next.from <= v.from || v.until.is_some_and(|u| u >= next.from))
                {
                    return Err(format!(
                        "参数 {} 的取值须按日期先后排列且不重叠（{} 与 {}）",
                        d.id, v.from, next.from
                    ));
                }
                if let Some(bs) = &v.brackets {
                    let open = bs.iter().filter(|b| b.up_to.is_none()).count();
                    let ordered = bs.windows(2).all(|w| {
                        matches!((w[0].up_to, w[1].up_to), (Some(a), Some(b)) if a < b)
                            || w[1].up_to.is_none()
                    });
                    if bs.is_empty() || open != 1 || bs.last().unwrap().up_to.is_some() || !ordered
                    {
                        return Err(format!(
                            "参数 {} 的税率表须按上限递增排列，且最后一档不设上限",
                            d.id
                        ));
                    }
                }
            }
        }
        Ok(ParamSet { defs })
    }

    pub fn defs(&self) -> &[ParameterDef] {
        &self.defs
    }

    fn dated(&self, id: &str, at: NaiveDate) -> Option<(&ParameterDef, &DatedValue)> {
        let def = self.defs.iter().find(|d| d.id == id)?;
        let v = def.values.iter().rev().find(|v| v.from <= at)?;
        if v.until.is_some_and(|u| at > u) {
            return None;
        }
        Some((def, v))
    }

    /// The scalar value in force on `at`, or `None` if there is none that day.
    pub fn at(&self, id: &str, at: NaiveDate) -> Option<Param> {
        let (def, v) = self.dated(id, at)?;
        Some(Param {
            id: def.id.clone(),
            title: def.title.clone(),
            value: v.value?,
            unit: def.unit.clone(),
            from: v.from,
            reference: v.reference.clone(),
            unverified: v.unverified,
        })
    }

    /// The scale in force on `at`.
    pub fn scale_at(&self, id: &str, at: NaiveDate) -> Option<Scale> {
        let (def, v) = self.dated(id, at)?;
        Some(Scale {
            id: def.id.clone(),
            title: def.title.clone(),
            brackets: v.brackets.clone()?,
            from: v.from,
            reference: v.reference.clone(),
        })
    }

    /// What-if: from `from` on, the parameter takes `value`. Values that started later are
    /// dropped and the one in force at `from` ends the day before, so every date from `from`
    /// on sees the new value. Without `from` the value applies at every date.
    pub fn set(
        &mut self,
        id: &str,
        value: Decimal,
        from: Option<NaiveDate>,
    ) -> Result<(), crate::RulesError> {
        use crate::RulesError::Parameter;
        let def = self.defs.iter_mut().find(|d| d.id == id).ok_or_else(|| {
            Parameter(format!(
                "没有参数 {}；可用 huiqi rules params 查看全部参数",
                huiqi_domain::text::quote(id)
            ))
        })?;
        if def.values.iter().any(|v| v.brackets.is_some()) {
            return Err(Parameter(format!("参数 {id} 是税率表，不能用单个数值替换")));
        }
        huiqi_domain::limits::check_param(id, value, def.is_rate()).map_err(|e| Parameter(e.0))?;
        let from = from.unwrap_or(NaiveDate::MIN);
        let until = def
            .values
            .iter()
            .rev()
            .find(|v| v.from <= from)
            .and_then(|v| v.until);
        def.values.retain(|v| v.from < from);
        if let Some(last) = def.values.last_mut() {
            last.until =
                Some(from.pred_opt().unwrap_or(from)).min(last.until.or(Some(NaiveDate::MAX)));
        }
        def.values.push(DatedValue {
            from,
            until,
            value: Some(value),
            brackets: None,
            reference: SIMULATED.into(),
            note: None,
            unverified: true,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn set() -> ParamSet {
        let yaml = r#"
- id: cap
  title: 上限
  values:
    - { from: 2021-01-01, until: 2022-12-31, value: "1000000", ref: "公告2021年第12号" }
    - { from: 2023-01-01, until: 2027-12-31, value: "2000000", ref: "公告2023年第12号" }
"#;
        ParamSet::new(yaml_serde::from_str(yaml).unwrap()).unwrap()
    }

    #[test]
    fn value_in_force_on_a_date() {
        let p = set();
        assert_eq!(p.at("cap", d("2020-12-31")), None);
        assert_eq!(
            p.at("cap", d("2022-12-31")).unwrap().value.to_string(),
            "1000000"
        );
        assert_eq!(
            p.at("cap", d("2023-01-01")).unwrap().value.to_string(),
            "2000000"
        );
        assert_eq!(p.at("cap", d("2028-01-01")), None);
    }

    #[test]
    fn what_if_replaces_from_a_date() {
        let mut p = set();
        p.set("cap", Decimal::from(3_000_000), Some(d("2024-01-01")))
            .unwrap();
        assert_eq!(
            p.at("cap", d("2023-06-30")).unwrap().value.to_string(),
            "2000000"
        );
        let v = p.at("cap", d("2024-06-30")).unwrap();
        assert_eq!(v.value.to_string(), "3000000");
        assert!(v.unverified);
        assert_eq!(
            p.at("cap", d("2028-01-01")),
            None,
            "the new value keeps the old end date"
        );
        assert!(p.set("nope", Decimal::ONE, None).is_err());
    }

    #[test]
    fn bad_definitions_are_refused() {
        let overlapping = r#"
- id: x
  title: x
  values:
    - { from: 2021-01-01, until: 2023-06-30, value: "1", ref: "a" }
    - { from: 2023-01-01, value: "2", ref: "b" }
"#;
        assert!(
            ParamSet::new(yaml_serde::from_str(overlapping).unwrap())
                .unwrap_err()
                .to_string()
                .contains("不重叠")
        );
        let float = "- { id: x, title: x, values: [ { from: 2021-01-01, value: 0.5, ref: a } ] }";
        assert!(
            yaml_serde::from_str::<Vec<ParameterDef>>(float)
                .unwrap_err()
                .to_string()
                .contains("浮点数")
        );
    }
}

//! 个转企: which individual businesses look like enterprises. The rule is data
//! (`policies/cn/cultivate/ind_to_ent.yaml`, the default of service-rules §5); an individual
//! business meeting any one of its conditions is a candidate, and the list says which.

use huiqi_domain::SizeClass;
use huiqi_policy::model::exact_decimal;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::CultivateError;

/// The city's rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub document: String,
    #[serde(rename = "ref")]
    pub reference: String,
    /// The size class (工信部联企业〔2011〕300号) at or above which a business is a candidate.
    #[serde(default)]
    pub size_at_least: Option<SizeClass>,
    /// Revenue (元) over which (exclusive) a business is a candidate.
    #[serde(default, deserialize_with = "opt_dec")]
    pub revenue_over: Option<Decimal>,
    /// Employees at or above which a business is a candidate.
    #[serde(default, deserialize_with = "opt_dec")]
    pub employees_at_least: Option<Decimal>,
}

fn opt_dec<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    exact_decimal(d).map(Some)
}

/// Size classes from small to large.
fn rank(s: SizeClass) -> u8 {
    match s {
        SizeClass::Micro => 0,
        SizeClass::Small => 1,
        SizeClass::Medium => 2,
        SizeClass::Large => 3,
    }
}

impl Rule {
    /// Parses and checks the rule (at least one condition).
    pub fn load(file: &str, text: &str) -> Result<Rule, CultivateError> {
        let bad = |m: String| CultivateError::Data {
            file: file.to_string(),
            message: m,
        };
        let r: Rule = yaml_serde::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("第{}行：", l.line()))
                .unwrap_or_default();
            bad(format!("{at}{e}"))
        })?;
        if r.size_at_least.is_none() && r.revenue_over.is_none() && r.employees_at_least.is_none() {
            return Err(bad(
                "至少须有一条条件（size_at_least、revenue_over、employees_at_least）".into(),
            ));
        }
        Ok(r)
    }

    /// The built-in default rule.
    pub fn builtin() -> Rule {
        let (label, text) = crate::data::builtin_file("ind_to_ent.yaml").expect("built in");
        Rule::load(&label, text).expect("the built-in rule is checked by the tests")
    }

    /// The conditions an individual business meets, in Chinese (empty: not a candidate).
    pub fn reasons(
        &self,
        revenue: Decimal,
        employees: Decimal,
        size: Option<SizeClass>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if let (Some(min), Some(s)) = (self.size_at_least, size)
            && rank(s) >= rank(min)
        {
            out.push(format!("规模为{}（{}及以上）", s.label(), min.label()));
        }
        if let Some(r) = self.revenue_over
            && revenue > r
        {
            out.push(format!(
                "营业收入 {} 超过 {}",
                crate::formulas::show(crate::data::Unit::Yuan, revenue),
                crate::formulas::show(crate::data::Unit::Yuan, r)
            ));
        }
        if let Some(e) = self.employees_at_least
            && employees >= e
        {
            out.push(format!(
                "从业人数 {} 人（不少于 {} 人）",
                employees.normalize(),
                e.normalize()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_condition_makes_a_candidate() {
        let r = Rule::builtin();
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert!(
            r.reasons(d("5000000"), d("9"), Some(SizeClass::Micro))
                .is_empty()
        );
        assert_eq!(r.reasons(d("5000000.01"), d("0"), None).len(), 1);
        assert_eq!(r.reasons(d("0"), d("10"), None).len(), 1);
        assert_eq!(r.reasons(d("0"), d("0"), Some(SizeClass::Small)).len(), 1);
        assert!(Rule::load("x", "document: d\nref: r\n").is_err());
    }
}

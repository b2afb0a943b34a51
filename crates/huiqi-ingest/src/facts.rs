//! The `facts` source: a [`Facts`] row (parsed by huiqi-domain's `FactsHeader`, the same parser
//! `huiqi match --input` uses) turned into the registry's values, with the registry's own checks.

use huiqi_domain::registry::{Source, Value};
use huiqi_domain::{Facts, Uscc};
use rust_decimal::Decimal;

use crate::Counties;

/// 元 (or persons) with at most two decimals → hundredths.
fn hundredths(d: Decimal) -> Result<i64, String> {
    let d = d.normalize();
    if d.scale() > 2 {
        return Err(format!("{d} 超过两位小数（金额精确到分）"));
    }
    let m = d.mantissa();
    let v = m * 10i128.pow(2 - d.scale());
    i64::try_from(v).map_err(|_| format!("{d} 超出可处理的范围"))
}

/// Problems of one row, as (column, message).
pub type ColumnErrors = Vec<(&'static str, String)>;

/// The values of [`Source::Facts`]'s columns, in order; or every problem of the row.
pub fn to_values(f: Facts, counties: &Counties) -> Result<(Uscc, Vec<Value>), ColumnErrors> {
    let mut errors = Vec::new();
    let uscc = match Uscc::parse(&f.uscc) {
        Ok(u) => Some(u),
        Err(e) => {
            errors.push(("uscc", e.to_string()));
            None
        }
    };
    let mut values = Vec::with_capacity(29);
    let text = |v: &str| Value::Text(v.to_owned());
    if f.name.trim().is_empty() {
        errors.push(("name", "名称不能为空".into()));
    }
    // The fact parser already trimmed the cell: move the name instead of copying it.
    values.push(Value::Text(f.name));
    values.push(text(f.kind.as_str()));
    match counties.resolve(&f.county) {
        Some(id) => values.push(text(id)),
        None => {
            errors.push((
                "county",
                format!(
                    "“{}”不是六安市的辖区：应为 {}",
                    f.county,
                    counties.describe()
                ),
            ));
            values.push(Value::Null);
        }
    }
    if f.industry.is_empty() {
        errors.push((
            "industry",
            "行业代码为空：请填写 GB/T 4754-2017 行业代码（如 C3311、F5211）".into(),
        ));
    }
    values.push(Value::Text(f.industry));
    values.push(f.registered_on.map_or(Value::Null, Value::Date));

    let mut amount = |col: &'static str, d: Decimal| match hundredths(d) {
        Ok(v) => Value::Int(v),
        Err(m) => {
            errors.push((col, m));
            Value::Null
        }
    };
    let tax = [
        amount("revenue", f.revenue),
        amount("total_assets", f.total_assets),
        amount("taxable_income", f.taxable_income),
        Value::Bool(f.restricted_industry),
        amount("business_income", f.business_income),
        amount("other_iit_relief", f.other_iit_relief),
        Value::Bool(f.vat_small_scale),
        amount("vat_sales_q1", f.vat_sales_q1),
        amount("vat_sales_q2", f.vat_sales_q2),
        amount("vat_sales_q3", f.vat_sales_q3),
        amount("vat_sales_q4", f.vat_sales_q4),
        amount("resource_tax", f.resource_tax),
        amount("urban_maintenance_tax", f.urban_maintenance_tax),
        amount("property_tax", f.property_tax),
        amount("land_use_tax", f.land_use_tax),
        amount("stamp_duty", f.stamp_duty),
        amount("farmland_occupation_tax", f.farmland_occupation_tax),
        amount("education_surcharge", f.education_surcharge),
        amount("local_education_surcharge", f.local_education_surcharge),
        amount("vat_due", f.vat_due),
        amount("iit_due", f.iit_due),
        amount("rd_expense", f.rd_expense),
    ];
    let employees = amount("employees", f.employees);
    values.extend(tax);
    values.push(employees);
    values.push(text(f.founder_group.as_str()));
    debug_assert_eq!(values.len(), Source::Facts.columns().count());
    match uscc {
        Some(u) if errors.is_empty() => Ok((u, values)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn hundredths_are_exact() {
        let d = |s| Decimal::from_str(s).unwrap();
        assert_eq!(hundredths(d("12.30")), Ok(1230));
        assert_eq!(hundredths(d("12.300")), Ok(1230));
        assert_eq!(hundredths(d("-0.05")), Ok(-5));
        assert_eq!(hundredths(d("7")), Ok(700));
        assert!(hundredths(d("0.001")).is_err());
    }
}

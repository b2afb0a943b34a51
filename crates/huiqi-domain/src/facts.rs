//! The fact vocabulary: one enterprise, one tax year. Column names (CSV, JSON,
//! database) are exactly the field names below; money is in 元 as `Decimal`.
//! An empty value reads as 0 / false / unknown.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// 市场主体类型.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum EntityKind {
        /// 企业（法人及其他组织）
        #[default]
        Enterprise = ("enterprise", "企业"),
        /// 个体工商户
        IndividualBusiness = ("individual_business", "个体工商户"),
    }
}

crate::vocabulary! {
    /// 创业者身份 for the startup deduction (公告2023年第14号 / 第15号).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum FounderGroup {
        #[default]
        None = ("none", "无"),
        /// 自主就业退役士兵
        RetiredSoldier = ("retired_soldier", "退役士兵"),
        /// 重点群体（脱贫人口、登记失业半年以上人员等）
        KeyGroup = ("key_group", "重点群体"),
    }
}

crate::vocabulary! {
    /// 企业规模 (工信部联企业〔2011〕300号), as huiqi-rules classifies it and a matching run stores it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum SizeClass {
        Micro = ("micro", "微型"),
        Small = ("small", "小型"),
        Medium = ("medium", "中型"),
        Large = ("large", "大型"),
    }
}

/// The facts of one enterprise for one tax year. In JSON a missing field reads as
/// 0 / false / unknown; an unknown field is refused (it is most likely a typo).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Facts {
    /// 统一社会信用代码
    pub uscc: String,
    pub name: String,
    pub kind: EntityKind,
    /// GB/T 2260 code of the jurisdiction (or `luan-etdz`).
    pub county: String,
    /// GB/T 4754-2017 industry code (C3311, F5211, …).
    pub industry: String,
    pub registered_on: Option<NaiveDate>,
    /// 从业人数 (annual average; may be fractional).
    pub employees: Decimal,
    /// 营业收入, 元
    pub revenue: Decimal,
    /// 资产总额, 元
    pub total_assets: Decimal,
    /// 企业所得税年度应纳税所得额, 元 (may be negative: a loss)
    pub taxable_income: Decimal,
    /// 国家限制和禁止行业
    pub restricted_industry: bool,
    /// 个体工商户经营所得应纳税所得额, 元
    pub business_income: Decimal,
    /// 经营所得已享受的其他减免税额, 元
    pub other_iit_relief: Decimal,
    /// 增值税小规模纳税人
    pub vat_small_scale: bool,
    /// 各季度增值税应税销售额, 元
    pub vat_sales_q1: Decimal,
    pub vat_sales_q2: Decimal,
    pub vat_sales_q3: Decimal,
    pub vat_sales_q4: Decimal,
    /// 六税两费 due before the halving, 元
    pub resource_tax: Decimal,
    pub urban_maintenance_tax: Decimal,
    pub property_tax: Decimal,
    pub land_use_tax: Decimal,
    pub stamp_duty: Decimal,
    pub farmland_occupation_tax: Decimal,
    pub education_surcharge: Decimal,
    pub local_education_surcharge: Decimal,
    /// 增值税 actually payable after its own reliefs, 元
    pub vat_due: Decimal,
    /// 个人所得税（经营所得） actually payable after its own reliefs, 元
    pub iit_due: Decimal,
    pub founder_group: FounderGroup,
    /// 费用化研发支出, 元
    pub rd_expense: Decimal,
}

/// The fact columns, in the order huiqi writes them.
pub const FACT_COLUMNS: [&str; 30] = [
    "uscc",
    "name",
    "kind",
    "county",
    "industry",
    "registered_on",
    "employees",
    "revenue",
    "total_assets",
    "taxable_income",
    "restricted_industry",
    "business_income",
    "other_iit_relief",
    "vat_small_scale",
    "vat_sales_q1",
    "vat_sales_q2",
    "vat_sales_q3",
    "vat_sales_q4",
    "resource_tax",
    "urban_maintenance_tax",
    "property_tax",
    "land_use_tax",
    "stamp_duty",
    "farmland_occupation_tax",
    "education_surcharge",
    "local_education_surcharge",
    "vat_due",
    "iit_due",
    "founder_group",
    "rd_expense",
];

impl Facts {
    /// The amounts and the headcount as `(column, value, signed)`, in [`FACT_COLUMNS`] order.
    pub fn numbers(&self) -> [(&'static str, Decimal, bool); 21] {
        [
            ("employees", self.employees, false),
            ("revenue", self.revenue, false),
            ("total_assets", self.total_assets, false),
            ("taxable_income", self.taxable_income, true),
            ("business_income", self.business_income, true),
            ("other_iit_relief", self.other_iit_relief, false),
            ("vat_sales_q1", self.vat_sales_q1, false),
            ("vat_sales_q2", self.vat_sales_q2, false),
            ("vat_sales_q3", self.vat_sales_q3, false),
            ("vat_sales_q4", self.vat_sales_q4, false),
            ("resource_tax", self.resource_tax, false),
            ("urban_maintenance_tax", self.urban_maintenance_tax, false),
            ("property_tax", self.property_tax, false),
            ("land_use_tax", self.land_use_tax, false),
            ("stamp_duty", self.stamp_duty, false),
            (
                "farmland_occupation_tax",
                self.farmland_occupation_tax,
                false,
            ),
            ("education_surcharge", self.education_surcharge, false),
            (
                "local_education_surcharge",
                self.local_education_surcharge,
                false,
            ),
            ("vat_due", self.vat_due, false),
            ("iit_due", self.iit_due, false),
            ("rd_expense", self.rd_expense, false),
        ]
    }

    /// Every amount and the headcount within its range ([`crate::limits`]); the error names the
    /// column (English and Chinese) and the limit.
    pub fn check_ranges(&self) -> Result<(), crate::limits::LimitError> {
        use crate::limits::{COUNT_MAX, MONEY_MAX_YUAN, check_count, check_money};
        // `numbers()` lists the headcount first. Every value read from the registry passes
        // here, so the test is on the mantissa (no rescaling) and the error is built only for a
        // value out of range.
        for (i, (name, v, signed)) in self.numbers().into_iter().enumerate() {
            let max = if i == 0 { COUNT_MAX } else { MONEY_MAX_YUAN };
            let min = if signed { -max } else { 0 };
            if within(v, min, max) {
                continue;
            }
            let zh = crate::facts_csv::fact_columns()
                .iter()
                .find(|c| c.name == name)
                .map_or(name, |c| c.zh);
            let what = format!("{name}（{zh}）");
            if i == 0 {
                check_count(&what, v)?;
            } else {
                check_money(&what, v, signed)?;
            }
        }
        Ok(())
    }
}

/// `min <= v <= max`, exactly: `v` is its mantissa over 10^scale, so the bounds are scaled
/// instead of `v` (beyond 18 decimals, where that could overflow, `Decimal` compares).
fn within(v: Decimal, min: i64, max: i64) -> bool {
    let scale = v.scale();
    if scale <= 18 {
        let p = 10i128.pow(scale);
        let m = v.mantissa();
        m >= i128::from(min) * p && m <= i128::from(max) * p
    } else {
        v >= Decimal::from(min) && v <= Decimal::from(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_agrees_with_decimal_comparison() {
        let cases = [
            "0",
            "-0.01",
            "0.01",
            "1000000000000",
            "1000000000000.00",
            "1000000000000.01",
            "-1000000000000",
            "-1000000000000.001",
            "999999999999.9999999999999999",
            "0.0000000000000000000000000001",
            "-0.0000000000000000000000000001",
            "10000000",
            "10000000.000000000000000001",
        ];
        for text in cases {
            let v: Decimal = text.parse().unwrap();
            for (min, max) in [
                (0, 1_000_000_000_000),
                (-1_000_000_000_000, 1_000_000_000_000),
                (0, 10_000_000),
            ] {
                let expected = v >= Decimal::from(min) && v <= Decimal::from(max);
                assert_eq!(within(v, min, max), expected, "{text} in {min}..={max}");
            }
        }
    }

    #[test]
    fn the_headcount_is_checked_against_the_count_limit() {
        let facts = Facts::default();
        assert_eq!(facts.numbers()[0].0, "employees");
        let over = Facts {
            employees: Decimal::from(crate::limits::COUNT_MAX) + Decimal::new(1, 2),
            ..Facts::default()
        };
        let e = over.check_ranges().unwrap_err().to_string();
        assert!(e.contains("employees") && e.contains("人"), "{e}");
        let money = Facts {
            revenue: Decimal::from(crate::limits::COUNT_MAX) + Decimal::ONE,
            ..Facts::default()
        };
        assert!(money.check_ranges().is_ok());
    }
}

//! The measure table: every output of the engine declared once. The rules' [`Outputs`], the
//! `huiqi match` CSV header, the stored results of a matching run, the push lists, the what-if
//! rows and the page labels all derive from [`MEASURES`]; `policies/cn/measures.yaml` adds each
//! measure's legal basis and validity and must list the same ids in the same order (checked when
//! the rules load).
//!
//! Adding a measure: one row below, its formula in `formulas/` (and its call in
//! `formulas::evaluate`), its basis in `measures.yaml`, and YAML cases. Nothing else names it.

use rust_decimal::Decimal;
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::SizeClass;

/// What kind of value a measure has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A classification (the size class): not a benefit.
    Class,
    /// A yes/no status that carries no amount of its own (小型微利企业).
    Flag,
    /// An amount in 元, rounded half-up to the fen.
    Amount,
    /// The sum of the amounts marked `in_total`.
    Total,
}

/// One row of the measure table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureDef {
    pub id: MeasureId,
    pub kind: ValueKind,
    /// The unit of an amount (`元`); empty for a class or a flag.
    pub unit: &'static str,
    /// Whether the amount counts in `total_relief` (a deduction from taxable income does not).
    pub in_total: bool,
    /// The city's responsible units that push this benefit (unit ids of the city pack).
    pub units: &'static [&'static str],
}

macro_rules! measure_table {
    ($(
        $(#[$doc:meta])*
        $variant:ident = ($id:literal, $title:literal), $kind:ident, $unit:literal,
            in_total: $in_total:literal, units: [$($u:literal),*];
    )+) => {
        huiqi_domain::vocabulary! {
            /// A measure of the table; `label()` is its Chinese title.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum MeasureId {
                $($(#[$doc])* $variant = ($id, $title),)+
            }
        }

        /// Every measure, in output order (the order of `measures.yaml`, of the CSV columns and
        /// of the stored results).
        pub const MEASURES: &[MeasureDef] = &[$(
            MeasureDef {
                id: MeasureId::$variant,
                kind: ValueKind::$kind,
                unit: $unit,
                in_total: $in_total,
                units: &[$($u),*],
            },
        )+];
    };
}

measure_table! {
    /// 中小企业划型 (工信部联企业〔2011〕300号)
    SizeClass = ("size_class", "中小企业划型"), Class, "", in_total: false, units: [];
    /// 小型微利企业认定
    SmallLowProfit = ("small_low_profit", "小型微利企业认定"), Flag, "", in_total: false, units: ["tax"];
    CitRelief = ("cit_relief", "小型微利企业减按25%计入应纳税所得额、按20%税率缴纳企业所得税"),
        Amount, "元", in_total: true, units: ["tax"];
    IitBusinessRelief = ("iit_business_relief", "个体工商户年应纳税所得额不超过200万元部分减半征收个人所得税"),
        Amount, "元", in_total: true, units: ["tax"];
    SixTaxesRelief = ("six_taxes_relief", "“六税两费”减半征收"),
        Amount, "元", in_total: true, units: ["tax"];
    VatRelief = ("vat_relief", "增值税小规模纳税人季度销售额30万元以下免征、3%征收率减按1%"),
        Amount, "元", in_total: true, units: ["tax"];
    StartupDeduction = ("startup_deduction", "退役士兵、重点群体从事个体经营依次扣减税费"),
        Amount, "元", in_total: true, units: ["tax", "hr_social_security"];
    /// Reduces taxable income: reported, not part of the total.
    RdExtraDeduction = ("rd_extra_deduction", "研发费用加计扣除（费用化部分加计100%）"),
        Amount, "元", in_total: false, units: ["science_tech", "tax"];
    TotalRelief = ("total_relief", "减免税费合计（企业所得税、个人所得税、六税两费、增值税、创业扣减）"),
        Total, "元", in_total: false, units: [];
}

impl MeasureId {
    /// How many measures there are.
    pub const COUNT: usize = MeasureId::ALL.len();

    /// Its row of [`MEASURES`].
    pub const fn def(self) -> &'static MeasureDef {
        &MEASURES[self as usize]
    }

    /// The position in [`MEASURES`] (and in [`Outputs`]).
    pub const fn index(self) -> usize {
        self as usize
    }

    pub const fn kind(self) -> ValueKind {
        self.def().kind
    }

    /// The Chinese title.
    pub const fn title(self) -> &'static str {
        self.label()
    }

    /// The short name a file name or a chart label uses (`六税两费`).
    pub const fn short_title(self) -> &'static str {
        match self {
            MeasureId::SizeClass => "中小企业划型",
            MeasureId::SmallLowProfit => "小型微利企业认定",
            MeasureId::CitRelief => "小型微利企业所得税",
            MeasureId::IitBusinessRelief => "个体工商户个税减半",
            MeasureId::SixTaxesRelief => "六税两费",
            MeasureId::VatRelief => "小规模纳税人增值税",
            MeasureId::StartupDeduction => "创业税费扣减",
            MeasureId::RdExtraDeduction => "研发费用加计扣除",
            MeasureId::TotalRelief => "减免税费合计",
        }
    }

    /// Whether an enterprise can be eligible for it (a flag or an amount, not the class).
    pub fn is_benefit(self) -> bool {
        matches!(self.kind(), ValueKind::Flag | ValueKind::Amount)
    }

    /// Whether it carries an amount of money (an amount or the total).
    pub fn is_money(self) -> bool {
        matches!(self.kind(), ValueKind::Amount | ValueKind::Total)
    }

    /// The measures a matching run stores per enterprise: the benefits (flags and amounts; the
    /// class is stored apart, the total is the sum of the amounts it counts).
    pub fn stored() -> impl Iterator<Item = MeasureId> {
        MeasureId::benefits()
    }

    /// The ids of [`MeasureId::stored`], in order (the store's columns of a result).
    pub fn stored_ids() -> Vec<&'static str> {
        MeasureId::stored().map(MeasureId::as_str).collect()
    }

    /// The measures a push list can be made for: the benefits (flags and amounts).
    pub fn benefits() -> impl Iterator<Item = MeasureId> {
        MeasureId::ALL.iter().copied().filter(|m| m.is_benefit())
    }

    /// The amounts a department grants (an amount; the flag grants nothing by itself).
    pub fn grantable() -> impl Iterator<Item = MeasureId> {
        MeasureId::ALL
            .iter()
            .copied()
            .filter(|m| m.kind() == ValueKind::Amount)
    }
}

/// A measure serialises as its id.
impl Serialize for MeasureId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What the engine computes for one enterprise: the size class and one value per measure of
/// [`MEASURES`] (amounts in 元 rounded half-up to the fen; a flag as 1 or 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    pub size_class: SizeClass,
    values: [Decimal; MeasureId::COUNT],
}

impl Outputs {
    /// All amounts zero, all flags false.
    pub fn new(size_class: SizeClass) -> Outputs {
        Outputs {
            size_class,
            values: [Decimal::ZERO; MeasureId::COUNT],
        }
    }

    pub(crate) fn set(&mut self, m: MeasureId, v: Decimal) {
        self.values[m.index()] = v;
    }

    pub(crate) fn set_flag(&mut self, m: MeasureId, on: bool) {
        self.values[m.index()] = Decimal::from(u8::from(on));
    }

    /// The amount of a measure (a flag: 1 or 0; the class: 0).
    pub fn value(&self, m: MeasureId) -> Decimal {
        self.values[m.index()]
    }

    /// Whether the enterprise benefits from the measure: the flag holds, or the amount is > 0.
    pub fn eligible(&self, m: MeasureId) -> bool {
        match m.kind() {
            ValueKind::Class => false,
            ValueKind::Flag | ValueKind::Amount | ValueKind::Total => self.value(m) > Decimal::ZERO,
        }
    }

    pub fn small_low_profit(&self) -> bool {
        self.eligible(MeasureId::SmallLowProfit)
    }

    pub fn total_relief(&self) -> Decimal {
        self.value(MeasureId::TotalRelief)
    }

    /// An output by its id, as text (`micro`, `true`, `12345.67`).
    pub fn get(&self, id: &str) -> Option<String> {
        let m = MeasureId::parse(id)?;
        Some(match m.kind() {
            ValueKind::Class => self.size_class.as_str().to_string(),
            ValueKind::Flag => self.eligible(m).to_string(),
            ValueKind::Amount | ValueKind::Total => self.value(m).to_string(),
        })
    }

    /// The money outputs (amounts and the total) with their values, in table order.
    pub fn amounts(&self) -> impl Iterator<Item = (MeasureId, Decimal)> + '_ {
        MeasureId::ALL
            .iter()
            .copied()
            .filter(|m| m.is_money())
            .map(|m| (m, self.value(m)))
    }
}

/// As a JSON object in table order: the class as its id, a flag as a boolean, an amount as a
/// decimal string.
impl Serialize for Outputs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(MeasureId::COUNT))?;
        for &m in MeasureId::ALL {
            match m.kind() {
                ValueKind::Class => map.serialize_entry(m.as_str(), &self.size_class)?,
                ValueKind::Flag => map.serialize_entry(m.as_str(), &self.eligible(m))?,
                ValueKind::Amount | ValueKind::Total => {
                    map.serialize_entry(m.as_str(), &self.value(m))?
                }
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_enum_order_with_one_class_and_one_total() {
        for (i, d) in MEASURES.iter().enumerate() {
            assert_eq!(d.id.index(), i);
            assert_eq!(d.id.def(), d);
            assert_eq!(d.unit.is_empty(), !d.id.is_money(), "{}", d.id);
            assert!(!d.in_total || d.kind == ValueKind::Amount, "{}", d.id);
        }
        let count = |k| MEASURES.iter().filter(|d| d.kind == k).count();
        assert_eq!(count(ValueKind::Class), 1);
        assert_eq!(count(ValueKind::Total), 1);
    }

    #[test]
    fn outputs_serialise_in_table_order() {
        let mut o = Outputs::new(SizeClass::Micro);
        o.set_flag(MeasureId::SmallLowProfit, true);
        o.set(MeasureId::VatRelief, Decimal::new(12345, 2));
        let json = serde_json::to_string(&o).unwrap();
        assert!(
            json.starts_with(r#"{"size_class":"micro","small_low_profit":true,"cit_relief":"0""#),
            "{json}"
        );
        assert!(json.contains(r#""vat_relief":"123.45""#), "{json}");
        assert_eq!(o.get("small_low_profit").as_deref(), Some("true"));
        assert_eq!(o.get("vat_relief").as_deref(), Some("123.45"));
        assert_eq!(o.get("nonesuch"), None);
    }
}

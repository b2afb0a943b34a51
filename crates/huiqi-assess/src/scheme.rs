//! The assessment scheme of article 19 as data (`assess/scheme-<year>.yaml` of the pack): the
//! indicators with their weights and scoring rules, the bands, and how the award pool is split.
//! Loaded strictly: unknown keys and YAML floats refused, every problem named with file, line and
//! id, cross-checked against the pack (target ids, articles).

use std::collections::{BTreeMap, BTreeSet};

use huiqi_policy::{Pack, exact_decimal};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::data::{Checker, DataErrors};
use crate::money::to_fen;
use crate::supervision::Basis;

/// Whether the working group has adopted the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemeStatus {
    /// 待审定
    Draft,
    /// 已审定
    Adopted,
}

impl SchemeStatus {
    pub fn label(self) -> &'static str {
        match self {
            SchemeStatus::Draft => "待审定",
            SchemeStatus::Adopted => "已审定",
        }
    }
}

/// The assessment scheme of one year.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub id: String,
    /// This version of the scheme (two versions of a year can be compared side by side).
    pub version: String,
    pub title: String,
    /// The year assessed.
    pub year: i32,
    pub status: SchemeStatus,
    pub basis: Basis,
    /// Where the weights and bands come from.
    #[serde(default)]
    pub references: Vec<String>,
    pub indicators: Vec<Indicator>,
    /// Highest first.
    pub bands: Vec<Band>,
    /// The band below the lowest `min`.
    pub below_bands: BandName,
    pub award: AwardRule,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One indicator: what it measures, its weight (points out of 100) and how it scores.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    /// The article the indicator stands on.
    pub article: u8,
    /// What is counted, in words (口径).
    pub measure: String,
    #[serde(deserialize_with = "exact_decimal")]
    pub weight: Decimal,
    pub rule: Rule,
    /// How the indicator scores while its source has no data for the jurisdiction and year.
    pub no_data: Fallback,
    /// For rates: how it scores when there was nothing to count (0 due, 0 cases).
    #[serde(default)]
    pub no_cases: Option<Fallback>,
}

/// How an indicator turns its input into points.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// 日常调度 completions: Σ(w × min(completion, cap)) ÷ Σw × weight.
    TargetCompletion {
        #[serde(deserialize_with = "exact_decimal")]
        cap: Decimal,
        targets: Vec<TargetWeight>,
    },
    /// A rate: 0 points at or below `zero_at`, full at or above `full_at`, linear between.
    Rate {
        input: RateInput,
        #[serde(deserialize_with = "exact_decimal")]
        zero_at: Decimal,
        #[serde(deserialize_with = "exact_decimal")]
        full_at: Decimal,
    },
    /// Last year's award: the share spent (linear as a rate); a jurisdiction without an award
    /// scores full points if it recorded own-funded support of at least `own_funded_min` 元
    /// (article 19: 未获得激励的县（区）需自行安排资金), else 0.
    FundsUse {
        #[serde(deserialize_with = "exact_decimal")]
        zero_at: Decimal,
        #[serde(deserialize_with = "exact_decimal")]
        full_at: Decimal,
        #[serde(deserialize_with = "exact_decimal")]
        own_funded_min: Decimal,
    },
}

/// A target of the pack and its weight within the target indicator.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetWeight {
    pub target: String,
    #[serde(deserialize_with = "exact_decimal")]
    pub weight: Decimal,
}

/// The rates an indicator can take; each is a plain fraction handed in by its area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateInput {
    /// 督办: reports in by their due date ÷ reports due.
    TaskReportsOnTime,
    /// 为企服务: problems closed within their time limit ÷ problems due.
    ServiceOnTime,
    /// 为企服务: satisfied ratings ÷ ratings.
    ServiceSatisfaction,
    /// 清欠: cases resolved ÷ cases accepted.
    ArrearsResolution,
}

impl RateInput {
    /// Where the figure comes from, for traces.
    pub fn source(self) -> &'static str {
        match self {
            RateInput::TaskReportsOnTime => "督办报送记录",
            RateInput::ServiceOnTime | RateInput::ServiceSatisfaction => "为企服务模块",
            RateInput::ArrearsResolution => "清欠模块",
        }
    }

    /// Names of the fraction's two parts.
    pub fn parts(self) -> (&'static str, &'static str) {
        match self {
            RateInput::TaskReportsOnTime => ("按时报送", "应报送"),
            RateInput::ServiceOnTime => ("按时办结", "应办结"),
            RateInput::ServiceSatisfaction => ("满意评价", "全部评价"),
            RateInput::ArrearsResolution => ("已清偿", "已受理"),
        }
    }
}

/// How an indicator without a figure scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// 计 0 分
    Zero,
    /// 计满分
    Full,
    /// 不计入：the score is the other indicators' points rescaled to 100.
    Rescale,
}

impl Fallback {
    pub fn label(self) -> &'static str {
        match self {
            Fallback::Zero => "计 0 分",
            Fallback::Full => "计满分",
            Fallback::Rescale => "不计入，总分按其余指标折算为百分制",
        }
    }
}

/// A band and its lower bound (inclusive).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "exact_decimal")]
    pub min: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BandName {
    pub id: String,
    pub name: String,
}

/// How the pool is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AwardMethod {
    /// Each eligible jurisdiction weighs its band's weight: pool × w ÷ Σw.
    ByBand,
    /// Each eligible jurisdiction weighs its score: pool × score ÷ Σscore.
    Proportional,
}

/// How the fen left after rounding every share down are handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Remainder {
    /// 最大余数法: one fen each to the largest remainders (ties: higher score, then the pack's
    /// jurisdiction order).
    LargestRemainder,
}

impl Remainder {
    pub fn describe(self) -> &'static str {
        match self {
            Remainder::LargestRemainder => {
                "各县区份额先向下取整到分，剩余的分按最大余数法逐分分配：舍去部分最大的县区各多得 1 分钱；舍去部分相同时，得分高者优先，再按政策包辖区顺序"
            }
        }
    }
}

/// The award rule: the pool, the method and the minimum band for any award.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AwardRule {
    /// 元, at most two decimals.
    #[serde(deserialize_with = "exact_decimal")]
    pub pool: Decimal,
    pub method: AwardMethod,
    /// The lowest band that receives an award.
    pub min_band: String,
    /// `by_band`: the weight of each band at or above `min_band`.
    #[serde(default, deserialize_with = "decimal_map")]
    pub band_weights: BTreeMap<String, Decimal>,
    pub remainder: Remainder,
}

fn decimal_map<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Decimal>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "exact_decimal")] Decimal);
    let m: BTreeMap<String, W> = BTreeMap::deserialize(d)?;
    Ok(m.into_iter().map(|(k, W(v))| (k, v)).collect())
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

impl Scheme {
    /// Loads and checks a scheme file against the pack.
    pub fn load(file: &str, text: &str, pack: &Pack) -> Result<Scheme, DataErrors> {
        let mut c = Checker::new(file, text);
        let Some(s) = c.parse::<Scheme>() else {
            return Err(DataErrors(c.errors));
        };
        s.validate(&mut c, pack);
        c.finish(s)
    }

    fn validate(&self, c: &mut Checker, pack: &Pack) {
        for (key, v) in [("id", &self.id), ("version", &self.version)] {
            if !is_slug(v) {
                c.at(
                    key,
                    v,
                    format!("{key} “{v}” 只能由小写字母、数字、_ 和 - 组成"),
                );
            }
        }
        if !(2000..=2100).contains(&self.year) {
            c.whole(format!("year = {}：不是有效年度", self.year));
        }
        if pack.article(self.basis.article).is_none() {
            c.whole(format!("basis 引用的第{}条不存在", self.basis.article));
        }
        if self.indicators.is_empty() {
            c.whole("没有任何考核指标（indicators）".into());
        }
        let mut ids = BTreeSet::new();
        let mut total = Decimal::ZERO;
        for ind in &self.indicators {
            let mut err = |m: String| c.at("id", &ind.id, m);
            if !is_slug(&ind.id) {
                err(format!(
                    "指标 id “{}” 只能由小写字母、数字、_ 和 - 组成",
                    ind.id
                ));
            }
            if !ids.insert(ind.id.as_str()) {
                err(format!("指标 id “{}” 重复", ind.id));
            }
            if pack.article(ind.article).is_none() {
                err(format!("指标 {} 引用的第{}条不存在", ind.id, ind.article));
            }
            if ind.weight <= Decimal::ZERO {
                err(format!("指标 {} 的权重须大于 0", ind.id));
            }
            total += ind.weight;
            let unit_range = |d: Decimal| d >= Decimal::ZERO && d <= Decimal::ONE;
            match &ind.rule {
                Rule::TargetCompletion { cap, targets } => {
                    if *cap <= Decimal::ZERO || *cap > Decimal::new(15, 1) {
                        err(format!(
                            "指标 {} 的完成率封顶 cap = {cap}：须大于 0 且不超过 1.5",
                            ind.id
                        ));
                    }
                    if ind.no_cases.is_some() {
                        err(format!(
                            "指标 {} 按目标完成率计分，没有“无办件”的情形，请删除 no_cases",
                            ind.id
                        ));
                    }
                    if targets.is_empty() {
                        err(format!("指标 {} 没有列出目标（targets）", ind.id));
                    }
                    let mut seen = BTreeSet::new();
                    for t in targets {
                        if pack.target(&t.target).is_none() {
                            c.at(
                                "target",
                                &t.target,
                                format!("目标 {} 在政策包 targets.yaml 中不存在", t.target),
                            );
                        }
                        if !seen.insert(t.target.as_str()) {
                            c.at("target", &t.target, format!("目标 {} 重复列出", t.target));
                        }
                        if t.weight <= Decimal::ZERO {
                            c.at(
                                "target",
                                &t.target,
                                format!("目标 {} 的权重须大于 0", t.target),
                            );
                        }
                    }
                }
                Rule::Rate {
                    zero_at, full_at, ..
                }
                | Rule::FundsUse {
                    zero_at, full_at, ..
                } => {
                    if !(unit_range(*zero_at) && unit_range(*full_at) && zero_at < full_at) {
                        err(format!(
                            "指标 {} 的计分区间须满足 0 ≤ zero_at < full_at ≤ 1（现为 {zero_at} 与 {full_at}）",
                            ind.id
                        ));
                    }
                    if let Rule::FundsUse { own_funded_min, .. } = &ind.rule {
                        if own_funded_min.is_sign_negative() || to_fen(*own_funded_min).is_none() {
                            err(format!(
                                "指标 {} 的 own_funded_min 须为不小于 0、最多两位小数的元",
                                ind.id
                            ));
                        }
                        if ind.no_cases.is_some() {
                            err(format!(
                                "指标 {} 的“无奖补”情形由 own_funded_min 决定，请删除 no_cases",
                                ind.id
                            ));
                        }
                    } else if ind.no_cases.is_none() {
                        err(format!(
                            "指标 {} 须写明 no_cases：本年度无应计事项（分母为 0）时如何计分（zero、full 或 rescale）",
                            ind.id
                        ));
                    }
                }
            }
        }
        if total != Decimal::ONE_HUNDRED && !self.indicators.is_empty() {
            c.whole(format!(
                "各指标权重之和为 {total}，须为 100（总分按百分制，分档线 {} 才有意义）",
                self.bands
                    .iter()
                    .map(|b| b.min.to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            ));
        }

        // Bands: highest first, strictly descending, within (0, 100], ids unique.
        if self.bands.is_empty() {
            c.whole("没有任何等次（bands）".into());
        }
        let mut band_ids = BTreeSet::new();
        for (i, b) in self.bands.iter().enumerate() {
            if !is_slug(&b.id) || !band_ids.insert(b.id.as_str()) {
                c.at("id", &b.id, format!("等次 id “{}” 无效或重复", b.id));
            }
            if b.min <= Decimal::ZERO || b.min > Decimal::ONE_HUNDRED {
                c.at(
                    "id",
                    &b.id,
                    format!("等次 {} 的分数线 {} 须在 0 到 100 之间", b.name, b.min),
                );
            }
            if i > 0 && b.min >= self.bands[i - 1].min {
                c.at(
                    "id",
                    &b.id,
                    format!(
                        "等次须从高到低排列：{}（{}）不低于上一档 {}（{}）",
                        b.name,
                        b.min,
                        self.bands[i - 1].name,
                        self.bands[i - 1].min
                    ),
                );
            }
        }
        if !is_slug(&self.below_bands.id) || !band_ids.insert(self.below_bands.id.as_str()) {
            c.at(
                "id",
                &self.below_bands.id,
                format!("等次 id “{}” 无效或重复", self.below_bands.id),
            );
        }

        // Award.
        let a = &self.award;
        if a.pool.is_sign_negative() || to_fen(a.pool).is_none() {
            c.whole(format!(
                "奖补资金池 pool = {}：须为不小于 0、最多两位小数的元",
                a.pool
            ));
        }
        let eligible: Vec<&Band> = match self.bands.iter().position(|b| b.id == a.min_band) {
            Some(i) => self.bands[..=i].iter().collect(),
            // The band weights cannot be checked against an unknown band: one error is enough.
            None => {
                c.at(
                    "min_band",
                    &a.min_band,
                    format!(
                        "min_band “{}” 不是等次 id（可选：{}）",
                        a.min_band,
                        self.bands
                            .iter()
                            .map(|b| b.id.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                );
                return;
            }
        };
        match a.method {
            AwardMethod::ByBand => {
                for (k, w) in &a.band_weights {
                    if !eligible.iter().any(|b| &b.id == k) {
                        c.at(
                            k,
                            &w.to_string(),
                            format!("band_weights 的 {k} 不是可获奖等次（min_band 及以上）"),
                        );
                    }
                    if w.is_sign_negative() {
                        c.at(k, &w.to_string(), format!("等次 {k} 的权重不能为负"));
                    }
                }
                for b in &eligible {
                    if !a.band_weights.contains_key(&b.id) {
                        c.whole(format!(
                            "按等次分配（by_band）须给出每个可获奖等次的权重：缺少 {}（{}）",
                            b.id, b.name
                        ));
                    }
                }
                if !eligible.is_empty() && a.band_weights.values().all(|w| w.is_zero()) {
                    c.whole("band_weights 全为 0：无法分配奖补".into());
                }
            }
            AwardMethod::Proportional => {
                if !a.band_weights.is_empty() {
                    c.whole("按得分比例分配（proportional）不用 band_weights，请删除该项".into());
                }
            }
        }
    }

    /// The indicator, by id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The band of a score: the first whose `min` it reaches, else the band below.
    pub fn band_of(&self, score: Decimal) -> (&str, &str) {
        self.bands
            .iter()
            .find(|b| score >= b.min)
            .map_or((&self.below_bands.id, &self.below_bands.name), |b| {
                (&b.id, &b.name)
            })
    }

    /// Whether a band receives an award (it is `min_band` or above).
    pub fn eligible(&self, band: &str) -> bool {
        match self.bands.iter().position(|b| b.id == self.award.min_band) {
            Some(i) => self.bands[..=i].iter().any(|b| b.id == band),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests;

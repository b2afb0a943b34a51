//! A year's assessment (article 19) from plain inputs: each jurisdiction's indicators, score, rank,
//! band and award, with the computation written out so a person can redo it by hand.
//!
//! Arithmetic: every indicator is computed on exact decimals and rounded half-up to 0.01 points at
//! its end; the score is the sum of the points (rescaled to 100 when an indicator “不计入”, then
//! rounded again to 0.01). Awards are split in integer fen: each share rounded down, the fen left
//! over handed out by the largest remainder (the scheme states the rule), so they sum to the pool.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::money::{from_fen, grouped, pct, to_fen, yuan};
use crate::scheme::{AwardMethod, Fallback, Indicator, RateInput, Rule, Scheme};

/// A count out of a total (`part` of `whole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fraction {
    pub part: Decimal,
    pub whole: Decimal,
}

impl Fraction {
    pub fn new(part: impl Into<Decimal>, whole: impl Into<Decimal>) -> Fraction {
        Fraction {
            part: part.into(),
            whole: whole.into(),
        }
    }
}

/// Last year's award and its use, or the own-funded support of a jurisdiction without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FundsUse {
    /// 元: the award of last year and what of it was spent (net of reversals).
    Awarded { awarded: Decimal, spent: Decimal },
    /// 元: own-funded support recorded for last year.
    NotAwarded { own_funded: Decimal },
}

/// One jurisdiction's inputs. `None` everywhere means “no data yet” from that source, and scores as
/// the scheme's `no_data` says; nothing is estimated.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inputs {
    pub jurisdiction: String,
    /// 日常调度: the completion (actual ÷ target) of each target at the end of the year; a target
    /// absent from the map, or `None`, was not reported and counts 0. `None`: no 调度表 for the year.
    pub target_completions: Option<BTreeMap<String, Option<Decimal>>>,
    /// The month of the 调度表 the completions come from (`2023-12`), for the trace.
    pub targets_as_of: Option<String>,
    pub task_reports_on_time: Option<Fraction>,
    pub service_on_time: Option<Fraction>,
    pub service_satisfaction: Option<Fraction>,
    pub arrears_resolution: Option<Fraction>,
    pub funds_use: Option<FundsUse>,
}

impl Inputs {
    fn rate(&self, input: RateInput) -> Option<Fraction> {
        match input {
            RateInput::TaskReportsOnTime => self.task_reports_on_time,
            RateInput::ServiceOnTime => self.service_on_time,
            RateInput::ServiceSatisfaction => self.service_satisfaction,
            RateInput::ArrearsResolution => self.arrears_resolution,
        }
    }
}

/// One indicator of one jurisdiction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    pub id: String,
    pub name: String,
    pub article: u8,
    pub weight: Decimal,
    /// The measured value (a rate, or the weighted capped completion), where there is one.
    pub value: Option<Decimal>,
    /// The points, or `None` when the indicator is left out (rescaled).
    pub points: Option<Decimal>,
    /// How the points were computed, in Chinese, with every number used.
    pub how: String,
}

/// One jurisdiction's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub jurisdiction: String,
    pub score: Decimal,
    /// 1 = best; equal scores share a rank (1, 2, 2, 4).
    pub rank: usize,
    pub band_id: String,
    pub band: String,
    /// 元
    pub award: Decimal,
    pub score_how: String,
    pub award_how: String,
    pub indicators: Vec<IndicatorScore>,
}

/// A year's assessment under one scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub scheme_id: String,
    pub scheme_version: String,
    pub scheme_title: String,
    pub year: i32,
    /// 元
    pub pool: Decimal,
    pub awarded_total: Decimal,
    /// The part of the pool nobody received (no jurisdiction reached the minimum band).
    pub unallocated: Decimal,
    pub remainder_rule: String,
    /// Best first; equal scores in the order the inputs came (the pack's jurisdiction order).
    pub rows: Vec<Row>,
}

fn r2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn pts(d: Decimal) -> String {
    format!("{} 分", grouped(d, 2))
}

/// Points for a value on a linear scale between `zero_at` and `full_at`.
fn linear(weight: Decimal, v: Decimal, zero_at: Decimal, full_at: Decimal) -> (Decimal, String) {
    if v >= full_at {
        (
            r2(weight),
            format!("达到满分线 {}，计满分 {}", pct(full_at), pts(weight)),
        )
    } else if v <= zero_at {
        (
            Decimal::ZERO,
            format!("不高于零分线 {}，计 0 分", pct(zero_at)),
        )
    } else {
        let p = r2(weight * (v - zero_at) / (full_at - zero_at));
        (
            p,
            format!(
                "得分 = {} × (实际值 − {}) ÷ ({} − {}) = {}",
                num(weight),
                num(zero_at),
                num(full_at),
                num(zero_at),
                pts(p)
            ),
        )
    }
}

fn fallback(ind: &Indicator, f: Fallback, why: &str) -> (Option<Decimal>, String) {
    let points = match f {
        Fallback::Zero => Some(Decimal::ZERO),
        Fallback::Full => Some(r2(ind.weight)),
        Fallback::Rescale => None,
    };
    (points, format!("{why}，按方案{}", f.label()))
}

fn score_indicator(ind: &Indicator, input: &Inputs) -> IndicatorScore {
    let mut out = IndicatorScore {
        id: ind.id.clone(),
        name: ind.name.clone(),
        article: ind.article,
        weight: ind.weight,
        value: None,
        points: None,
        how: String::new(),
    };
    match &ind.rule {
        Rule::TargetCompletion { cap, targets } => {
            let Some(done) = &input.target_completions else {
                (out.points, out.how) = fallback(ind, ind.no_data, "日常调度尚无该年度数据");
                return out;
            };
            let total_w: Decimal = targets.iter().map(|t| t.weight).sum();
            let mut sum = Decimal::ZERO;
            let mut terms = Vec::new();
            for t in targets {
                match done.get(&t.target).copied().flatten() {
                    Some(c) => {
                        let capped = c.min(*cap);
                        sum += t.weight * capped;
                        let note = if c > *cap {
                            format!("（{} 封顶）", pct(c))
                        } else {
                            String::new()
                        };
                        terms.push(format!("{}×{}{note}", num(t.weight), num(capped)));
                    }
                    None => terms.push(format!("{}×0（{} 未报送）", num(t.weight), t.target)),
                }
            }
            let value = sum / total_w;
            let p = r2(ind.weight * value);
            out.value = Some(value.round_dp(4));
            out.points = Some(p);
            let source = input
                .targets_as_of
                .as_ref()
                .map_or(String::new(), |m| format!("日常调度 {m} 的完成率；"));
            out.how = format!(
                "{source}得分 = {} × Σ(目标权重 × min(完成率, {})) ÷ Σ目标权重 = {} × ({}) ÷ {} = {}",
                num(ind.weight),
                num(*cap),
                num(ind.weight),
                terms.join(" + "),
                num(total_w),
                pts(p)
            );
        }
        Rule::Rate {
            input: which,
            zero_at,
            full_at,
        } => {
            let Some(f) = input.rate(*which) else {
                (out.points, out.how) =
                    fallback(ind, ind.no_data, &format!("{}尚无数据", which.source()));
                return out;
            };
            let (part, whole) = which.parts();
            if f.whole.is_zero() {
                (out.points, out.how) = fallback(
                    ind,
                    ind.no_cases.unwrap_or(ind.no_data),
                    &format!("本年度{whole} 0 件"),
                );
                return out;
            }
            let v = f.part / f.whole;
            let (p, rule) = linear(ind.weight, v, *zero_at, *full_at);
            out.value = Some(v.round_dp(4));
            out.points = Some(p);
            out.how = format!(
                "{part} {} ÷ {whole} {} = {}；{rule}",
                num(f.part),
                num(f.whole),
                pct(v)
            );
        }
        Rule::FundsUse {
            zero_at,
            full_at,
            own_funded_min,
        } => match input.funds_use {
            None => (out.points, out.how) = fallback(ind, ind.no_data, "没有上年度的资金台账"),
            Some(FundsUse::Awarded { awarded, spent }) if !awarded.is_zero() => {
                let v = spent / awarded;
                let (p, rule) = linear(ind.weight, v, *zero_at, *full_at);
                out.value = Some(v.round_dp(4));
                out.points = Some(p);
                out.how = format!(
                    "上年度奖补 {} 元，已按限定用途支出 {} 元，使用率 {}；{rule}",
                    yuan(awarded),
                    yuan(spent),
                    pct(v)
                );
            }
            Some(FundsUse::Awarded { .. }) => {
                (out.points, out.how) = fallback(ind, ind.no_data, "上年度奖补为 0 元")
            }
            Some(FundsUse::NotAwarded { own_funded }) => {
                let ok = own_funded > Decimal::ZERO && own_funded >= *own_funded_min;
                out.value = Some(own_funded);
                out.points = Some(if ok { r2(ind.weight) } else { Decimal::ZERO });
                out.how = format!(
                    "上年度未获奖补；自行安排资金支持 {} 元，{} {} 元（第19条：未获得激励的县（区）需自行安排资金），计 {}",
                    yuan(own_funded),
                    if ok { "达到" } else { "未达到" },
                    yuan(*own_funded_min),
                    pts(out.points.unwrap_or_default())
                );
            }
        },
    }
    out
}

/// Computes the assessment of `scheme` over the jurisdictions' inputs (in the pack's order).
pub fn assess(scheme: &Scheme, inputs: &[Inputs]) -> Assessment {
    let total_weight: Decimal = scheme.indicators.iter().map(|i| i.weight).sum();
    let mut rows: Vec<Row> = inputs
        .iter()
        .map(|inp| {
            let indicators: Vec<IndicatorScore> = scheme
                .indicators
                .iter()
                .map(|ind| score_indicator(ind, inp))
                .collect();
            let scored: Vec<&IndicatorScore> =
                indicators.iter().filter(|i| i.points.is_some()).collect();
            let sum: Decimal = scored.iter().filter_map(|i| i.points).sum();
            let w: Decimal = scored.iter().map(|i| i.weight).sum();
            let parts = scored
                .iter()
                .map(|i| grouped(i.points.unwrap_or_default(), 2))
                .collect::<Vec<_>>()
                .join(" + ");
            let (score, score_how) = if w == total_weight {
                (sum, format!("总分 = {parts} = {}", pts(sum)))
            } else if w.is_zero() {
                (Decimal::ZERO, "没有任何可计分的指标，总分计 0".to_string())
            } else {
                let s = r2(sum * Decimal::ONE_HUNDRED / w);
                let left_out = indicators
                    .iter()
                    .filter(|i| i.points.is_none())
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、");
                (
                    s,
                    format!(
                        "{left_out}不计入；总分 = ({parts}) ÷ 计分权重 {} × 100 = {} × 100 ÷ {} = {}",
                        num(w),
                        grouped(sum, 2),
                        num(w),
                        pts(s)
                    ),
                )
            };
            let (band_id, band) = scheme.band_of(score);
            Row {
                jurisdiction: inp.jurisdiction.clone(),
                score,
                rank: 0,
                band_id: band_id.to_string(),
                band: band.to_string(),
                award: Decimal::ZERO,
                score_how,
                award_how: String::new(),
                indicators,
            }
        })
        .collect();

    // Rank: best first; ties keep the input order and share a rank.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| rows[b].score.cmp(&rows[a].score).then(a.cmp(&b)));
    for (pos, &i) in order.iter().enumerate() {
        let rank = match pos {
            0 => 1,
            _ if rows[order[pos - 1]].score == rows[i].score => rows[order[pos - 1]].rank,
            _ => pos + 1,
        };
        rows[i].rank = rank;
    }

    let pool_fen = to_fen(scheme.award.pool).unwrap_or(0);
    let awarded_fen = split_awards(scheme, &mut rows, &order, pool_fen);
    let rows = order.into_iter().map(|i| rows[i].clone()).collect();
    Assessment {
        scheme_id: scheme.id.clone(),
        scheme_version: scheme.version.clone(),
        scheme_title: scheme.title.clone(),
        year: scheme.year,
        pool: from_fen(pool_fen),
        awarded_total: from_fen(awarded_fen),
        unallocated: from_fen(pool_fen - awarded_fen),
        remainder_rule: scheme.award.remainder.describe().to_string(),
        rows,
    }
}

/// An exact decimal as an integer numerator at a common scale.
fn scaled(d: Decimal, scale: u32) -> i128 {
    let m = d.mantissa();
    m * 10i128.pow(scale - d.scale())
}

/// Splits the pool among the eligible rows; returns the fen handed out.
fn split_awards(scheme: &Scheme, rows: &mut [Row], order: &[usize], pool_fen: i64) -> i64 {
    let rule = &scheme.award;
    let weight_of = |r: &Row| -> Option<Decimal> {
        if !scheme.eligible(&r.band_id) {
            return None;
        }
        match rule.method {
            AwardMethod::ByBand => rule.band_weights.get(&r.band_id).copied(),
            AwardMethod::Proportional => Some(r.score),
        }
    };
    let weights: Vec<Option<Decimal>> = rows.iter().map(weight_of).collect();
    let scale = weights
        .iter()
        .flatten()
        .map(|w| w.scale())
        .max()
        .unwrap_or(0);
    let nums: Vec<i128> = weights
        .iter()
        .map(|w| w.map_or(0, |w| scaled(w, scale)))
        .collect();
    let den: i128 = nums.iter().sum();
    let what = match rule.method {
        AwardMethod::ByBand => "等次权重",
        AwardMethod::Proportional => "得分",
    };
    if den <= 0 || pool_fen == 0 {
        for (r, w) in rows.iter_mut().zip(&weights) {
            r.award_how = if w.is_none() {
                format!("{}未达到可获奖等次，不奖补", r.band)
            } else {
                "没有可分配的奖补（奖池为 0 或可获奖县区的权重之和为 0）".into()
            };
        }
        return 0;
    }
    let pool = pool_fen as i128;
    let mut fen: Vec<i128> = nums.iter().map(|n| pool * n / den).collect();
    let rem: Vec<i128> = nums.iter().map(|n| pool * n % den).collect();
    let left = pool - fen.iter().sum::<i128>();
    // Largest remainder; ties by score (higher first), then input order.
    let mut by_rem: Vec<usize> = order.iter().copied().filter(|&i| nums[i] > 0).collect();
    by_rem.sort_by(|&a, &b| {
        rem[b]
            .cmp(&rem[a])
            .then(rows[b].score.cmp(&rows[a].score))
            .then(a.cmp(&b))
    });
    let extra: Vec<usize> = by_rem.iter().copied().take(left as usize).collect();
    for &i in &extra {
        fen[i] += 1;
    }
    let den_d = Decimal::from_i128_with_scale(den, scale);
    for (i, r) in rows.iter_mut().enumerate() {
        let Some(w) = weights[i] else {
            r.award_how = format!("{}未达到可获奖等次，不奖补", r.band);
            continue;
        };
        let f = fen[i] as i64;
        r.award = from_fen(f);
        let exact = Decimal::from(pool_fen) * w / den_d / Decimal::ONE_HUNDRED;
        let plus = if extra.contains(&i) {
            "，余数分配 +0.01 元"
        } else {
            ""
        };
        let share = if exact == exact.trunc_with_scale(2) {
            format!("{} 元", yuan(exact))
        } else {
            format!(
                "{}… 元 → 向下取整到分",
                grouped(exact.trunc_with_scale(6), 6)
            )
        };
        r.award_how = format!(
            "奖补 = 奖池 {} 元 × {what} {} ÷ 可获奖县区{what}之和 {} = {share}{plus}，得 {} 元",
            yuan(from_fen(pool_fen)),
            num(w),
            num(den_d),
            yuan(r.award)
        );
    }
    fen.iter().sum::<i128>() as i64
}

/// One jurisdiction under two schemes (the what-if, side by side).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub jurisdiction: String,
    pub score: (Decimal, Decimal),
    pub rank: (usize, usize),
    pub band: (String, String),
    pub award: (Decimal, Decimal),
}

/// The same year under two schemes, row by row in the order of `a`.
pub fn compare(a: &Assessment, b: &Assessment) -> Vec<Comparison> {
    a.rows
        .iter()
        .filter_map(|ra| {
            let rb = b.rows.iter().find(|r| r.jurisdiction == ra.jurisdiction)?;
            Some(Comparison {
                jurisdiction: ra.jurisdiction.clone(),
                score: (ra.score, rb.score),
                rank: (ra.rank, rb.rank),
                band: (ra.band.clone(), rb.band.clone()),
                award: (ra.award, rb.award),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;

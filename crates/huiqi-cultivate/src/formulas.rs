//! The formulas of the three standards: which parameter and which band each indicator uses, the
//! conditions, the direct routes and the line. One function per standard; the values are data
//! (`standards.yaml`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::data::{BandTable, Banded, Unit, Version};
use crate::{NicheField, Outcome, Profile, RdInstitution, Standard};

/// The parameters and band tables a standard's formula reads (checked when the data is loaded).
pub fn needs(s: Standard) -> (&'static [&'static str], &'static [&'static str]) {
    match s {
        Standard::TechSme => (
            &[
                "max_employees",
                "max_sales",
                "max_assets",
                "pass_score",
                "ip_class1_points",
            ],
            &[
                "tech_staff_share",
                "rd_sales_share",
                "rd_cost_share",
                "ip_class2",
            ],
        ),
        Standard::InnovativeSme => (
            &[
                "pass_score",
                "min_innovation",
                "min_growth",
                "min_specialisation",
                "ip_high_value_points",
                "ip_class1_own_points",
                "ip_class1_points",
                "ip_class2_points",
                "strategic_field_points",
                "other_field_points",
                "direct_equity_3y",
            ],
            &[
                "rd_revenue_share",
                "main_revenue_growth",
                "debt_ratio",
                "main_revenue_share",
            ],
        ),
        Standard::Zjtx => (
            &[
                "min_years_in_niche",
                "min_rd_expense",
                "min_rd_share",
                "min_revenue",
                "min_equity_2y",
                "pass_score",
                "direct_rd_avg_2y",
                "direct_equity_2y",
                "niche_years_per_point",
                "niche_max_points",
                "key_field_points",
                "other_field_points",
                "quality_cert_points",
                "quality_cert_max",
                "speciality_max",
                "ip_high_value_points",
                "ip_class1_own_points",
                "ip_class1_points",
                "ip_class2_points",
                "national_institution_points",
                "provincial_institution_points",
            ],
            &[
                "main_revenue_share",
                "main_revenue_growth_2y",
                "digital_level",
                "net_margin",
                "debt_ratio",
                "rd_amount",
                "rd_share",
                "rd_staff_share",
            ],
        ),
    }
}

/// Scores a profile against one version.
pub fn evaluate(v: &Version, p: &Profile, traced: bool) -> Outcome {
    let mut s = Sheet {
        v,
        traced,
        trace: Vec::new(),
        parts: BTreeMap::new(),
        failed: Vec::new(),
        gains: Vec::new(),
        shortfalls: Vec::new(),
    };
    s.note(format!(
        "{}：{}，{} 起施行{}",
        v.standard.label(),
        v.document,
        v.from,
        if v.unverified {
            format!("（待核实：{}）", v.note.as_deref().unwrap_or("未核实原文"))
        } else {
            String::new()
        }
    ));
    let (score, line, direct) = match v.standard {
        Standard::TechSme => tech_sme(&mut s, p),
        Standard::InnovativeSme => innovative(&mut s, p),
        Standard::Zjtx => zjtx(&mut s, p),
    };
    let conditions_met = s.failed.is_empty();
    let qualified = conditions_met && (direct || s.shortfalls.is_empty());
    s.note(format!(
        "结论：{}（总分 {score} 分，{}）",
        if qualified { "符合" } else { "不符合" },
        if direct {
            "适用直通条件".to_string()
        } else {
            format!("合格线 {line} 分")
        }
    ));
    let missing = if qualified {
        Vec::new()
    } else {
        let mut gains = std::mem::take(&mut s.gains);
        gains.sort_by_key(|g| std::cmp::Reverse(g.0));
        let mut m = std::mem::take(&mut s.failed);
        if !direct {
            m.append(&mut s.shortfalls);
            m.extend(gains.into_iter().map(|(_, t)| t));
        }
        m
    };
    Outcome {
        standard: v.standard,
        version: v.label(),
        score,
        qualified,
        parts: s.parts,
        missing,
        trace: traced.then_some(s.trace),
        line,
        conditions_met,
        direct,
    }
}

struct Sheet<'a> {
    v: &'a Version,
    traced: bool,
    trace: Vec<String>,
    parts: BTreeMap<String, u32>,
    /// Conditions that do not hold.
    failed: Vec<String>,
    /// Points to gain and how.
    gains: Vec<(u32, String)>,
    /// The total or a sub-score below its minimum.
    shortfalls: Vec<String>,
}

/// A fraction, 0 when the denominator is not positive.
fn ratio(num: Decimal, den: Decimal) -> Decimal {
    if den > Decimal::ZERO {
        num / den
    } else {
        Decimal::ZERO
    }
}

fn pts(d: Decimal) -> u32 {
    use rust_decimal::prelude::ToPrimitive;
    d.trunc().to_u32().unwrap_or(0)
}

/// A value as shown: 2.4%, 3 项, 120 万元, 2 级.
pub fn show(unit: Unit, d: Decimal) -> String {
    match unit {
        // Truncated, so that a value just under a threshold never reads as the threshold.
        Unit::Percent => format!(
            "{}%",
            (d * Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::ToZero)
                .normalize()
        ),
        Unit::Count => {
            let n = d.normalize();
            format!("{} 项", huiqi_domain::numbers::fixed(n, n.scale()))
        }
        Unit::Level => format!("{} 级", d.normalize()),
        Unit::Yuan => {
            let wan = d / Decimal::from(10_000);
            if d.abs() >= Decimal::from(10_000) && wan.round_dp(2) == wan {
                let wan = wan.normalize();
                format!("{} 万元", huiqi_domain::numbers::fixed(wan, wan.scale()))
            } else {
                // 千分位 on the whole 元 (2,451,510 元), the fen as written.
                let v = d.round_dp(2).normalize().to_string();
                let (sign, v) = v.strip_prefix('-').map_or(("", v.as_str()), |r| ("-", r));
                let (int, frac) = v.split_once('.').map_or((v, ""), |(a, b)| (a, b));
                let grouped = int
                    .parse::<u64>()
                    .map_or_else(|_| int.to_string(), huiqi_domain::text::thousands);
                let frac = if frac.is_empty() {
                    String::new()
                } else {
                    format!(".{frac}")
                };
                format!("{sign}{grouped}{frac} 元")
            }
        }
    }
}

fn yuan(d: Decimal) -> String {
    show(Unit::Yuan, d)
}

impl Sheet<'_> {
    fn note(&mut self, line: String) {
        if self.traced {
            self.trace.push(line);
        }
    }

    fn flag(unverified: bool) -> &'static str {
        if unverified { "（待核实）" } else { "" }
    }

    /// The band of a value, traced.
    fn band(&mut self, id: &str, value: Decimal, how: &str) -> (&BandTable, Banded) {
        let v = self.v;
        let t = v.table(id);
        let b = t.band(value);
        if self.traced {
            self.trace.push(format!(
                "{}：{}{} → {} 分（{} {}{}）",
                t.title,
                show(t.unit, value),
                how,
                b.points,
                v.document,
                t.reference,
                Self::flag(t.unverified)
            ));
        }
        (t, b)
    }

    /// Offers the next band as a way to gain points over `have`.
    fn offer(&mut self, t: &BandTable, value: Decimal, b: &Banded, have: u32) {
        if let Some((thr, p)) = b.next
            && p > have
        {
            let text = if t.lower_is_better() {
                format!(
                    "{}降到 {} 以下（现 {}）可再得 {} 分",
                    t.title,
                    show(t.unit, thr),
                    show(t.unit, value),
                    p - have
                )
            } else {
                format!(
                    "{}达到 {}（现 {}）可再得 {} 分",
                    t.title,
                    show(t.unit, thr),
                    show(t.unit, value),
                    p - have
                )
            };
            self.gains.push((p - have, text));
        }
    }

    /// A band scored as one part.
    fn part(&mut self, part: &str, id: &str, value: Decimal, how: &str) -> u32 {
        let (t, b) = self.band(id, value, how);
        let t = t.clone();
        self.offer(&t, value, &b, b.points);
        self.parts.insert(part.to_string(), b.points);
        b.points
    }

    /// A part without the data it needs: 0 points, and the data named as missing.
    fn no_data(&mut self, part: &str, what: &str) {
        self.note(format!("{what} → 0 分"));
        self.gains.push((0, format!("{what}，请补充")));
        self.parts.insert(part.to_string(), 0);
    }

    /// A parameter, traced when used.
    fn p(&mut self, id: &str) -> Decimal {
        let v = self.v;
        let p = v.param(id);
        if self.traced {
            self.trace.push(format!(
                "参数 {}：{}（{} {}{}）",
                p.title,
                p.value.normalize(),
                v.document,
                p.reference,
                Self::flag(p.unverified)
            ));
        }
        p.value
    }

    /// A condition; when it fails, `text` says what it asks and the current value.
    fn condition(&mut self, holds: bool, text: String) {
        self.note(format!(
            "条件：{text} → {}",
            if holds { "满足" } else { "不满足" }
        ));
        if !holds {
            self.failed.push(text);
        }
    }

    /// A direct route, traced.
    fn route(&mut self, applies: bool, text: &str) -> bool {
        if applies {
            self.note(format!("直通条件：{text} → 适用"));
        }
        applies
    }

    /// The total against the line.
    fn line(&mut self, score: u32, line: u32) {
        self.note(format!("总分 {score} 分，合格线 {line} 分"));
        if score < line {
            self.shortfalls.push(format!(
                "总分须达到 {line} 分（现 {score} 分，还差 {} 分）",
                line - score
            ));
        }
    }

    /// A sub-score minimum.
    fn minimum(&mut self, name: &str, got: u32, min: u32) {
        self.note(format!("{name}得分 {got} 分，下限 {min} 分"));
        if got < min {
            self.shortfalls
                .push(format!("{name}得分须不低于 {min} 分（现 {got} 分）"));
        }
    }

    /// The highest 知识产权 tier reached (points by parameter), with the next tier as a gain.
    fn ip_tiers(&mut self, p: &Profile, part: &str) -> u32 {
        let tiers = [
            ("ip_high_value_points", p.ip_high_value, "Ⅰ类高价值知识产权"),
            (
                "ip_class1_own_points",
                p.ip_class1_own,
                "自主研发的Ⅰ类知识产权",
            ),
            ("ip_class1_points", p.ip_class1, "Ⅰ类知识产权"),
            ("ip_class2_points", p.ip_class2, "Ⅱ类知识产权"),
        ];
        let mut got = 0;
        let mut hit = None;
        for (i, (id, n, _)) in tiers.iter().enumerate() {
            if *n >= 1 {
                got = pts(self.p(id));
                hit = Some(i);
                break;
            }
        }
        let top = hit.unwrap_or(tiers.len());
        if top > 0 {
            let (id, n, name) = tiers[top - 1];
            let better = pts(self.v.p(id));
            if better > got {
                self.gains.push((
                    better - got,
                    format!("拥有 1 项以上{name}（现 {n} 项）可再得 {} 分", better - got),
                ));
            }
        }
        self.note(format!(
            "知识产权：高价值Ⅰ类 {} 项，自主研发Ⅰ类 {} 项，Ⅰ类 {} 项，Ⅱ类 {} 项 → {got} 分",
            p.ip_high_value, p.ip_class1_own, p.ip_class1, p.ip_class2
        ));
        self.parts.insert(part.to_string(), got);
        got
    }
}

/// 科技型中小企业 (国科发政〔2017〕115号): conditions of 第六条, scores of 第八条, the line of 第七条
/// (≥ 60 with a non-zero 科技人员 score), the direct routes of 第九条.
fn tech_sme(s: &mut Sheet, p: &Profile) -> (u32, u32, bool) {
    let max_emp = s.p("max_employees");
    let emp = Decimal::from(p.employees);
    s.condition(
        emp <= max_emp,
        format!(
            "职工总数不超过 {} 人（现 {} 人）",
            max_emp.normalize(),
            p.employees
        ),
    );
    let max_sales = s.p("max_sales");
    s.condition(
        p.sales_revenue <= max_sales,
        format!(
            "年销售收入不超过 {}（现 {}）",
            yuan(max_sales),
            yuan(p.sales_revenue)
        ),
    );
    let max_assets = s.p("max_assets");
    s.condition(
        p.total_assets <= max_assets,
        format!(
            "资产总额不超过 {}（现 {}）",
            yuan(max_assets),
            yuan(p.total_assets)
        ),
    );
    s.condition(
        !p.restricted_industry,
        "产品和服务不属于国家规定的禁止、限制和淘汰类（现属于）".into(),
    );
    s.condition(
        !p.serious_violation,
        "上一年及当年内无重大事故、严重违法失信记录（现有）".into(),
    );

    let staff_share = ratio(Decimal::from(p.tech_staff), emp);
    let staff = s.part(
        "tech_staff",
        "tech_staff_share",
        staff_share,
        &format!("（科技人员 {} 人 / 职工 {} 人）", p.tech_staff, p.employees),
    );

    let on_sales = ratio(p.rd_expense, p.sales_revenue);
    let on_costs = ratio(p.rd_expense, p.cost_total);
    let (ts, bs) = s.band(
        "rd_sales_share",
        on_sales,
        &format!(
            "（研发投入 {} / 销售收入 {}）",
            yuan(p.rd_expense),
            yuan(p.sales_revenue)
        ),
    );
    let ts = ts.clone();
    let (tc, bc) = s.band(
        "rd_cost_share",
        on_costs,
        &format!(
            "（研发投入 {} / 成本费用 {}）",
            yuan(p.rd_expense),
            yuan(p.cost_total)
        ),
    );
    let tc = tc.clone();
    let rd = bs.points.max(bc.points);
    s.note(format!(
        "研发投入得分取两种口径中较高者：{rd} 分（第八条（二））"
    ));
    s.offer(&ts, on_sales, &bs, rd);
    s.offer(&tc, on_costs, &bc, rd);
    s.parts.insert("rd".into(), rd);

    let class1_points = pts(s.v.p("ip_class1_points"));
    let (t2, b2) = s.band("ip_class2", Decimal::from(p.ip_class2), "");
    let t2 = t2.clone();
    let ip = if p.ip_class1 >= 1 {
        s.note(format!(
            "Ⅰ类知识产权 {} 项 → {class1_points} 分（第八条（三））",
            p.ip_class1
        ));
        class1_points.max(b2.points)
    } else {
        b2.points
    };
    if p.ip_class1 == 0 && class1_points > ip {
        s.gains.push((
            class1_points - ip,
            format!(
                "拥有 1 项Ⅰ类知识产权（现 0 项）可再得 {} 分",
                class1_points - ip
            ),
        ));
    }
    s.offer(&t2, Decimal::from(p.ip_class2), &b2, ip);
    s.parts.insert("ip".into(), ip);

    let score = staff + rd + ip;
    let line = pts(s.p("pass_score"));
    s.line(score, line);
    if staff == 0 {
        s.note("科技人员指标得分为 0 分：不能以评分通过（第七条）".into());
        let lowest =
            s.v.table("tech_staff_share")
                .at_least
                .last()
                .map(|b| b.from);
        s.shortfalls.push(format!(
            "科技人员指标得分不能为 0 分（科技人员占职工总数比例须达到 {}）",
            show(Unit::Percent, lowest.unwrap_or_default())
        ));
    }
    let direct = [
        (p.high_tech_certified, "有效期内的高新技术企业"),
        (
            p.national_award_top3,
            "近五年获得国家级科技奖励并在获奖单位中排名前三",
        ),
        (
            p.provincial_rd_institution,
            "拥有经认定的省部级以上研发机构",
        ),
        (
            p.standard_lead,
            "近五年主导制定过国际标准、国家标准或行业标准",
        ),
    ]
    .into_iter()
    .fold(false, |any, (ok, text)| s.route(ok, text) || any);
    (score, line, direct)
}

/// 创新型中小企业 (工信部企业〔2022〕63号 附件1): six indicators in three groups, the total and the
/// group minimums, or one direct condition.
fn innovative(s: &mut Sheet, p: &Profile) -> (u32, u32, bool) {
    s.condition(
        !p.restricted_industry,
        "产品（服务）不属于国家禁止、限制或淘汰类（现属于）".into(),
    );
    s.condition(
        !p.serious_violation,
        "未被列入经营异常名录或严重失信主体名单、近三年无重大事故（现有）".into(),
    );
    let ip = s.ip_tiers(p, "ip");
    let rd = s.part(
        "rd",
        "rd_revenue_share",
        ratio(p.rd_expense, p.sales_revenue),
        &format!(
            "（研发费用 {} / 营业收入 {}）",
            yuan(p.rd_expense),
            yuan(p.sales_revenue)
        ),
    );
    let growth = if p.main_revenue_prev > Decimal::ZERO {
        s.part(
            "growth",
            "main_revenue_growth",
            ratio(p.main_revenue - p.main_revenue_prev, p.main_revenue_prev),
            &format!(
                "（主营业务收入 {} 比上年 {}）",
                yuan(p.main_revenue),
                yuan(p.main_revenue_prev)
            ),
        )
    } else {
        s.no_data("growth", "主营业务收入增长率：没有上年主营业务收入");
        0
    };
    // A debt ratio needs both figures: no liabilities given reads as no data, not as 0% (which
    // would earn the best band).
    let debt = if p.total_assets > Decimal::ZERO && p.total_liabilities > Decimal::ZERO {
        s.part(
            "debt",
            "debt_ratio",
            ratio(p.total_liabilities, p.total_assets),
            &format!(
                "（负债 {} / 资产 {}）",
                yuan(p.total_liabilities),
                yuan(p.total_assets)
            ),
        )
    } else {
        s.no_data("debt", "资产负债率：没有资产总额或负债总额");
        0
    };
    let field = if p.strategic_emerging {
        pts(s.p("strategic_field_points"))
    } else {
        let other = pts(s.p("other_field_points"));
        let best = pts(s.v.p("strategic_field_points"));
        if best > other {
            s.gains.push((
                best - other,
                format!(
                    "主导产品属于战略性新兴产业（现不属于）可再得 {} 分",
                    best - other
                ),
            ));
        }
        other
    };
    s.parts.insert("field".into(), field);
    let share = s.part(
        "main_share",
        "main_revenue_share",
        ratio(p.main_revenue, p.sales_revenue),
        &format!(
            "（主营业务收入 {} / 营业收入 {}）",
            yuan(p.main_revenue),
            yuan(p.sales_revenue)
        ),
    );
    let (innovation, growth_group, special) = (ip + rd, growth + debt, field + share);
    let score = innovation + growth_group + special;
    let line = pts(s.p("pass_score"));
    s.line(score, line);
    let (a, b, c) = (
        pts(s.p("min_innovation")),
        pts(s.p("min_growth")),
        pts(s.p("min_specialisation")),
    );
    s.minimum("创新能力指标", innovation, a);
    s.minimum("成长性指标", growth_group, b);
    s.minimum("专业化指标", special, c);
    let equity = s.p("direct_equity_3y");
    let direct = [
        (
            p.science_award,
            "近三年获得过国家级、省级科技奖励".to_string(),
        ),
        (
            p.high_tech_certified,
            "获得高新技术企业等荣誉（有效期内）".to_string(),
        ),
        (
            p.provincial_rd_institution || p.rd_institution != RdInstitution::None,
            "拥有经认定的省部级以上研发机构".to_string(),
        ),
        (
            p.equity_financing_3y >= equity,
            format!(
                "近三年新增股权融资总额 {} 不低于 {}",
                yuan(p.equity_financing_3y),
                yuan(equity)
            ),
        ),
    ]
    .into_iter()
    .fold(false, |any, (ok, text)| s.route(ok, &text) || any);
    (score, line, direct)
}

/// 专精特新中小企业 (工信部企业〔2022〕63号 附件2): the conditions (niche years, R&D, revenue or
/// equity), then a score ≥ 60 over four groups or one direct condition.
fn zjtx(s: &mut Sheet, p: &Profile) -> (u32, u32, bool) {
    let min_years = s.p("min_years_in_niche");
    s.condition(
        Decimal::from(p.years_in_niche) >= min_years,
        format!(
            "从事特定细分市场 {} 年以上（现 {} 年）",
            min_years.normalize(),
            p.years_in_niche
        ),
    );
    let min_rd = s.p("min_rd_expense");
    let min_share = s.p("min_rd_share");
    let rd_share = ratio(p.rd_expense, p.sales_revenue);
    s.condition(
        p.rd_expense >= min_rd,
        format!(
            "上年度研发费用不低于 {}（现 {}）",
            yuan(min_rd),
            yuan(p.rd_expense)
        ),
    );
    s.condition(
        rd_share >= min_share,
        format!(
            "研发费用占营业收入比重不低于 {}（现 {}）",
            show(Unit::Percent, min_share),
            show(Unit::Percent, rd_share)
        ),
    );
    let min_rev = s.p("min_revenue");
    let min_eq = s.p("min_equity_2y");
    s.condition(
        p.sales_revenue >= min_rev || p.equity_financing_2y >= min_eq,
        format!(
            "上年度营业收入不低于 {}（现 {}），或近两年新增股权融资不低于 {}（现 {}）",
            yuan(min_rev),
            yuan(p.sales_revenue),
            yuan(min_eq),
            yuan(p.equity_financing_2y)
        ),
    );
    s.condition(
        !p.serious_violation,
        "未被列入经营异常名录或严重失信主体名单、近三年无重大事故（现有）".into(),
    );

    // 专业化 (25)
    let share = s.part(
        "main_share",
        "main_revenue_share",
        ratio(p.main_revenue, p.sales_revenue),
        "",
    );
    let growth = if p.main_revenue_prev > Decimal::ZERO && p.main_revenue_prev2 > Decimal::ZERO {
        let g1 = ratio(p.main_revenue - p.main_revenue_prev, p.main_revenue_prev);
        let g2 = ratio(
            p.main_revenue_prev - p.main_revenue_prev2,
            p.main_revenue_prev2,
        );
        s.part(
            "growth",
            "main_revenue_growth_2y",
            (g1 + g2) / Decimal::TWO,
            &format!(
                "（两年增长率 {} 与 {} 的平均）",
                show(Unit::Percent, g1),
                show(Unit::Percent, g2)
            ),
        )
    } else {
        s.no_data(
            "growth",
            "近两年主营业务收入平均增长率：没有前两年的主营业务收入",
        );
        0
    };
    let per = s.p("niche_years_per_point");
    let cap = pts(s.p("niche_max_points"));
    let niche = pts((Decimal::from(p.years_in_niche) / per).floor()).min(cap);
    s.note(format!("细分市场年限 {} 年 → {niche} 分", p.years_in_niche));
    s.parts.insert("niche_years".into(), niche);
    let key = pts(s.p("key_field_points"));
    let other = pts(s.p("other_field_points"));
    let field = match p.niche_field {
        NicheField::KeyArea => key,
        NicheField::Other => other,
        NicheField::None => 0,
    };
    if field < key {
        s.gains.push((
            key - field,
            format!(
                "主导产品属于重点领域（现{}）可再得 {} 分",
                p.niche_field.label(),
                key - field
            ),
        ));
    }
    s.parts.insert("field".into(), field);
    // 精细化 (25)
    let digital = s.part(
        "digital",
        "digital_level",
        Decimal::from(p.digital_level),
        "",
    );
    let per_cert = s.p("quality_cert_points");
    let cert_cap = pts(s.p("quality_cert_max"));
    let certs = pts(Decimal::from(p.quality_certifications) * per_cert).min(cert_cap);
    if certs < cert_cap {
        s.gains.push((
            (cert_cap - certs).min(pts(per_cert)),
            format!(
                "再取得 1 项质量管理体系认证（现 {} 项）可再得 {} 分",
                p.quality_certifications,
                (cert_cap - certs).min(pts(per_cert))
            ),
        ));
    }
    s.parts.insert("quality".into(), certs);
    let margin = s.part(
        "net_margin",
        "net_margin",
        ratio(p.net_profit, p.sales_revenue),
        "",
    );
    let debt = if p.total_assets > Decimal::ZERO && p.total_liabilities > Decimal::ZERO {
        s.part(
            "debt",
            "debt_ratio",
            ratio(p.total_liabilities, p.total_assets),
            "",
        )
    } else {
        s.no_data("debt", "资产负债率：没有资产总额或负债总额");
        0
    };
    // 特色化 (15): set by the province.
    let spec_cap = pts(s.p("speciality_max"));
    let speciality = p.speciality_points.min(spec_cap);
    s.note(format!("特色化指标（省级评定）{speciality} 分"));
    s.parts.insert("speciality".into(), speciality);
    // 创新能力 (35)
    let ip = s.ip_tiers(p, "ip");
    let (ta, ba) = s.band("rd_amount", p.rd_expense, "");
    let ta = ta.clone();
    let (tr, br) = s.band("rd_share", rd_share, "");
    let tr = tr.clone();
    let rd = ba.points.max(br.points);
    s.offer(&ta, p.rd_expense, &ba, rd);
    s.offer(&tr, rd_share, &br, rd);
    s.parts.insert("rd".into(), rd);
    let staff = s.part(
        "rd_staff",
        "rd_staff_share",
        ratio(Decimal::from(p.rd_staff), Decimal::from(p.employees)),
        &format!("（研发人员 {} 人 / 职工 {} 人）", p.rd_staff, p.employees),
    );
    let national = pts(s.p("national_institution_points"));
    let provincial = pts(s.p("provincial_institution_points"));
    let inst = match p.rd_institution {
        RdInstitution::National => national,
        RdInstitution::Provincial => provincial,
        RdInstitution::None if p.provincial_rd_institution => provincial,
        RdInstitution::None => 0,
    };
    if inst == 0 {
        s.gains.push((
            provincial,
            format!("建成省级研发机构（现无）可再得 {provincial} 分"),
        ));
    }
    s.parts.insert("institution".into(), inst);

    let score = share
        + growth
        + niche
        + field
        + digital
        + certs
        + margin
        + debt
        + speciality
        + ip
        + rd
        + staff
        + inst;
    let line = pts(s.p("pass_score"));
    s.line(score, line);
    let avg = s.p("direct_rd_avg_2y");
    let eq = s.p("direct_equity_2y");
    let direct = [
        (
            p.science_award_top,
            "近三年获得省级科技奖励前三名或国家级科技奖励前五名".to_string(),
        ),
        (
            p.rd_expense_avg_2y >= avg,
            format!(
                "近两年研发费用总额均值 {} 不低于 {}",
                yuan(p.rd_expense_avg_2y),
                yuan(avg)
            ),
        ),
        (
            p.equity_financing_2y >= eq,
            format!(
                "近两年新增股权融资总额 {} 不低于 {}",
                yuan(p.equity_financing_2y),
                yuan(eq)
            ),
        ),
        (
            p.makers_top500,
            "近三年进入“创客中国”大赛全国 500 强企业组".to_string(),
        ),
    ]
    .into_iter()
    .fold(false, |any, (ok, text)| s.route(ok, &text) || any);
    (score, line, direct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_formats() {
        assert_eq!(show(Unit::Percent, "0.024".parse().unwrap()), "2.4%");
        assert_eq!(show(Unit::Percent, "0.03".parse().unwrap()), "3%");
        assert_eq!(show(Unit::Yuan, "1000000".parse().unwrap()), "100 万元");
        assert_eq!(show(Unit::Yuan, "10000000".parse().unwrap()), "1,000 万元");
        assert_eq!(
            show(Unit::Yuan, "123456700".parse().unwrap()),
            "12,345.67 万元"
        );
        assert_eq!(show(Unit::Yuan, "950".parse().unwrap()), "950 元");
        assert_eq!(
            show(Unit::Yuan, "999999.99".parse().unwrap()),
            "999,999.99 元"
        );
        assert_eq!(show(Unit::Yuan, "2451510".parse().unwrap()), "2,451,510 元");
        assert_eq!(show(Unit::Yuan, "-1234.5".parse().unwrap()), "-1,234.5 元");
        assert_eq!(show(Unit::Percent, "0.0299999".parse().unwrap()), "2.9%");
        assert_eq!(pts("60".parse().unwrap()), 60);
        assert_eq!(pts("2.00".parse().unwrap()), 2);
    }
}

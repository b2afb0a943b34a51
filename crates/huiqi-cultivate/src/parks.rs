//! 小微企业园绩效评价 (article 6): the park register's rows (read from a CSV the caller hands
//! in: strict header, every error with row and column), the evaluation scheme as data
//! (`policies/<pack>/cultivate/parks.yaml`: indicators, weights, grade bands, transition years)
//! and the grading (score, grade, rank and how each figure was computed).

use huiqi_policy::model::exact_decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::CultivateError;

huiqi_domain::vocabulary! {
    /// The indicators a scheme may weigh (each computed from the register's columns).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Indicator {
        /// output ÷ area
        OutputPerMu = ("output_per_mu", "亩均产值"),
        /// tax ÷ area
        TaxPerMu = ("tax_per_mu", "亩均税收"),
        /// occupied area ÷ area
        Occupancy = ("occupancy", "入驻率"),
        /// enterprises graduated to 规上 in the year
        Graduates = ("graduates", "培育升规企业数"),
        /// service activities in the year
        Services = ("services", "服务活动次数"),
        /// safety incidents (deducted)
        Safety = ("safety", "安全生产"),
    }
}

/// One indicator of a scheme.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDef {
    pub id: Indicator,
    pub title: String,
    pub unit: String,
    #[serde(deserialize_with = "exact_decimal")]
    pub weight: Decimal,
    /// The value that earns the full weight (not for `safety`).
    #[serde(default, deserialize_with = "opt_dec")]
    pub full_at: Option<Decimal>,
    /// Points deducted per incident (`safety` only).
    #[serde(default, deserialize_with = "opt_dec")]
    pub deduct_each: Option<Decimal>,
}

fn opt_dec<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    exact_decimal(d).map(Some)
}

/// A grade and the lowest score that earns it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    pub grade: String,
    #[serde(deserialize_with = "exact_decimal")]
    pub from: Decimal,
}

/// The evaluation scheme.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub document: String,
    #[serde(default)]
    pub unverified: bool,
    /// Parks opened fewer than this many years before the evaluation year are not graded.
    pub transition_years: i32,
    pub indicators: Vec<IndicatorDef>,
    /// From the best grade down; the last starts at 0.
    pub grades: Vec<GradeBand>,
}

impl Scheme {
    /// Parses and checks a scheme: weights positive and summing to 100, `full_at` positive
    /// (`deduct_each` for safety), each indicator once, grade bands descending down to 0.
    pub fn load(file: &str, text: &str) -> Result<Scheme, CultivateError> {
        let bad = |m: String| CultivateError::Data {
            file: file.to_string(),
            message: m,
        };
        let s: Scheme = yaml_serde::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("第{}行：", l.line()))
                .unwrap_or_default();
            bad(format!("{at}{e}"))
        })?;
        let mut seen = std::collections::HashSet::new();
        let mut total = Decimal::ZERO;
        for i in &s.indicators {
            if !seen.insert(i.id) {
                return Err(bad(format!("指标 {} 重复", i.id)));
            }
            if i.weight <= Decimal::ZERO {
                return Err(bad(format!("指标 {} 的权重须大于 0", i.id)));
            }
            total += i.weight;
            let ok = if i.id == Indicator::Safety {
                i.deduct_each.is_some_and(|d| d > Decimal::ZERO) && i.full_at.is_none()
            } else {
                i.full_at.is_some_and(|f| f > Decimal::ZERO) && i.deduct_each.is_none()
            };
            if !ok {
                return Err(bad(format!(
                    "指标 {}：安全生产须写 deduct_each（大于 0），其他指标须写 full_at（大于 0）",
                    i.id
                )));
            }
        }
        if total != Decimal::ONE_HUNDRED {
            return Err(bad(format!("各指标权重之和须为 100（现 {total}）")));
        }
        let ordered = s.grades.windows(2).all(|w| w[0].from > w[1].from);
        if s.grades.is_empty() || !ordered || s.grades.last().is_some_and(|g| !g.from.is_zero()) {
            return Err(bad(
                "等次须从高到低排列，分数线逐档降低，最后一档从 0 分起".into()
            ));
        }
        if s.transition_years < 0 {
            return Err(bad("transition_years 不能为负".into()));
        }
        Ok(s)
    }

    /// The scheme of a built-in pack.
    pub fn builtin(pack: &str) -> Result<Scheme, CultivateError> {
        let rel = "cultivate/parks.yaml";
        let (label, text) = huiqi_policy::builtin::tree(pack)
            .into_iter()
            .find(|(p, _)| p == rel)
            .map(|(_, t)| (format!("内置:{pack}/{rel}"), t))
            .ok_or_else(|| CultivateError::Data {
                file: format!("内置:{pack}/{rel}"),
                message: "政策包中没有这个文件".into(),
            })?;
        Scheme::load(&label, text)
    }
}

/// One park of the register for a year. Areas in 亩, money in 元.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Park {
    pub park_id: String,
    pub name: String,
    pub county: String,
    pub opened_year: i32,
    pub area_mu: Decimal,
    pub occupied_mu: Decimal,
    pub enterprises: u32,
    pub output: Decimal,
    pub tax: Decimal,
    pub employees: u32,
    pub graduates: u32,
    pub services: u32,
    pub safety_incidents: u32,
}

/// The register's columns: English name, Chinese header.
pub const COLUMNS: [(&str, &str); 13] = [
    ("park_id", "园区编号"),
    ("name", "园区名称"),
    ("county", "所属辖区"),
    ("opened_year", "建成年份"),
    ("area_mu", "占地面积（亩）"),
    ("occupied_mu", "已入驻面积（亩）"),
    ("enterprises", "入驻企业数"),
    ("output", "产值（元）"),
    ("tax", "税收（元）"),
    ("employees", "从业人数"),
    ("graduates", "升规企业数"),
    ("services", "服务活动次数"),
    ("safety_incidents", "安全事故数"),
];

/// The import template (UTF-8 CSV with BOM): the Chinese header and one example row.
pub fn template() -> String {
    let header: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
    format!(
        "\u{feff}{}\n示例园区01,金安区小微企业园,341502,2019,120.5,100,48,360000000,15000000,1800,3,24,0\n",
        header.join(",")
    )
}

/// A believable register for the demo: two parks per jurisdiction (one of them new in some
/// jurisdictions), deterministic, as the CSV of the template.
pub fn demo_register(counties: &[(String, String)], year: i32) -> String {
    let header: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
    let mut out = format!("\u{feff}{}\n", header.join(","));
    for (i, (id, name)) in counties.iter().enumerate() {
        for k in 0..2u64 {
            let n = i as u64 * 2 + k;
            // A spread of sizes and results: area 60–200 亩, output 0.4–3.6 百万元/亩 …
            let area = 60 + (n * 37) % 141;
            let occupied = area * (55 + (n * 13) % 45) / 100;
            let per_mu = 400_000 + (n * 733_333) % 3_200_000;
            let output = area * per_mu;
            let tax = output * (2 + (n * 3) % 5) / 100;
            let opened = if k == 1 && i % 3 == 0 {
                year - 1
            } else {
                year - 3 - (n % 6) as i32
            };
            out.push_str(&format!(
                "{}-{},{}{},{id},{opened},{area},{occupied},{},{output},{tax},{},{},{},{}\n",
                id,
                k + 1,
                name,
                if k == 0 {
                    "小微企业创业园"
                } else {
                    "智能制造小微园"
                },
                10 + (n * 7) % 60,
                200 + (n * 97) % 2000,
                (n * 5) % 7,
                6 + (n * 11) % 30,
                u64::from(n % 5 == 4),
            ));
        }
    }
    out
}

fn header_index(cell: &str) -> Option<usize> {
    let c =
        huiqi_domain::text::to_halfwidth(cell.trim().trim_start_matches('\u{feff}')).into_owned();
    let c = c.trim();
    COLUMNS.iter().position(|(en, zh)| {
        c.eq_ignore_ascii_case(en) || c == huiqi_domain::text::to_halfwidth(zh)
    })
}

/// Reads the register of one year from CSV text. `counties` are the pack's jurisdiction ids.
/// All errors are reported at once (at most 100), each with its row and column.
pub fn parse(text: &str, counties: &[String]) -> Result<Vec<Park>, Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let mut rows = rdr.records();
    let header = match rows.next() {
        Some(Ok(h)) => h,
        _ => return Err(vec!["文件是空的：第一行应为表头（见模板）".into()]),
    };
    let mut idx = [usize::MAX; COLUMNS.len()];
    for (i, cell) in header.iter().enumerate() {
        match header_index(cell) {
            Some(k) if idx[k] == usize::MAX => idx[k] = i,
            Some(k) => errors.push(format!("表头：列“{}”出现了两次", COLUMNS[k].1)),
            None if cell.trim().is_empty() => {}
            None => errors.push(format!(
                "表头：不认识的列“{}”（可用的列：{}）",
                cell.trim(),
                COLUMNS.map(|c| c.1).join("、")
            )),
        }
    }
    for (k, i) in idx.iter().enumerate() {
        if *i == usize::MAX {
            errors.push(format!("表头：缺少列“{}”", COLUMNS[k].1));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut parks: Vec<Park> = Vec::new();
    for (n, rec) in rows.enumerate() {
        let line = n + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("第 {line} 行：无法读取（{e}）"));
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| {
            huiqi_domain::text::to_halfwidth(rec.get(idx[k]).unwrap_or("").trim()).into_owned()
        };
        let mut err = |k: usize, m: String| {
            errors.push(format!("第 {line} 行，列“{}”：{m}", COLUMNS[k].1));
        };
        let text_of = |k: usize, err: &mut dyn FnMut(usize, String)| {
            let v = cell(k).trim().to_string();
            if v.is_empty() {
                err(k, "不能为空".into());
            }
            v
        };
        let dec = |k: usize, err: &mut dyn FnMut(usize, String)| -> Decimal {
            let v = cell(k).replace(',', "");
            match v.trim().parse::<Decimal>() {
                Ok(d) if d >= Decimal::ZERO => d,
                _ => {
                    err(
                        k,
                        format!("“{}”不是不小于 0 的数", huiqi_domain::text::quote(&v)),
                    );
                    Decimal::ZERO
                }
            }
        };
        let count = |k: usize, err: &mut dyn FnMut(usize, String)| -> u32 {
            let v = cell(k).replace(',', "");
            v.trim().parse::<u32>().unwrap_or_else(|_| {
                err(k, format!("“{}”不是整数", huiqi_domain::text::quote(&v)));
                0
            })
        };
        let park_id = text_of(0, &mut err);
        let name = text_of(1, &mut err);
        let county = text_of(2, &mut err);
        if !county.is_empty() && !counties.contains(&county) {
            err(
                2,
                format!("没有辖区“{county}”（填辖区代码：{}）", counties.join("、")),
            );
        }
        let opened_year = count(3, &mut err) as i32;
        let area_mu = dec(4, &mut err);
        if area_mu.is_zero() {
            err(4, "占地面积须大于 0".into());
        }
        let occupied_mu = dec(5, &mut err);
        if occupied_mu > area_mu {
            err(
                5,
                format!("已入驻面积 {occupied_mu} 亩大于占地面积 {area_mu} 亩"),
            );
        }
        let park = Park {
            park_id,
            name,
            county,
            opened_year,
            area_mu,
            occupied_mu,
            enterprises: count(6, &mut err),
            output: dec(7, &mut err),
            tax: dec(8, &mut err),
            employees: count(9, &mut err),
            graduates: count(10, &mut err),
            services: count(11, &mut err),
            safety_incidents: count(12, &mut err),
        };
        if parks.iter().any(|p| p.park_id == park.park_id) {
            errors.push(format!(
                "第 {line} 行，列“园区编号”：{} 与前面的行重复",
                park.park_id
            ));
        }
        parks.push(park);
        if errors.len() >= 100 {
            break;
        }
    }
    if parks.is_empty() && errors.is_empty() {
        errors.push("文件只有表头，没有园区".into());
    }
    if errors.is_empty() {
        Ok(parks)
    } else {
        Err(errors)
    }
}

/// One park's grading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Graded {
    pub park: String,
    pub park_id: String,
    pub county: String,
    /// Total, two decimals.
    pub score: Decimal,
    /// `A`–`D`, or `过渡期` for a new park.
    pub grade: String,
    /// 1 = best; `None` for a park in its transition period.
    pub rank: Option<usize>,
    /// Points per indicator id.
    pub parts: Vec<(Indicator, Decimal)>,
    /// How each figure was computed, in Chinese.
    pub computation: Vec<String>,
}

fn show(d: Decimal) -> String {
    d.round_dp(2).normalize().to_string()
}

/// Grades every park of a year under a scheme; rows ordered by rank (graded first, then the
/// parks in transition, by id).
pub fn grade(scheme: &Scheme, year: i32, parks: &[Park]) -> Vec<Graded> {
    let mut out: Vec<Graded> = parks
        .iter()
        .map(|p| {
            let mut parts = Vec::new();
            let mut how = Vec::new();
            let mut total = Decimal::ZERO;
            for i in &scheme.indicators {
                let (value, shown) = match i.id {
                    Indicator::OutputPerMu => {
                        let v = p.output / p.area_mu;
                        (
                            v,
                            format!(
                                "产值 {} 元 ÷ {} 亩 = {} 元/亩",
                                show(p.output),
                                show(p.area_mu),
                                show(v)
                            ),
                        )
                    }
                    Indicator::TaxPerMu => {
                        let v = p.tax / p.area_mu;
                        (
                            v,
                            format!(
                                "税收 {} 元 ÷ {} 亩 = {} 元/亩",
                                show(p.tax),
                                show(p.area_mu),
                                show(v)
                            ),
                        )
                    }
                    Indicator::Occupancy => {
                        let v = p.occupied_mu / p.area_mu;
                        (
                            v,
                            format!(
                                "已入驻 {} 亩 ÷ {} 亩 = {}%",
                                show(p.occupied_mu),
                                show(p.area_mu),
                                show(v * Decimal::ONE_HUNDRED)
                            ),
                        )
                    }
                    Indicator::Graduates => {
                        (Decimal::from(p.graduates), format!("{} 家", p.graduates))
                    }
                    Indicator::Services => {
                        (Decimal::from(p.services), format!("{} 次", p.services))
                    }
                    Indicator::Safety => (
                        Decimal::from(p.safety_incidents),
                        format!("{} 起", p.safety_incidents),
                    ),
                };
                let points = match (i.full_at, i.deduct_each) {
                    (Some(full), _) => (i.weight * (value / full).min(Decimal::ONE)).round_dp(2),
                    (None, Some(d)) => (i.weight - d * value).max(Decimal::ZERO).round_dp(2),
                    (None, None) => Decimal::ZERO,
                };
                let rule = match (i.full_at, i.deduct_each) {
                    (Some(full), _) => {
                        format!("满分值 {} {}，权重 {}", show(full), i.unit, show(i.weight))
                    }
                    (_, Some(d)) => format!("权重 {}，每起扣 {} 分", show(i.weight), show(d)),
                    _ => String::new(),
                };
                how.push(format!(
                    "{}：{shown}（{rule}）→ {} 分",
                    i.title,
                    show(points)
                ));
                total += points;
                parts.push((i.id, points));
            }
            let new = year - p.opened_year < scheme.transition_years;
            let grade = if new {
                how.push(format!(
                    "{} 年建成，评价年度 {year} 年尚在 {} 年过渡期内：不定等次、不排名",
                    p.opened_year, scheme.transition_years
                ));
                "过渡期".to_string()
            } else {
                scheme
                    .grades
                    .iter()
                    .find(|g| total >= g.from)
                    .map_or_else(String::new, |g| g.grade.clone())
            };
            Graded {
                park: p.name.clone(),
                park_id: p.park_id.clone(),
                county: p.county.clone(),
                score: total.round_dp(2),
                grade,
                rank: None,
                parts,
                computation: how,
            }
        })
        .collect();
    let in_transition = |g: &Graded| g.grade == "过渡期";
    out.sort_by(|a, b| {
        in_transition(a)
            .cmp(&in_transition(b))
            .then(b.score.cmp(&a.score))
            .then(a.park_id.cmp(&b.park_id))
    });
    let mut last: Option<(Decimal, usize)> = None;
    for (i, g) in out.iter_mut().enumerate() {
        if in_transition(g) {
            continue;
        }
        let rank = match last {
            Some((s, r)) if s == g.score => r,
            _ => i + 1,
        };
        g.rank = Some(rank);
        last = Some((g.score, rank));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn park(id: &str, opened: i32, output: &str, incidents: u32) -> Park {
        Park {
            park_id: id.into(),
            name: format!("园区{id}"),
            county: "341502".into(),
            opened_year: opened,
            area_mu: "100".parse().unwrap(),
            occupied_mu: "90".parse().unwrap(),
            enterprises: 40,
            output: output.parse().unwrap(),
            tax: "15000000".parse().unwrap(),
            employees: 900,
            graduates: 5,
            services: 24,
            safety_incidents: incidents,
        }
    }

    #[test]
    fn full_marks_grade_and_rank() {
        let s = Scheme::builtin("luan-2023").unwrap();
        let rows = grade(
            &s,
            2024,
            &[
                park("a", 2018, "300000000", 0),
                park("b", 2018, "150000000", 0),
                park("c", 2018, "150000000", 0),
                park("d", 2024, "300000000", 0),
                park("e", 2018, "300000000", 2),
            ],
        );
        let by = |id: &str| rows.iter().find(|r| r.park_id == id).unwrap();
        assert_eq!(by("a").score, Decimal::ONE_HUNDRED);
        assert_eq!(by("a").grade, "A");
        assert_eq!(by("a").rank, Some(1));
        // Half the output per mu: 30 × 0.5 = 15 lost.
        assert_eq!(by("b").score, "85".parse::<Decimal>().unwrap());
        assert_eq!(by("b").grade, "A");
        assert_eq!(by("b").rank, by("c").rank);
        // Two incidents: 5 − 10 → 0.
        assert_eq!(by("e").score, "95".parse::<Decimal>().unwrap());
        assert_eq!(by("e").rank, Some(2));
        assert_eq!(by("d").grade, "过渡期");
        assert_eq!(by("d").rank, None);
        assert!(
            by("b").computation[0].contains("1500000 元/亩"),
            "{:?}",
            by("b").computation
        );
    }

    #[test]
    fn the_template_reads_back_and_errors_name_row_and_column() {
        let counties = vec!["341502".to_string()];
        let parks = parse(&template(), &counties).unwrap();
        assert_eq!(parks.len(), 1);
        assert_eq!(parks[0].area_mu, "120.5".parse::<Decimal>().unwrap());
        let bad = template().replace("341502,2019,120.5,100", "999,2019,0,100");
        let e = parse(&bad, &counties).unwrap_err();
        assert!(
            e.iter().any(|m| m.contains("第 2 行，列“所属辖区”")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|m| m.contains("第 2 行，列“占地面积（亩）”")),
            "{e:?}"
        );
        let e = parse("园区编号,名称\n", &counties).unwrap_err();
        assert!(e.iter().any(|m| m.contains("缺少列")), "{e:?}");
    }

    #[test]
    fn the_demo_register_reads_back() {
        let counties: Vec<(String, String)> = (0..8)
            .map(|i| (format!("34150{i}"), format!("县{i}")))
            .collect();
        let ids: Vec<String> = counties.iter().map(|c| c.0.clone()).collect();
        let parks = parse(&demo_register(&counties, 2024), &ids).unwrap();
        assert_eq!(parks.len(), 16);
        let s = Scheme::builtin("luan-2023").unwrap();
        let g = grade(&s, 2024, &parks);
        let grades: std::collections::HashSet<&str> = g.iter().map(|r| r.grade.as_str()).collect();
        assert!(grades.len() >= 3, "{grades:?}");
    }

    #[test]
    fn schemes_are_checked() {
        let ok = huiqi_policy::builtin::tree("luan-2023")
            .into_iter()
            .find(|(p, _)| p == "cultivate/parks.yaml")
            .unwrap()
            .1;
        let e = Scheme::load("x", &ok.replace("weight: \"30\"", "weight: \"31\"")).unwrap_err();
        assert!(e.to_string().contains("100"), "{e}");
        let e = Scheme::load("x", &ok.replace("from: \"0\"", "from: \"10\"")).unwrap_err();
        assert!(e.to_string().contains("等次"), "{e}");
    }
}

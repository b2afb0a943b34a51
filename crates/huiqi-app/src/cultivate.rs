//! 梯队培育 (issue 17): the candidate lists of the registry — 小升规 (revenue at least 80% of the
//! industry's 四上 line and below it), 个转企 (individual businesses meeting the city's rule) and
//! the three certifications (not yet certified, score within 15 points of the line, with what is
//! missing) — and their .xlsx.

use chrono::NaiveDate;
use huiqi_cultivate::above_scale::{Lines, Reading};
use huiqi_cultivate::{CandidateKind, Profile, SCORE_WINDOW, Standard, Standards};
use huiqi_domain::lists::CertKind;
use huiqi_domain::{EntityKind, Facts};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::{App, AppError};

/// One candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub uscc: String,
    pub name: String,
    /// Jurisdiction id and name.
    pub county: String,
    pub county_name: String,
    pub industry: String,
    /// 营业收入 (元) of the year.
    pub revenue: Decimal,
    /// 小升规: the industry line used (its title).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// 小升规: the line's revenue (元).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Decimal>,
    /// 小升规: threshold − revenue (元).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<Decimal>,
    /// Certifications: the score, the line and the points short of it (0: qualifies now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_score: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_short: Option<u32>,
    /// 个转企: the conditions met; certifications: what is missing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// A candidate list with what it leaves out and why.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateList {
    pub kind: CandidateKind,
    pub kind_label: &'static str,
    pub year: i32,
    /// Jurisdiction id (`None`: the whole city).
    pub county: Option<String>,
    /// The rule, its document, what is left out and what data is not yet delivered.
    pub notes: Vec<String>,
    /// Candidates per county in the pack's order, each beside this year's targets the list feeds.
    pub by_county: Vec<CountyCount>,
    pub rows: Vec<Candidate>,
}

/// A county's candidates, and for each target of the policy pack the kind feeds (小升规: the
/// target of each industry line; the certifications: 新增科技型/创新型/省级专精特新) the county's
/// share of this year's target beside its candidates of that line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountyCount {
    pub county: String,
    pub county_name: String,
    pub candidates: usize,
    pub targets: Vec<TargetShare>,
}

/// One target beside the candidates that could meet it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetShare {
    /// The target's id in the pack (`new_above_scale_industrial`, …) and its indicator.
    pub target: String,
    pub indicator: String,
    /// 家 / 户.
    pub unit: String,
    /// The city's yearly target.
    pub city: Decimal,
    /// The county's share: the allocation of 日常调度, or the city value split equally (rounded up).
    pub share: Decimal,
    /// The county's candidates that count towards it.
    pub candidates: usize,
}

/// Whether a candidate (by its industry code) counts towards a target.
type CountsTowards = fn(&str) -> bool;

/// The pack's yearly targets a candidate list feeds, with the test of which candidates count
/// towards each (小升规 by GB/T 4754 section: 工业 B–D, 限额以上商贸 F/H, 资质等级建筑业 E — never
/// listed, construction has no revenue line —, 规上服务业 the rest).
fn targets_of(kind: CandidateKind) -> Vec<(&'static str, CountsTowards)> {
    fn section(industry: &str) -> u8 {
        industry.as_bytes().first().copied().unwrap_or(b' ')
    }
    match kind {
        CandidateKind::AboveScale => vec![
            ("new_above_scale_industrial", |i| {
                matches!(section(i), b'B' | b'C' | b'D')
            }),
            ("new_above_scale_services", |i| {
                !matches!(section(i), b'B' | b'C' | b'D' | b'E' | b'F' | b'H')
            }),
            ("new_above_quota_trade", |i| {
                matches!(section(i), b'F' | b'H')
            }),
            ("new_qualified_construction", |i| section(i) == b'E'),
        ],
        CandidateKind::TechSme => vec![("new_tech_smes", |_| true)],
        CandidateKind::InnovativeSme => vec![("new_innovative_smes", |_| true)],
        CandidateKind::Zjtx => vec![("new_provincial_zjtx", |_| true)],
        CandidateKind::IndToEnt => Vec::new(),
    }
}

fn yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

fn fen(d: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    (d * Decimal::ONE_HUNDRED)
        .ceil()
        .to_i64()
        .unwrap_or(i64::MAX)
}

/// The candidates of a kind for a year (the registry's facts of that year), optionally one county.
pub async fn candidates(
    app: &App,
    kind: CandidateKind,
    year: i32,
    county: Option<&str>,
) -> Result<CandidateList, AppError> {
    if let Some(c) = county
        && app.pack.jurisdiction(c).is_none()
    {
        return Err(AppError::Invalid {
            code: "unknown_county",
            message: format!(
                "没有辖区“{c}”；可选：{}",
                app.jurisdictions()
                    .iter()
                    .map(|(id, name)| format!("{id}（{name}）"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        });
    }
    let county_id = county.unwrap_or("");
    let mut notes = Vec::new();
    let mut rows = match kind {
        CandidateKind::AboveScale => above_scale(app, year, county_id, &mut notes).await?,
        CandidateKind::IndToEnt => ind_to_ent(app, year, county_id, &mut notes).await?,
        CandidateKind::TechSme | CandidateKind::InnovativeSme | CandidateKind::Zjtx => {
            certification(app, kind, year, county_id, &mut notes).await?
        }
    };
    for r in &mut rows {
        r.county_name = app.jurisdiction_name(&r.county);
    }
    let allocations = app.store.allocations().await?;
    let targets: Vec<_> = targets_of(kind)
        .into_iter()
        .filter_map(|(id, counts)| {
            app.pack
                .targets
                .iter()
                .find(|t| t.id == id)
                .map(|t| (t, counts))
        })
        .collect();
    let n_jurisdictions = app.pack.jurisdictions.len();
    let by_county = app
        .jurisdictions()
        .into_iter()
        .filter(|(id, _)| county.is_none_or(|c| c == id))
        .map(|(id, name)| {
            let mine: Vec<&Candidate> = rows.iter().filter(|r| r.county == id).collect();
            let targets = targets
                .iter()
                .map(|(t, counts)| TargetShare {
                    target: t.id.clone(),
                    indicator: t.indicator.clone(),
                    unit: t.unit().symbol().to_string(),
                    city: t.value,
                    share: allocations
                        .get(&(t.id.clone(), id.clone()))
                        .copied()
                        .unwrap_or_else(|| huiqi_progress::default_share(t, n_jurisdictions)),
                    candidates: mine.iter().filter(|r| counts(&r.industry)).count(),
                })
                .collect();
            CountyCount {
                county: id,
                county_name: name,
                candidates: mine.len(),
                targets,
            }
        })
        .collect();
    Ok(CandidateList {
        kind,
        kind_label: kind.label(),
        year,
        county: county.map(str::to_string),
        notes,
        by_county,
        rows,
    })
}

async fn above_scale(
    app: &App,
    year: i32,
    county: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Candidate>, AppError> {
    let lines = Lines::builtin();
    notes.push(format!(
        "规则：尚未纳入四上（统计部门未报或报为否）的法人企业，营业收入达到所属行业四上门槛的 {}% 且未达到门槛（{}）。",
        (lines.candidate_share * Decimal::ONE_HUNDRED).normalize(),
        lines.document
    ));
    for x in &lines.excluded {
        notes.push(format!("不列入：{}（{}）", x.reason, x.codes.join("、")));
    }
    notes.push("农林牧渔业、金融业、公共管理等没有四上营业收入门槛的行业不列入。".into());
    let pool = app
        .store
        .above_scale_pool(
            year,
            county,
            &lines
                .windows()
                .into_iter()
                .map(|w| (w.prefix, fen(w.from), fen(w.below)))
                .collect::<Vec<_>>(),
        )
        .await?;
    Ok(pool
        .into_iter()
        .filter_map(|r| {
            let revenue = yuan(r.revenue_fen);
            let c = lines.candidate(&r.industry, revenue)?;
            let title = match lines.reading(&r.industry) {
                Reading::Line(l) => l.title.clone(),
                _ => c.line.clone(),
            };
            Some(Candidate {
                uscc: r.uscc,
                name: r.name,
                county: r.county,
                county_name: String::new(),
                industry: r.industry,
                revenue,
                line: Some(title),
                threshold: Some(c.threshold),
                gap: Some(c.gap),
                score: None,
                pass_score: None,
                points_short: None,
                reasons: Vec::new(),
                missing: Vec::new(),
            })
        })
        .collect())
}

async fn ind_to_ent(
    app: &App,
    year: i32,
    county: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Candidate>, AppError> {
    let rule = huiqi_cultivate::ind_to_ent::Rule::builtin();
    notes.push(format!(
        "规则：个体工商户满足任一条即列为候选——{}（{}；依据：{}）。",
        [
            rule.size_at_least
                .map(|s| format!("划型为{}及以上", s.label())),
            rule.revenue_over.map(|r| format!(
                "营业收入超过 {}",
                huiqi_cultivate::formulas::show(huiqi_cultivate::data::Unit::Yuan, r)
            )),
            rule.employees_at_least
                .map(|e| format!("从业人数不少于 {} 人", e.normalize())),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("；"),
        rule.document,
        rule.reference
    ));
    let pool = app
        .store
        .cultivation_facts(year, EntityKind::IndividualBusiness.as_str(), county)
        .await?;
    let at = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(app.at);
    let engine = huiqi_rules::Engine::new(&app.rules, at);
    Ok(pool
        .into_iter()
        .filter_map(|r| {
            let revenue = yuan(r.revenue_fen.unwrap_or(0));
            let employees = Decimal::new(r.employees_x100.unwrap_or(0), 2);
            let size = rule.size_at_least.map(|_| {
                let facts = Facts {
                    kind: EntityKind::IndividualBusiness,
                    industry: r.industry.clone(),
                    employees,
                    revenue,
                    total_assets: yuan(r.total_assets_fen.unwrap_or(0)),
                    ..Facts::default()
                };
                engine.evaluate(&facts).size_class
            });
            let reasons = rule.reasons(revenue, employees, size);
            (!reasons.is_empty()).then(|| Candidate {
                uscc: r.uscc,
                name: r.name,
                county: r.county,
                county_name: String::new(),
                industry: r.industry,
                revenue,
                line: None,
                threshold: None,
                gap: None,
                score: None,
                pass_score: None,
                points_short: None,
                reasons,
                missing: Vec::new(),
            })
        })
        .collect())
}

fn cert_kind(s: Standard) -> CertKind {
    match s {
        Standard::TechSme => CertKind::TechSme,
        Standard::InnovativeSme => CertKind::InnovativeSme,
        Standard::Zjtx => CertKind::ProvincialZjtx,
    }
}

/// The profile the registry fills: the departments' facts of the year (税务, 人社) and the
/// 科技局/知识产权 source (`tech`) of the year and the two before (主营业务收入). A fact not
/// reported stays 0 / false and the score's `missing` names it.
pub fn registry_profile(r: &huiqi_store::cultivate::FactsRow) -> Profile {
    use rust_decimal::prelude::ToPrimitive;
    let count = |v: Option<i64>| v.and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
    let money = |v: Option<i64>| yuan(v.unwrap_or(0));
    let t = &r.tech;
    Profile {
        employees: Decimal::new(r.employees_x100.unwrap_or(0), 2)
            .floor()
            .to_u32()
            .unwrap_or(0),
        tech_staff: count(t.tech_staff),
        rd_staff: count(t.rd_staff),
        sales_revenue: money(r.revenue_fen),
        // 主营业务收入 as the 科技局 reports it; 营业收入 (税务) where it has not reported.
        main_revenue: money(t.main_revenue_fen.or(r.revenue_fen)),
        main_revenue_prev: money(r.main_revenue_prev_fen),
        main_revenue_prev2: money(r.main_revenue_prev2_fen),
        total_assets: money(r.total_assets_fen),
        total_liabilities: money(t.total_liabilities_fen),
        cost_total: money(t.cost_total_fen),
        net_profit: money(t.net_profit_fen),
        rd_expense: money(r.rd_expense_fen),
        ip_class1: count(t.ip_class1),
        ip_class2: count(t.ip_class2),
        ip_high_value: count(t.ip_high_value),
        ip_class1_own: count(t.ip_class1_own),
        restricted_industry: r.restricted_industry.unwrap_or(false),
        high_tech_certified: t.high_tech_certified.unwrap_or(false),
        ..Profile::default()
    }
}

/// The registry fields a standard's score reads.
const FROM_REGISTRY: &str = "职工总数（人社）、营业收入、资产总额、研发费用、限制类行业（税务）；科技人员、研发人员、知识产权、主营业务收入（本年及前两年）、成本费用总额、负债总额、净利润、高新技术企业（科技局/知识产权）";

async fn certification(
    app: &App,
    kind: CandidateKind,
    year: i32,
    county: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Candidate>, AppError> {
    let standard = kind.standard().expect("a certification kind");
    let standards = Standards::builtin();
    let at = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(app.at);
    let version = standards
        .version(standard, at)
        .map_err(|e| AppError::Invalid {
            code: "no_standard_version",
            message: e.to_string(),
        })?;
    notes.push(format!(
        "规则：尚未认定为{}的企业，按 {} 年 12 月 31 日有效的《{}》（版本 {}）评分，得分距合格线不超过 {SCORE_WINDOW} 分（已达线者可直接申报）。",
        standard.label(),
        year,
        version.document,
        version.label()
    ));
    notes.push(format!(
        "评分用到的企业库数据：{FROM_REGISTRY}。部门未报送的数据按 0 计，列在“还缺什么”中；其余指标（如研发机构、股权融资、细分领域年限）企业库没有，按 0 计。"
    ));
    let certified: std::collections::HashSet<String> = app
        .store
        .certified_usccs(cert_kind(standard).as_str(), year)
        .await?
        .into_iter()
        .collect();
    let pool = app
        .store
        .cultivation_facts(year, EntityKind::Enterprise.as_str(), county)
        .await?;
    Ok(pool
        .into_iter()
        .filter(|r| !certified.contains(&r.uscc))
        .filter_map(|r| {
            let p = registry_profile(&r);
            let o = huiqi_cultivate::formulas::evaluate(version, &p, false);
            let close = o.qualified || (o.conditions_met && o.score + SCORE_WINDOW >= o.line);
            close.then(|| Candidate {
                uscc: r.uscc,
                name: r.name,
                county: r.county,
                county_name: String::new(),
                industry: r.industry,
                revenue: p.sales_revenue,
                line: None,
                threshold: None,
                gap: None,
                score: Some(o.score),
                pass_score: Some(o.line),
                points_short: Some(if o.qualified { 0 } else { o.gap().max(1) }),
                reasons: Vec::new(),
                missing: o.missing,
            })
        })
        .collect())
}

/// One enterprise against each standard (its own page): the outcome by standard on the registry's
/// facts of `year`, or `None` when the registry has no facts of that year for it.
pub async fn enterprise_standing(
    app: &App,
    uscc: &str,
    year: i32,
) -> Result<Option<Vec<huiqi_cultivate::Outcome>>, AppError> {
    let county = app.store.county_of(uscc).await?.unwrap_or_default();
    let rows = app
        .store
        .cultivation_facts(year, EntityKind::Enterprise.as_str(), &county)
        .await?;
    let Some(r) = rows.into_iter().find(|r| r.uscc == uscc) else {
        return Ok(None);
    };
    let p = registry_profile(&r);
    let standards = Standards::builtin();
    let at = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(app.at);
    let mut out = Vec::new();
    for s in Standard::ALL {
        if let Ok(v) = standards.version(*s, at) {
            out.push(huiqi_cultivate::formulas::evaluate(v, &p, false));
        }
    }
    Ok(Some(out))
}

/// A candidate list as .xlsx bytes (amounts as text, exactly as computed; the notes above).
pub fn candidates_xlsx(list: &CandidateList) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(list.kind_label)?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} 年{}候选名单（{} 户）",
            list.year,
            list.kind_label,
            list.rows.len()
        ),
        &bold,
    )?;
    let mut row = 1u32;
    for n in &list.notes {
        ws.write_string(row, 0, n)?;
        row += 1;
    }
    let headers = [
        ("统一社会信用代码", 22.0),
        ("名称", 30.0),
        ("辖区", 12.0),
        ("行业代码", 10.0),
        ("营业收入（元）", 18.0),
        ("门槛（元）/ 合格线（分）", 20.0),
        ("差距（元 / 分）", 16.0),
        ("依据 / 说明", 60.0),
    ];
    for (c, (h, w)) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(row + 1, 0)?;
    for r in &list.rows {
        row += 1;
        ws.write_string(row, 0, &r.uscc)?;
        ws.write_string(row, 1, &r.name)?;
        ws.write_string(row, 2, &r.county_name)?;
        ws.write_string(row, 3, &r.industry)?;
        ws.write_string(row, 4, r.revenue.to_string())?;
        let (line, gap) = match (r.threshold, r.gap, r.pass_score, r.points_short) {
            (Some(t), Some(g), _, _) => (t.to_string(), g.to_string()),
            (_, _, Some(l), Some(s)) => (l.to_string(), s.to_string()),
            _ => (String::new(), String::new()),
        };
        ws.write_string(row, 5, line)?;
        ws.write_string(row, 6, gap)?;
        let why = r
            .line
            .iter()
            .cloned()
            .chain(r.reasons.iter().cloned())
            .chain(r.missing.iter().cloned())
            .collect::<Vec<_>>()
            .join("；");
        ws.write_string(row, 7, why)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The park register template (UTF-8 CSV with BOM).
pub fn parks_template() -> String {
    huiqi_cultivate::parks::template()
}

fn to_hundredths(d: Decimal, what: &str, park: &str) -> Result<i64, AppError> {
    use rust_decimal::prelude::ToPrimitive;
    let x = d * Decimal::ONE_HUNDRED;
    if x.fract() != Decimal::ZERO {
        return Err(AppError::Invalid {
            code: "too_precise",
            message: format!("园区 {park} 的{what} {d} 超过两位小数，请四舍五入到两位"),
        });
    }
    x.to_i64().ok_or_else(|| AppError::Invalid {
        code: "too_large",
        message: format!("园区 {park} 的{what} {d} 太大"),
    })
}

/// Imports the park register of a year (CSV, UTF-8 or GB18030): every row checked first, all
/// errors reported at once (row and column), then the year's register replaced in one transaction.
pub async fn import_parks(
    app: &App,
    year: i32,
    file_name: &str,
    bytes: &[u8],
) -> Result<huiqi_store::cultivate::ParkImport, AppError> {
    use sha2::{Digest, Sha256};
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    };
    let counties: Vec<String> = app
        .pack
        .jurisdictions
        .iter()
        .map(|j| j.id.clone())
        .collect();
    let parks =
        huiqi_cultivate::parks::parse(&text, &counties).map_err(|errors| AppError::Invalid {
            code: "bad_park_file",
            message: format!(
                "{file_name} 有 {} 处错误，未导入任何数据：\n{}",
                errors.len(),
                errors.join("\n")
            ),
        })?;
    let mut rows = Vec::with_capacity(parks.len());
    for p in &parks {
        rows.push(huiqi_store::cultivate::ParkRow {
            park_id: p.park_id.clone(),
            name: p.name.clone(),
            county: p.county.clone(),
            opened_year: p.opened_year,
            area_mu_x100: to_hundredths(p.area_mu, "占地面积", &p.park_id)?,
            occupied_mu_x100: to_hundredths(p.occupied_mu, "已入驻面积", &p.park_id)?,
            enterprises: p.enterprises.into(),
            output_fen: to_hundredths(p.output, "产值", &p.park_id)?,
            tax_fen: to_hundredths(p.tax, "税收", &p.park_id)?,
            employees: p.employees.into(),
            graduates: p.graduates.into(),
            services: p.services.into(),
            safety_incidents: p.safety_incidents.into(),
        });
    }
    let sha = hex::encode(Sha256::digest(bytes));
    Ok(app.store.import_parks(year, file_name, &sha, &rows).await?)
}

/// The parks of a year graded under the built-in scheme: (scheme, rows by rank).
pub async fn grade_parks(
    app: &App,
    year: i32,
    county: Option<&str>,
) -> Result<
    (
        huiqi_cultivate::parks::Scheme,
        Vec<huiqi_cultivate::parks::Graded>,
    ),
    AppError,
> {
    let scheme =
        huiqi_cultivate::parks::Scheme::builtin(huiqi_policy::builtin::DEFAULT).map_err(|e| {
            AppError::Invalid {
                code: "bad_park_scheme",
                message: e.to_string(),
            }
        })?;
    // Every park of the year is graded (ranks are city-wide); a county sees its own rows.
    let parks: Vec<huiqi_cultivate::parks::Park> = app
        .store
        .parks(year, "")
        .await?
        .into_iter()
        .map(|r| huiqi_cultivate::parks::Park {
            park_id: r.park_id,
            name: r.name,
            county: r.county,
            opened_year: r.opened_year,
            area_mu: Decimal::new(r.area_mu_x100, 2),
            occupied_mu: Decimal::new(r.occupied_mu_x100, 2),
            enterprises: r.enterprises.try_into().unwrap_or(0),
            output: yuan(r.output_fen),
            tax: yuan(r.tax_fen),
            employees: r.employees.try_into().unwrap_or(0),
            graduates: r.graduates.try_into().unwrap_or(0),
            services: r.services.try_into().unwrap_or(0),
            safety_incidents: r.safety_incidents.try_into().unwrap_or(0),
        })
        .collect();
    let mut rows = huiqi_cultivate::parks::grade(&scheme, year, &parks);
    if let Some(c) = county {
        rows.retain(|r| r.county == c);
    }
    Ok((scheme, rows))
}

/// Graded parks as .xlsx bytes (scores as text, the computation beside each row).
pub fn parks_xlsx(
    app: &App,
    year: i32,
    rows: &[huiqi_cultivate::parks::Graded],
) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("小微企业园")?;
    ws.write_string_with_format(0, 0, format!("{year} 年小微企业园绩效评价"), &bold)?;
    let headers = [
        ("名次", 6.0),
        ("园区", 28.0),
        ("辖区", 12.0),
        ("得分", 10.0),
        ("等次", 8.0),
        ("计算过程", 120.0),
    ];
    for (c, (h, w)) in headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, *w)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        ws.write_string(row, 0, r.rank.map_or("—".to_string(), |k| k.to_string()))?;
        ws.write_string(row, 1, &r.park)?;
        ws.write_string(row, 2, app.jurisdiction_name(&r.county))?;
        ws.write_string(row, 3, r.score.to_string())?;
        ws.write_string(row, 4, &r.grade)?;
        ws.write_string(row, 5, r.computation.join("；"))?;
    }
    ws.set_freeze_panes(2, 0)?;
    Ok(wb.save_to_buffer()?)
}

/// The county a viewer may list candidates or parks for: a county account only its own
/// (asking for another is refused), the working group and units any or all; enterprises none.
pub fn scope_county(
    role: &crate::accounts::Role,
    asked: Option<&str>,
) -> Result<Option<String>, AppError> {
    use crate::accounts::Role;
    match role {
        Role::Admin | Role::Unit(_) => Ok(asked.map(str::to_string)),
        Role::County(c) => match asked {
            Some(a) if a != c => Err(AppError::Forbidden(
                "县区账号只能查看本辖区的候选企业与园区。".into(),
            )),
            _ => Ok(Some(c.clone())),
        },
        Role::Enterprise(_) | Role::Anonymous => Err(AppError::Forbidden(
            "候选名单与园区评价仅供工作专班、责任单位和县区查看。".into(),
        )),
    }
}

//! The JSON API's contract: the bodies `/api/v1/*` answers with (typed, `Serialize` + `ToSchema`:
//! what is sent is what the document describes), and the OpenAPI 3.1 document generated from them
//! and from the handlers' `#[utoipa::path]` annotations (utoipa; no hand-kept JSON).
//!
//! [`document`] completes what a derive cannot know: the values a parameter may take come from
//! the vocabularies and the built-in pack (measures from the measure table, jurisdictions from the
//! pack, size classes, kinds and colours from their `vocabulary!`), and every operation whose route
//! row requires a role gets the session cookie as its security requirement — both derived from
//! the route rows, so the document cannot drift from the router (a test checks every `/api/v1`
//! row has its operation and no operation lacks a row).

use serde::Serialize;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi as Doc, RefOr, Schema};
use utoipa::{OpenApi, ToSchema};

use crate::routes::{Rule, Verb, routes};

/// The body of every error answer on `/api/*`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// 中文说明：什么错了、怎么改。
    pub error: String,
    /// Stable, for programs: `bad_query`, `bad_period`, `unauthenticated`, `forbidden`, …
    pub code: String,
    /// On a 500 only: the request id to quote (also in the `x-request-id` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One enterprise of a registry search.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseItem {
    /// 统一社会信用代码
    pub uscc: String,
    pub name: String,
    /// The jurisdiction's name (金安区 …).
    pub county: String,
    /// GB/T 4754-2017 code.
    pub industry: String,
    /// 企业 / 个体工商户.
    pub kind: String,
    /// The latest matching run's size class: 大型 / 中型 / 小型 / 微型, or `—` when no run has
    /// classified it.
    pub size_class: String,
}

/// One benefit of an enterprise.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitItem {
    /// The measure's id (the measure table of huiqi-rules).
    pub measure: String,
    pub title: String,
    /// 元, exact decimal as text; `0` for a flag.
    pub amount: String,
    /// Why: the conditions that held, the city article, the national document, the arithmetic.
    pub reason: String,
}

/// An enterprise's benefits: one evaluation of its facts on file at one date.
#[derive(Debug, Serialize, ToSchema)]
pub struct Benefits {
    pub uscc: String,
    /// The date whose parameters apply (`YYYY-MM-DD`).
    pub at: String,
    /// Which data and date the figures come from, in Chinese.
    pub basis: String,
    pub benefits: Vec<BenefitItem>,
    /// 元, exact decimal as text.
    pub total_relief: String,
    /// 大型 / 中型 / 小型 / 微型.
    pub size_class: String,
}

/// One target × jurisdiction of the 调度表.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardRow {
    pub target: String,
    /// A jurisdiction id, or `city`.
    pub jurisdiction: String,
    /// Exact decimal as text, in the target's unit.
    pub target_value: String,
    pub actual: Option<String>,
    /// actual ÷ target, 4 decimals.
    pub completion: Option<String>,
    pub time_progress: Option<String>,
    /// 绿 / 黄 / 红 …
    pub status: String,
    /// How the status was decided, in Chinese.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankItem {
    pub rank: u64,
    pub jurisdiction: String,
    /// Exact decimal as text.
    pub score: String,
}

/// How many visible rows were green, yellow and red in one month.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendItem {
    /// `YYYY-MM`
    pub period: String,
    pub green: u64,
    pub yellow: u64,
    pub red: u64,
}

/// A task a unit carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitTask {
    pub article: u8,
    pub title: String,
    pub units: String,
    pub legal_basis: String,
}

/// The 调度表 of a month, as the viewer may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    /// `YYYY-MM`
    pub period: String,
    pub rows: Vec<DashboardRow>,
    pub ranking: Vec<RankItem>,
    pub trend: Vec<TrendItem>,
    /// A unit's own tasks (empty for other roles).
    pub tasks: Vec<UnitTask>,
}

/// One enterprise of a push list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushItem {
    pub uscc: String,
    pub name: String,
    /// 联系人 of the 市场监管 file (empty when none).
    pub contact_person: String,
    /// 联系电话 (empty when none).
    pub contact_phone: String,
    pub county: String,
    pub industry: String,
    /// 元, exact decimal as text (`0` for a flag).
    pub amount: String,
    pub reason: String,
}

/// A push list of the latest matching run.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushList {
    pub measure: String,
    /// The matching run it comes from; null when there is none yet.
    pub run: Option<i64>,
    /// What to do when there is no run, in Chinese (empty otherwise).
    pub message: String,
    /// Enterprises on the whole list.
    pub count: u64,
    /// 元, the whole list's total, exact decimal as text.
    pub total: String,
    /// The first `limit` rows.
    pub rows: Vec<PushItem>,
}

/// A numeric target of the policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetItem {
    pub id: String,
    pub article: u8,
    pub indicator: String,
    /// Exact decimal as text.
    pub value: String,
    pub unit: String,
    /// `yearly`, `cumulative`, `by_date`, …
    pub period: String,
    /// The responsible units' ids.
    pub units: Vec<String>,
}

/// One supervision line for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionRow {
    pub task: String,
    pub title: String,
    pub article: u8,
    /// The unit's id; empty for the jurisdiction's own line.
    pub unit: String,
    pub unit_name: String,
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    /// `2023-Q3`, `2023-09`, …
    pub period: String,
    pub period_label: String,
    /// The latest report's status; null when nothing was reported.
    pub status: Option<String>,
    pub status_label: String,
    /// `YYYY-MM-DD`
    pub last_report: Option<String>,
    /// `YYYY-MM-DD`
    pub due: String,
    /// `green` | `yellow` | `red` | `pending`
    pub colour: String,
    pub reason: String,
    /// Open 督办单 ids.
    pub open_orders: Vec<i64>,
    /// The figures of another area the task links to: `service` | `arrears`.
    pub figures: Option<String>,
}

/// The supervision board of a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct Supervision {
    /// `YYYY-MM`
    pub period: String,
    pub rows: Vec<SupervisionRow>,
}

/// One indicator of one jurisdiction's assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorItem {
    pub id: String,
    pub name: String,
    pub article: u8,
    pub weight: String,
    pub value: Option<String>,
    /// Null when the indicator is left out (rescaled).
    pub points: Option<String>,
    pub how: String,
}

/// One jurisdiction's assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentRow {
    pub jurisdiction: String,
    pub score: String,
    /// 1 = best; equal scores share a rank.
    pub rank: u64,
    pub band_id: String,
    pub band: String,
    /// 元
    pub award: String,
    pub score_how: String,
    pub award_how: String,
    pub indicators: Vec<IndicatorItem>,
}

/// A year's assessment (article 19), as the viewer may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assessment {
    pub scheme_id: String,
    pub scheme_version: String,
    pub scheme_title: String,
    pub year: i32,
    /// 元
    pub pool: String,
    pub awarded_total: String,
    pub unallocated: String,
    pub remainder_rule: String,
    pub rows: Vec<AssessmentRow>,
}

impl From<huiqi_assess::compute::Assessment> for Assessment {
    fn from(a: huiqi_assess::compute::Assessment) -> Assessment {
        Assessment {
            scheme_id: a.scheme_id,
            scheme_version: a.scheme_version,
            scheme_title: a.scheme_title,
            year: a.year,
            pool: a.pool.to_string(),
            awarded_total: a.awarded_total.to_string(),
            unallocated: a.unallocated.to_string(),
            remainder_rule: a.remainder_rule,
            rows: a
                .rows
                .into_iter()
                .map(|r| AssessmentRow {
                    jurisdiction: r.jurisdiction,
                    score: r.score.to_string(),
                    rank: r.rank as u64,
                    band_id: r.band_id,
                    band: r.band,
                    award: r.award.to_string(),
                    score_how: r.score_how,
                    award_how: r.award_how,
                    indicators: r
                        .indicators
                        .into_iter()
                        .map(|i| IndicatorItem {
                            id: i.id,
                            name: i.name,
                            article: i.article,
                            weight: i.weight.to_string(),
                            value: i.value.map(|v| v.to_string()),
                            points: i.points.map(|v| v.to_string()),
                            how: i.how,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One 机关 or 事业单位 payer of the 31 March disclosure.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureItem {
    pub payer_name: String,
    /// The payer's 统一社会信用代码.
    pub payer_uscc: String,
    /// `government` (机关) or `public_institution` (事业单位).
    pub payer_kind: String,
    /// 机关 / 事业单位.
    pub kind_label: String,
    /// The supervising unit's id ('' when none) and name.
    pub supervising_unit: String,
    pub supervising_unit_name: String,
    /// The jurisdiction's id and name.
    pub county: String,
    pub county_name: String,
    /// Contracts overdue during the year (part unpaid on the due date, unpaid time in the year).
    pub overdue_count: u32,
    /// 元, exact decimal as text: their amounts unpaid on their due dates.
    pub overdue_amount: String,
    /// 元, exact decimal as text: of these, still unpaid at the end of the year.
    pub unpaid_at_year_end: String,
}

/// The disclosure of a year's overdue payments to small firms by 机关、事业单位 (public).
#[derive(Debug, Serialize, ToSchema)]
pub struct Disclosure {
    pub year: i32,
    /// The day it must be public by (31 March of the next year, `YYYY-MM-DD`).
    pub publish_by: String,
    /// The regulation and the article of the policy, in Chinese.
    pub basis: String,
    /// Every 机关、事业单位 payer on record, largest amount overdue first (none overdue: zeros).
    pub rows: Vec<DisclosureItem>,
    pub total_count: u32,
    /// 元, exact decimal as text.
    pub total_amount: String,
    /// 元, exact decimal as text.
    pub total_unpaid: String,
}

impl From<huiqi_app::arrears::Disclosure> for Disclosure {
    fn from(d: huiqi_app::arrears::Disclosure) -> Disclosure {
        Disclosure {
            year: d.year,
            publish_by: d.publish_by.to_string(),
            basis: d.basis,
            rows: d
                .rows
                .into_iter()
                .map(|l| DisclosureItem {
                    payer_name: l.row.payer_name,
                    payer_uscc: l.row.payer_uscc,
                    payer_kind: l.row.payer_kind.as_str().to_string(),
                    kind_label: l.kind_label.to_string(),
                    supervising_unit: l.row.supervising_unit,
                    supervising_unit_name: l.supervising_unit_name,
                    county: l.row.county,
                    county_name: l.county_name,
                    overdue_count: l.row.overdue_count,
                    overdue_amount: l.row.overdue_amount.to_string(),
                    unpaid_at_year_end: l.row.unpaid_at_year_end.to_string(),
                })
                .collect(),
            total_count: d.total_count,
            total_amount: d.total_amount.to_string(),
            total_unpaid: d.total_unpaid.to_string(),
        }
    }
}

/// One problem of 为企服务 as its viewer may see it (`/api/v1/service/problems`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceProblem {
    pub id: i64,
    /// 统一社会信用代码.
    pub uscc: String,
    pub enterprise_name: String,
    /// False: not in the registry (accepted, flagged 待核实).
    pub registered: bool,
    pub county: String,
    pub county_name: String,
    pub category: String,
    pub category_name: String,
    pub title: String,
    pub description: String,
    /// `enterprise_page` | `visit` | `front_desk` | `hotline` | `open311`
    pub channel: String,
    pub channel_label: String,
    pub public: bool,
    /// `YYYY-MM-DD`
    pub received_on: String,
    /// RFC 3339
    pub received_at: String,
    /// RFC 3339
    pub updated_at: String,
    /// `unit:<id>` | `county:<jurisdiction>`
    pub handler: String,
    pub handler_name: String,
    /// `received` | `dispatched` | `in_progress` | `waiting_enterprise` | `replied` |
    /// `working_group` | `resolved` | `unresolvable` | `duplicate` | `not_our_remit`
    pub state: String,
    pub state_label: String,
    /// `YYYY-MM-DD`, from the working-day calendar (with an approved extension).
    pub deadline: String,
    pub limit_workdays: i64,
    pub extension_workdays: i64,
    /// Open problems: `green` | `yellow` (临期, within the reminder window) | `red` (逾期).
    pub due: Option<String>,
    /// Working days since intake (open) or to the first 办结.
    pub age_workdays: Option<i64>,
    pub transfers: i64,
    pub duplicate_of: Option<i64>,
    /// The first 办结, `YYYY-MM-DD`.
    pub done_on: Option<String>,
    pub done_on_time: Option<bool>,
    /// 解决 (confirmed, or not answered within the confirmation window).
    pub resolved: bool,
    pub reopened: bool,
    /// 1–5
    pub rating: Option<i64>,
    pub reply: String,
}

impl From<huiqi_app::service::ProblemView> for ServiceProblem {
    fn from(p: huiqi_app::service::ProblemView) -> ServiceProblem {
        ServiceProblem {
            id: p.id,
            uscc: p.uscc,
            enterprise_name: p.enterprise_name,
            registered: p.registered,
            county: p.county,
            county_name: p.county_name,
            category: p.category,
            category_name: p.category_name,
            title: p.title,
            description: p.description,
            channel: p.channel,
            channel_label: p.channel_label,
            public: p.public,
            received_on: p.received_on.to_string(),
            received_at: p.received_at.to_rfc3339(),
            updated_at: p.updated_at.to_rfc3339(),
            handler: p.handler,
            handler_name: p.handler_name,
            state: p.state.as_str().to_string(),
            state_label: p.state_label,
            deadline: p.deadline.to_string(),
            limit_workdays: p.limit_workdays,
            extension_workdays: p.extension_workdays,
            due: p.due.map(|d| d.as_str().to_string()),
            age_workdays: p.age_workdays,
            transfers: p.transfers,
            duplicate_of: p.duplicate_of,
            done_on: p.done_on.map(|d| d.to_string()),
            done_on_time: p.done_on_time,
            resolved: p.resolved,
            reopened: p.reopened,
            rating: p.rating,
            reply: p.reply,
        }
    }
}

/// One page of the problems a viewer works or follows.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceQueue {
    pub rows: Vec<ServiceProblem>,
    /// All the problems matching, over every page.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// On this page: past the deadline (逾期).
    pub red: u64,
    /// On this page: within the reminder window (临期).
    pub yellow: u64,
}

impl From<huiqi_app::service::Queue> for ServiceQueue {
    fn from(q: huiqi_app::service::Queue) -> ServiceQueue {
        ServiceQueue {
            rows: q.rows.into_iter().map(ServiceProblem::from).collect(),
            total: q.total,
            page: q.page,
            per_page: q.per_page,
            red: q.red as u64,
            yellow: q.yellow as u64,
        }
    }
}

/// The counts of a row of the 清单 (duplicates not counted).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceCounts {
    /// 受理
    pub received: i64,
    /// 办结 (replied or closed with a reason)
    pub done: i64,
    /// 解决
    pub resolved: i64,
    /// 办结 by the deadline
    pub done_on_time: i64,
    /// Working days from intake to the first 办结, summed
    pub done_workdays: i64,
    pub reopened: i64,
    pub rated: i64,
    pub rating_sum: i64,
    /// Rated 4–5
    pub satisfied: i64,
    /// Still open
    pub open: i64,
    /// Open and past the deadline today
    pub overdue: i64,
}

/// One rate: numerator ÷ denominator, and how it is computed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRate {
    pub name: String,
    pub numerator: i64,
    pub denominator: i64,
    /// A decimal string with 4 decimals (`"0.9500"`); null over nothing (暂无数据).
    pub value: Option<String>,
    pub how: String,
}

/// The rates of a row of the 清单.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRates {
    /// 办结率
    pub done: ServiceRate,
    /// 解决率
    pub resolved: ServiceRate,
    /// 按时办结率
    pub on_time: ServiceRate,
    /// 重办率
    pub reopened: ServiceRate,
    /// 满意率
    pub satisfied: ServiceRate,
    /// Average working days from intake to 办结 (decimal string).
    pub avg_workdays: Option<String>,
    /// Average rating 1–5 (decimal string).
    pub avg_rating: Option<String>,
}

/// One row of the 清单: a unit, county, category or month, or the total (`key` = `total`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRateRow {
    pub key: String,
    pub name: String,
    pub counts: ServiceCounts,
    pub rates: ServiceRates,
}

/// The 清单's figures of a year (`/api/v1/service/stats`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceStats {
    pub year: i32,
    pub rows: Vec<ServiceRateRow>,
}

impl From<&huiqi_service::rates::Rate> for ServiceRate {
    fn from(r: &huiqi_service::rates::Rate) -> ServiceRate {
        ServiceRate {
            name: r.name.to_string(),
            numerator: r.numerator,
            denominator: r.denominator,
            value: r.value.map(|v| v.to_string()),
            how: r.how.to_string(),
        }
    }
}

impl From<huiqi_app::service::RateRow> for ServiceRateRow {
    fn from(r: huiqi_app::service::RateRow) -> ServiceRateRow {
        let c = r.counts;
        ServiceRateRow {
            key: r.key,
            name: r.name,
            counts: ServiceCounts {
                received: c.received,
                done: c.done,
                resolved: c.resolved,
                done_on_time: c.done_on_time,
                done_workdays: c.done_workdays,
                reopened: c.reopened,
                rated: c.rated,
                rating_sum: c.rating_sum,
                satisfied: c.satisfied,
                open: c.open,
                overdue: c.overdue,
            },
            rates: ServiceRates {
                done: (&r.rates.done).into(),
                resolved: (&r.rates.resolved).into(),
                on_time: (&r.rates.on_time).into(),
                reopened: (&r.rates.reopened).into(),
                satisfied: (&r.rates.satisfied).into(),
                avg_workdays: r.rates.avg_workdays.map(|d| d.to_string()),
                avg_rating: r.rates.avg_rating.map(|d| d.to_string()),
            },
        }
    }
}

/// The operations, from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "惠企平台 API",
        description = "六安市支持小微企业高质量发展政策执行系统的 JSON 接口。登录后以会话 Cookie 调用；县区、责任单位和企业账号只得到本辖区、本单位或本企业的数据。"
    ),
    paths(
        crate::areas::home::api_targets,
        crate::areas::enterprises::api_enterprises,
        crate::areas::enterprises::api_benefits,
        crate::areas::push::api,
        crate::areas::progress::api,
        crate::areas::assess::board_api,
        crate::areas::assess::assessment_api,
        crate::areas::service::queue_api,
        crate::areas::service::stats_api,
        crate::areas::arrears::disclosure_api,
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// The documented answers of an error status, for the annotations.
pub const BAD_REQUEST: &str = "参数有误（JSON：error、code）";
pub const UNAUTHENTICATED: &str = "未登录（JSON：error、code）";
pub const FORBIDDEN: &str = "无权访问或不在管辖范围内（JSON：error、code）";
pub const NOT_FOUND: &str = "没有该数据（JSON：error、code）";

/// The OpenAPI 3.1 document of `/api/v1`.
pub fn document() -> Doc {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::COOKIE,
            "登录（POST /login）后服务器设置的会话 Cookie",
        ))),
    );
    // Who may call each operation: from its route row.
    for r in routes().filter(|r| r.path.starts_with("/api/v1/")) {
        let Some(op) = operation(&mut doc, r.path, r.method) else {
            continue;
        };
        match r.rule {
            Rule::Public => op.security = None,
            Rule::Roles(roles) => {
                op.security = Some(vec![SecurityRequirement::new(
                    "session",
                    Vec::<String>::new(),
                )]);
                let who: Vec<&str> = roles.iter().map(|k| k.label()).collect();
                let access = format!("（登录；角色：{}）", who.join("、"));
                op.summary = Some(format!("{}{access}", r.summary));
            }
        }
        if op.summary.is_none() {
            op.summary = Some(format!("{}（公开）", r.summary));
        }
    }
    // The values a parameter may take, from the vocabularies and the built-in pack.
    let measures: Vec<String> = huiqi_rules::MeasureId::benefits()
        .map(|m| m.as_str().to_string())
        .collect();
    let counties: Vec<String> = huiqi_app::builtin_pack()
        .map(|p| p.jurisdictions.iter().map(|j| j.id.clone()).collect())
        .unwrap_or_default();
    let sizes: Vec<String> = huiqi_domain::SizeClass::ALL
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    let kinds: Vec<String> = huiqi_domain::EntityKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    let colours: Vec<String> = huiqi_assess::supervision::Colour::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    set_enum(&mut doc, "/api/v1/push", "measure", &measures);
    set_enum(&mut doc, "/api/v1/push", "county", &counties);
    set_enum(&mut doc, "/api/v1/enterprises", "county", &counties);
    set_enum(&mut doc, "/api/v1/enterprises", "size", &sizes);
    set_enum(&mut doc, "/api/v1/enterprises", "kind", &kinds);
    set_enum(&mut doc, "/api/v1/supervision", "jurisdiction", &counties);
    set_enum(&mut doc, "/api/v1/supervision", "colour", &colours);
    doc
}

/// The document as JSON.
pub fn document_json() -> serde_json::Value {
    serde_json::to_value(document()).unwrap_or_default()
}

fn operation<'a>(doc: &'a mut Doc, path: &str, method: Verb) -> Option<&'a mut Operation> {
    let item = doc.paths.paths.get_mut(path)?;
    match method {
        Verb::Get => item.get.as_mut(),
        Verb::Post => item.post.as_mut(),
    }
}

/// Restricts a query parameter of a GET operation to `values`.
fn set_enum(doc: &mut Doc, path: &str, name: &str, values: &[String]) {
    let Some(op) = operation(doc, path, Verb::Get) else {
        return;
    };
    for p in op.parameters.iter_mut().flatten() {
        let RefOr::T(p) = p else {
            continue;
        };
        if p.name == name && p.parameter_in == ParameterIn::Query {
            let mut schema = utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .enum_values(Some(values.iter().cloned()));
            if let Some(RefOr::T(Schema::Object(old))) = &p.schema {
                schema = schema.description(old.description.clone());
            }
            p.schema = Some(RefOr::T(Schema::Object(schema.build())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_has_its_operation_and_every_operation_a_route() {
        let doc = document_json();
        let paths = doc["paths"].as_object().unwrap();
        let mut rows = 0;
        for r in
            routes().filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
        {
            rows += 1;
            let op = &paths
                .get(r.path)
                .unwrap_or_else(|| panic!("{} has no operation", r.path))
                [r.method.as_str().to_ascii_lowercase()];
            assert!(op.is_object(), "{} {}", r.method.as_str(), r.path);
            let ok = &op["responses"]["200"]["content"]["application/json"]["schema"];
            assert!(ok.is_object(), "{}: no schema for 200", r.path);
            if op["parameters"].as_array().is_some_and(|p| !p.is_empty()) {
                assert!(
                    op["responses"]["400"]["content"]["application/json"]["schema"].is_object(),
                    "{}: parameters but no 400 error body",
                    r.path
                );
            }
            match r.rule {
                Rule::Public => assert!(op["security"].is_null(), "{}", r.path),
                Rule::Roles(_) => {
                    assert_eq!(
                        op["security"],
                        serde_json::json!([{"session": []}]),
                        "{}",
                        r.path
                    );
                    assert!(op["responses"]["401"].is_object(), "{}: 401", r.path);
                    assert!(op["responses"]["403"].is_object(), "{}: 403", r.path);
                }
            }
        }
        let ops: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(ops, rows, "an operation without a route row");
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["components"]["securitySchemes"]["session"],
            serde_json::json!({"type": "apiKey", "in": "cookie", "name": "huiqi_session", "description": "登录（POST /login）后服务器设置的会话 Cookie"})
        );
    }

    #[test]
    fn push_lists_measure_county_and_limit_with_their_values() {
        let doc = document_json();
        let params = doc["paths"]["/api/v1/push"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let by = |n: &str| {
            params
                .iter()
                .find(|p| p["name"] == n)
                .unwrap_or_else(|| panic!("no {n}"))
                .clone()
        };
        let measure = by("measure");
        assert!(
            measure["schema"]["enum"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("six_taxes_relief"))
        );
        assert_eq!(by("county")["schema"]["enum"].as_array().unwrap().len(), 8);
        let limit = by("limit");
        assert_eq!(limit["schema"]["minimum"], 1);
        assert_eq!(limit["schema"]["maximum"], 10000);
    }
}

//! 一企一档 (`/enterprises/{uscc}`, staff): one enterprise's file in sections — registration,
//! facts by year with department and import, certifications, trainings, loans, benefits per
//! matching run and what changed between runs, grants, the history of its values — and the way
//! back to the registry list it was opened from (`back`, checked to be that list).

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use huiqi_app::dossier::{EnterpriseFile, enterprise_file};
use huiqi_domain::lists::CertKind;
use huiqi_domain::numbers::{count, count_dec, yuan};
use huiqi_domain::registry::{Column, FieldType, Group, RegStatus, Source, Value, column_named};
use huiqi_domain::{EntityKind, FounderGroup, SizeClass};
use huiqi_rules::MeasureId;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Query, WebError};
use crate::page::{Nav, render};
use crate::state::{Shared, WebState};

/// The registry list, where the way back goes when there is no valid `back`.
pub const LIST: &str = "/enterprises";

/// The page to go back to: `back` when it is the registry list (`/enterprises` or
/// `/enterprises?…`, a local path with printable ASCII only — links percent-encode the rest),
/// else the list itself. Nothing else passes, so the link can never lead to another site
/// (`//host`, `http://…`, `/\host`) or another page (no open redirect).
pub fn back_link(back: Option<&str>) -> String {
    let Some(b) = back else {
        return LIST.to_string();
    };
    let ok = b.len() <= 2_000
        && (b == LIST || b.starts_with("/enterprises?"))
        && b.bytes().all(|c| c.is_ascii_graphic())
        && !b.contains('\\');
    if ok { b.to_string() } else { LIST.to_string() }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FileQuery {
    /// The list (with its filter, sort and page) the file was opened from.
    pub back: Option<String>,
}

/// A value of a registry column as a reader takes it: amounts with 千分位 and 元, people and
/// counts without decimals, yes/no, vocabularies by their Chinese names.
pub fn show_value(s: &WebState, c: &Column, v: &Value) -> String {
    match (c.ty, v) {
        (_, Value::Null) => "—".into(),
        (FieldType::Money | FieldType::SignedMoney, Value::Int(fen)) => yuan(Decimal::new(*fen, 2)),
        (FieldType::Headcount, Value::Int(x)) => format!("{} 人", count_dec(Decimal::new(*x, 2))),
        (_, Value::Int(n)) => count(*n),
        (_, Value::Bool(b)) => if *b { "是" } else { "否" }.into(),
        (_, Value::Date(d)) => d.to_string(),
        (FieldType::Kind, Value::Text(t)) => {
            EntityKind::parse(t).map_or(t.clone(), |k| k.label().into())
        }
        (FieldType::Status, Value::Text(t)) => {
            RegStatus::parse(t).map_or(t.clone(), |k| k.label().into())
        }
        (FieldType::FounderGroup, Value::Text(t)) => {
            FounderGroup::parse(t).map_or(t.clone(), |k| k.label().into())
        }
        (FieldType::CertKind, Value::Text(t)) => {
            CertKind::parse(t).map_or(t.clone(), |k| k.label().into())
        }
        (FieldType::County, Value::Text(t)) => s.read().jurisdiction_name(t),
        (FieldType::Industry, Value::Text(t)) => {
            format!("{}（{t}）", huiqi_domain::industry::display_name(t))
        }
        (_, Value::Text(t)) => t.clone(),
    }
}

/// A history value (canonical text: fen, hundredths, true/false, ISO dates, ids) shown as
/// [`show_value`] shows the column.
fn show_canonical(s: &WebState, c: &Column, v: Option<&str>) -> String {
    let Some(v) = v else {
        return "（空）".into();
    };
    let value = match c.ty.storage() {
        huiqi_domain::registry::StorageType::Int => {
            v.parse().map_or(Value::Text(v.into()), Value::Int)
        }
        huiqi_domain::registry::StorageType::Bool => match v {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Text(v.into()),
        },
        huiqi_domain::registry::StorageType::Date => {
            v.parse().map_or(Value::Text(v.into()), Value::Date)
        }
        huiqi_domain::registry::StorageType::Text => Value::Text(v.into()),
    };
    show_value(s, c, &value)
}

/// The department of a group.
fn department(g: Group) -> &'static str {
    match g {
        Group::Enterprise | Group::EnterpriseFacts => Source::Market.department(),
        Group::Tax => Source::Tax.department(),
        Group::Hr => Source::Hr.department(),
        Group::Stats => Source::Stats.department(),
        Group::Finance => Source::Finance.department(),
        Group::Tech => Source::Tech.department(),
    }
}

struct Row {
    label: String,
    value: String,
}

/// One department's facts of one year: where they came from, then the values.
struct GroupView {
    department: &'static str,
    /// The import: file, how it came (department file or merged fact sheet) and its date;
    /// empty when not reported.
    file: String,
    imported_on: String,
    rows: Vec<Row>,
}

struct YearView {
    year: i32,
    groups: Vec<GroupView>,
}

struct CertView {
    kind: String,
    year: i32,
    date: String,
    number: String,
    source: String,
}

struct BenefitLine {
    title: String,
    amount: String,
}

struct ChangeLine {
    title: String,
    change: &'static str,
    old: String,
    new: String,
    difference: String,
}

struct RunLine {
    /// 所属年度 of the data.
    year: i32,
    /// The date whose parameters applied.
    at: String,
    computed_on: String,
    size_class: String,
    benefits: Vec<BenefitLine>,
    total: String,
    compared: bool,
    changes: Vec<ChangeLine>,
}

struct GrantLine {
    title: String,
    amount: String,
    date: String,
    file: String,
}

struct HistoryLine {
    field: String,
    year: String,
    old: String,
    new: String,
    source: String,
    time: String,
}

#[derive(Template)]
#[template(path = "enterprise_file.html")]
struct FilePage {
    nav: Nav,
    back: String,
    name: String,
    registration: Vec<Row>,
    registration_source: String,
    years: Vec<YearView>,
    loans: Vec<YearView>,
    certifications: Vec<CertView>,
    high_tech: Vec<String>,
    /// 梯队培育: how near the enterprise is to each standard.
    standings: Vec<super::enterprises::StandingView>,
    standings_year: i32,
    runs: Vec<RunLine>,
    grants: Vec<GrantLine>,
    history: Vec<HistoryLine>,
}

fn import_of(f: &EnterpriseFile, id: Option<i64>) -> (String, String) {
    match id.and_then(|i| f.imports.get(&i)) {
        Some(i) => {
            let via = Source::parse(&i.source)
                .map_or_else(|| i.source.clone(), |x| x.label().to_string());
            (
                format!("{}（{via}）", i.file_name),
                i.imported_at.format("%Y-%m-%d").to_string(),
            )
        }
        None => ("尚未报送".into(), "—".into()),
    }
}

fn year_views(s: &WebState, f: &EnterpriseFile, finance: bool) -> Vec<YearView> {
    f.years
        .iter()
        .map(|y| YearView {
            year: y.year,
            groups: y
                .groups
                .iter()
                .filter(|g| (g.group == Group::Finance) == finance)
                .map(|g| {
                    let (file, imported_on) = import_of(f, g.import_id);
                    GroupView {
                        department: department(g.group),
                        file,
                        imported_on,
                        rows: if g.import_id.is_none() {
                            Vec::new()
                        } else {
                            g.values
                                .iter()
                                .map(|(c, v)| Row {
                                    label: c.zh.to_string(),
                                    value: show_value(s, c, v),
                                })
                                .collect()
                        },
                    }
                })
                .collect(),
        })
        .collect()
}

fn change_label(c: huiqi_app::matching::Change) -> &'static str {
    c.label()
}

fn signed_yuan(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", yuan(d))
    } else {
        yuan(d)
    }
}

fn page(
    s: &WebState,
    v: &Viewer,
    f: EnterpriseFile,
    back: String,
    standings: Vec<super::enterprises::StandingView>,
) -> FilePage {
    let r = &f.registration;
    let (reg_file, reg_date) = import_of(&f, Some(r.import_id));
    let latest_class = f
        .runs
        .first()
        .and_then(|x| SizeClass::parse(&x.size_class))
        .map_or("—（尚无匹配批次）".to_string(), |c| {
            format!("{}型（最近一次匹配批次的划型）", c.label())
        });
    let registration = vec![
        Row {
            label: "名称".into(),
            value: r.name.clone(),
        },
        Row {
            label: "统一社会信用代码".into(),
            value: r.uscc.clone(),
        },
        Row {
            label: "所属辖区".into(),
            value: s.read().jurisdiction_name(&r.county),
        },
        Row {
            label: "行业（GB/T 4754-2017）".into(),
            value: format!(
                "{}（{}）",
                huiqi_domain::industry::display_name(&r.industry),
                r.industry
            ),
        },
        Row {
            label: "市场主体类型".into(),
            value: EntityKind::parse(&r.kind).map_or(r.kind.clone(), |k| k.label().into()),
        },
        Row {
            label: "企业规模".into(),
            value: latest_class,
        },
        Row {
            label: "成立日期".into(),
            value: r.registered_on.map_or("—".into(), |d| d.to_string()),
        },
        Row {
            label: "登记状态".into(),
            value: RegStatus::parse(&r.status).map_or(r.status.clone(), |x| x.label().into()),
        },
    ];
    let high_tech = f
        .years
        .iter()
        .filter_map(|y| {
            let g = y.groups.iter().find(|g| g.group == Group::Tech)?;
            let (_, v) = g
                .values
                .iter()
                .find(|(c, _)| c.name == "high_tech_certified")?;
            let (file, date) = import_of(&f, g.import_id);
            matches!(v, Value::Bool(true)).then(|| {
                format!(
                    "{} 年度：高新技术企业（科技局/知识产权报送，{file}，{date} 导入）",
                    y.year
                )
            })
        })
        .collect();
    let certifications = f
        .certifications
        .iter()
        .map(|c| CertView {
            kind: CertKind::parse(&c.kind).map_or(c.kind.clone(), |k| k.label().into()),
            year: chrono::Datelike::year(&c.certified_on),
            date: c.certified_on.to_string(),
            number: c.certificate_no.clone().unwrap_or_else(|| "—".into()),
            source: format!(
                "认定名单 {}（{} 导入）",
                c.file_name,
                c.imported_at.format("%Y-%m-%d")
            ),
        })
        .collect();
    let runs = f
        .runs
        .iter()
        .map(|x| RunLine {
            year: x.run.year,
            at: x.run.at.to_string(),
            computed_on: x.run.started_at.format("%Y-%m-%d").to_string(),
            size_class: SizeClass::parse(&x.size_class)
                .map_or(x.size_class.clone(), |c| c.label().into()),
            total: yuan(
                x.benefits
                    .iter()
                    .filter(|(m, _)| m.def().in_total)
                    .map(|(_, a)| *a)
                    .sum(),
            ),
            benefits: x
                .benefits
                .iter()
                .map(|(m, a)| BenefitLine {
                    title: m.title().to_string(),
                    amount: if m.is_money() {
                        yuan(*a)
                    } else {
                        "符合".into()
                    },
                })
                .collect(),
            compared: x.compared,
            changes: x
                .changes
                .iter()
                .map(|c| {
                    let money = c.measure.is_money();
                    let amount = |d: Decimal| if money { yuan(d) } else { "—".into() };
                    ChangeLine {
                        title: c.measure.title().to_string(),
                        change: change_label(c.change),
                        old: amount(c.old),
                        new: amount(c.new),
                        difference: if money {
                            signed_yuan(c.difference())
                        } else {
                            "—".into()
                        },
                    }
                })
                .collect(),
        })
        .collect();
    let grants = f
        .grants
        .iter()
        .map(|g| GrantLine {
            title: MeasureId::parse(&g.measure)
                .map_or(g.measure.clone(), |m| m.title().to_string()),
            amount: yuan(Decimal::new(g.amount_fen, 2)),
            date: g.granted_on.to_string(),
            file: g.file_name.clone(),
        })
        .collect();
    let history = f
        .history
        .iter()
        .map(|h| {
            let col = column_named(&h.field);
            let (file, time) = match f.imports.get(&h.new_import_id) {
                Some(i) => (
                    format!(
                        "{}（{}）",
                        i.file_name,
                        Source::parse(&i.source)
                            .map_or(i.source.clone(), |x| x.label().to_string())
                    ),
                    i.imported_at.format("%Y-%m-%d %H:%M").to_string(),
                ),
                None => ("—".into(), "—".into()),
            };
            HistoryLine {
                field: col.map_or_else(|| "其他字段".to_string(), |c| c.zh.to_string()),
                year: h.year.map_or("登记信息".into(), |y| format!("{y} 年度")),
                old: col.map_or_else(
                    || h.old_value.clone().unwrap_or_default(),
                    |c| show_canonical(s, c, h.old_value.as_deref()),
                ),
                new: col.map_or_else(
                    || h.new_value.clone().unwrap_or_default(),
                    |c| show_canonical(s, c, h.new_value.as_deref()),
                ),
                source: file,
                time,
            }
        })
        .collect();
    FilePage {
        nav: Nav::of(s, v),
        back,
        name: r.name.clone(),
        registration,
        registration_source: format!("市场监管局登记信息：{reg_file}，{reg_date} 导入"),
        years: year_views(s, &f, false),
        loans: year_views(s, &f, true),
        certifications,
        high_tech,
        standings,
        standings_year: chrono::Datelike::year(&s.read().at),
        runs,
        grants,
        history,
    }
}

pub(crate) async fn enterprise_file_page(
    State(s): State<Shared>,
    Extension(v): Extension<Viewer>,
    Path(code): Path<String>,
    Query(q): Query<FileQuery>,
) -> Result<Response, WebError> {
    let uscc = super::enterprises::uscc(&code)?;
    super::enterprises::visible(&s, &v, &uscc).await?;
    let back = back_link(q.back.as_deref());
    let f = enterprise_file(s.read(), &uscc)
        .await?
        .ok_or_else(|| WebError::not_found("no_enterprise", "企业库中没有该企业。"))?;
    let kind = EntityKind::parse(&f.registration.kind).unwrap_or(EntityKind::Enterprise);
    let standings =
        super::enterprises::standings(&s, &uscc, kind, chrono::Datelike::year(&s.read().at))
            .await?;
    render(page(&s, &v, f, back, standings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_link_is_the_list_or_nothing() {
        for ok in [
            "/enterprises",
            "/enterprises?q=&county=341502&industry=C&kind=&size=&sort=name&per_page=50&page=2",
            "/enterprises?q=%E6%9C%89%E9%99%90",
        ] {
            assert_eq!(back_link(Some(ok)), ok);
        }
        for bad in [
            "//evil.example/enterprises",
            "http://evil.example/enterprises?x",
            "https://evil.example",
            "/\\evil.example",
            "/enterprises/\\evil",
            "/enterprises.xlsx?q=",
            "/enterprises/91340000",
            "/enterprisesX",
            "/admin/users",
            "/enterprises?q=a b",
            "/enterprises?q=\n",
            "javascript:alert(1)",
            "enterprises",
            "",
        ] {
            assert_eq!(back_link(Some(bad)), LIST, "{bad:?}");
        }
        assert_eq!(back_link(None), LIST);
        assert_eq!(
            back_link(Some(&format!("/enterprises?q={}", "a".repeat(3000)))),
            LIST
        );
    }
}

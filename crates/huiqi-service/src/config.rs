//! The service data of a pack (`policies/<pack>/service/service.yaml`): categories with their time
//! limits and default handlers, the routing overrides (category × county), and the rule parameters
//! (confirmation and reopening windows, transfers, duplicates). Loaded strictly: unknown keys and
//! YAML floats refused, every problem reported at once with file, line and id.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use huiqi_policy::{Pack, PackError, PackErrors};

/// Who works a problem: a responsible unit of the pack, or a county's government (兜底).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Handler {
    Unit(String),
    County(String),
}

impl Handler {
    /// The stored form: `unit:<id>` or `county:<jurisdiction>`.
    pub fn to_stored(&self) -> String {
        match self {
            Handler::Unit(u) => format!("unit:{u}"),
            Handler::County(c) => format!("county:{c}"),
        }
    }

    pub fn from_stored(s: &str) -> Option<Handler> {
        if let Some(u) = s.strip_prefix("unit:") {
            Some(Handler::Unit(u.to_string()))
        } else {
            s.strip_prefix("county:")
                .map(|c| Handler::County(c.to_string()))
        }
    }

    /// The Chinese name (the unit's short name or the county's name) from the pack.
    pub fn name(&self, pack: &Pack) -> String {
        match self {
            Handler::Unit(u) => pack
                .unit(u)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| u.clone()),
            Handler::County(c) => pack
                .jurisdiction(c)
                .map(|j| format!("{}（兜底）", j.name))
                .unwrap_or_else(|| c.clone()),
        }
    }
}

/// One category of problem (政策咨询, 融资, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub id: String,
    pub name: String,
    /// The time limit to reply, in working days after the day of intake.
    pub limit_workdays: u32,
    /// Where the limit comes from (shown with every deadline).
    pub limit_basis: String,
    /// The default handler: a unit id, or `county` (the problem's county, 兜底).
    pub handler: String,
}

/// The rule parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rules {
    pub confirm_workdays: u32,
    pub reopen_workdays: u32,
    pub max_transfers: u32,
    pub duplicate_days: u32,
    pub duplicate_similarity: Decimal,
    pub remind_workdays_before: u32,
    pub max_extension_workdays: u32,
}

/// A routing override: problems of `category` in `county` go to `handler` (a unit id or `county`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub category: String,
    pub county: String,
    pub handler: String,
}

/// The article a part of the service rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Basis {
    pub article: u8,
    pub note: String,
}

/// The checked service data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceConfig {
    pub basis: Vec<Basis>,
    pub rules: Rules,
    pub categories: Vec<Category>,
    pub routing: Vec<Route>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: String,
    name: String,
    limit_workdays: u32,
    limit_basis: String,
    handler: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    confirm_workdays: u32,
    reopen_workdays: u32,
    max_transfers: u32,
    duplicate_days: u32,
    duplicate_similarity: String,
    remind_workdays_before: u32,
    max_extension_workdays: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    basis: Vec<Basis>,
    rules: RawRules,
    categories: Vec<RawCategory>,
    #[serde(default)]
    routing: Vec<Route>,
}

/// The label of the built-in file in messages.
pub const BUILTIN_LABEL: &str = "内置:luan-2023/service/service.yaml";
/// The built-in file (tracked by cargo through `include_str!`).
pub const BUILTIN_YAML: &str = include_str!("../../../policies/luan-2023/service/service.yaml");

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

impl ServiceConfig {
    /// Loads and checks `service.yaml` against the pack (units, jurisdictions, articles).
    pub fn load(file: &str, text: &str, pack: &Pack) -> Result<ServiceConfig, PackErrors> {
        let err = |line: Option<usize>, id: Option<&str>, message: String| PackError {
            file: file.to_string(),
            line,
            id: id.map(str::to_string),
            message,
        };
        let raw: RawFile = yaml_serde::from_str(text).map_err(|e| {
            PackErrors(vec![err(
                e.location().map(|l| l.line()),
                None,
                huiqi_policy::translate_yaml_error(&e.to_string()),
            )])
        })?;
        let mut errors = Vec::new();
        for b in &raw.basis {
            if !pack.articles.iter().any(|a| a.number == b.article) {
                errors.push(err(
                    line_of(text, &format!("article: {}", b.article)),
                    None,
                    format!("政策中没有第{}条", b.article),
                ));
            }
        }
        let similarity = match raw.rules.duplicate_similarity.parse::<Decimal>() {
            Ok(d) if d > Decimal::ZERO && d <= Decimal::ONE => d,
            _ => {
                errors.push(err(
                    line_of(text, "duplicate_similarity:"),
                    Some("duplicate_similarity"),
                    format!(
                        "相似度“{}”须是 0 到 1 之间的小数（写成字符串，如 \"0.6\"）",
                        raw.rules.duplicate_similarity
                    ),
                ));
                Decimal::ONE
            }
        };
        let r = &raw.rules;
        for (name, v) in [
            ("confirm_workdays", r.confirm_workdays),
            ("reopen_workdays", r.reopen_workdays),
            ("duplicate_days", r.duplicate_days),
        ] {
            if v == 0 {
                errors.push(err(
                    line_of(text, name),
                    Some(name),
                    format!("{name} 须大于 0"),
                ));
            }
        }
        let handler_ok = |h: &str| h == "county" || pack.unit(h).is_some();
        let mut seen = BTreeMap::new();
        let mut categories = Vec::new();
        for c in raw.categories {
            let line = line_of(text, &format!("id: {}", c.id));
            if seen.insert(c.id.clone(), ()).is_some() {
                errors.push(err(line, Some(&c.id), "类别编号重复".into()));
            }
            if c.limit_workdays == 0 {
                errors.push(err(line, Some(&c.id), "办理时限须至少 1 个工作日".into()));
            }
            if c.name.trim().is_empty() || c.limit_basis.trim().is_empty() {
                errors.push(err(line, Some(&c.id), "类别须写名称和时限依据".into()));
            }
            if !handler_ok(&c.handler) {
                errors.push(err(
                    line,
                    Some(&c.id),
                    format!(
                        "交办单位“{}”不在政策包的责任单位中（或写 county 表示由县区兜底）",
                        c.handler
                    ),
                ));
            }
            categories.push(Category {
                id: c.id,
                name: c.name,
                limit_workdays: c.limit_workdays,
                limit_basis: c.limit_basis,
                handler: c.handler,
            });
        }
        if categories.is_empty() {
            errors.push(err(None, None, "至少要有一个问题类别".into()));
        }
        for r in &raw.routing {
            let line = line_of(text, &format!("category: {}", r.category));
            if !seen.contains_key(&r.category) {
                errors.push(err(
                    line,
                    Some(&r.category),
                    "交办表中的类别不在 categories 中".into(),
                ));
            }
            if pack.jurisdiction(&r.county).is_none() {
                errors.push(err(
                    line,
                    Some(&r.category),
                    format!("县区“{}”不在政策包的辖区中", r.county),
                ));
            }
            if !handler_ok(&r.handler) {
                errors.push(err(
                    line,
                    Some(&r.category),
                    format!("交办单位“{}”不在政策包的责任单位中", r.handler),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(PackErrors(errors));
        }
        Ok(ServiceConfig {
            basis: raw.basis,
            rules: Rules {
                confirm_workdays: r.confirm_workdays,
                reopen_workdays: r.reopen_workdays,
                max_transfers: r.max_transfers,
                duplicate_days: r.duplicate_days,
                duplicate_similarity: similarity,
                remind_workdays_before: r.remind_workdays_before,
                max_extension_workdays: r.max_extension_workdays,
            },
            categories,
            routing: raw.routing,
        })
    }

    /// The service data of the default pack, compiled into the binary
    /// (`policies/luan-2023/service/service.yaml`).
    pub fn builtin(pack: &Pack) -> Result<ServiceConfig, PackErrors> {
        ServiceConfig::load(BUILTIN_LABEL, BUILTIN_YAML, pack)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// A category by id or Chinese name.
    pub fn category_any(&self, s: &str) -> Option<&Category> {
        let s = s.trim();
        self.categories.iter().find(|c| c.id == s || c.name == s)
    }

    /// The handler of a new problem of `category` in `county`: an override of `extra` (the
    /// working group's, kept in the database) first, then this file's routing, then the category's
    /// default; `county` in any of them means the problem's county (兜底). A problem whose
    /// category is unknown goes to its county.
    pub fn route(&self, category: &str, county: &str, extra: &[Route]) -> Handler {
        let chosen = extra
            .iter()
            .rev()
            .chain(self.routing.iter().rev())
            .find(|r| r.category == category && r.county == county)
            .map(|r| r.handler.as_str())
            .or_else(|| self.category(category).map(|c| c.handler.as_str()))
            .unwrap_or("county");
        if chosen == "county" {
            Handler::County(county.to_string())
        } else {
            Handler::Unit(chosen.to_string())
        }
    }

    /// Checks a routing change of the working group against the pack and the categories.
    pub fn check_route(&self, r: &Route, pack: &Pack) -> Result<(), String> {
        if self.category(&r.category).is_none() {
            return Err(format!("没有类别“{}”", r.category));
        }
        if pack.jurisdiction(&r.county).is_none() {
            return Err(format!("没有县区“{}”", r.county));
        }
        if r.handler != "county" && pack.unit(&r.handler).is_none() {
            return Err(format!(
                "交办单位“{}”不在责任单位中（或写 county 由县区兜底）",
                r.handler
            ));
        }
        Ok(())
    }
}

//! The standards as data (`policies/cn/cultivate/standards.yaml`): dated versions, each with its
//! parameters and score bands, every value citing its document and article. Loaded strictly:
//! unknown keys, floats, overlapping versions, unordered bands and a parameter or band a formula
//! needs but the version lacks are errors naming the file, the standard, the version and the id.

use chrono::NaiveDate;
use huiqi_policy::model::exact_decimal;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::{CultivateError, Standard};

huiqi_domain::vocabulary! {
    /// How a band's measure is shown.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Unit {
        /// A fraction shown as a percentage (0.03 → 3%).
        Percent = ("percent", "比例"),
        /// A count of items (知识产权 项).
        Count = ("count", "项"),
        /// An amount in 元, shown in 万元.
        Yuan = ("yuan", "元"),
        /// A level (数字化水平 级).
        Level = ("level", "级"),
    }
}

/// One parameter of a version.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDef {
    pub id: String,
    pub title: String,
    #[serde(deserialize_with = "exact_decimal")]
    pub value: Decimal,
    /// The article of the version's document.
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub unverified: bool,
}

/// One band: its threshold and the points it gives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    #[serde(deserialize_with = "exact_decimal")]
    pub from: Decimal,
    pub points: u32,
}

/// A scored indicator: `at_least` bands (higher is better) or `below` bands (lower is better).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandTable {
    pub id: String,
    pub title: String,
    pub unit: Unit,
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub unverified: bool,
    #[serde(default)]
    pub at_least: Vec<Band>,
    #[serde(default)]
    pub below: Vec<Band>,
}

/// The band a value falls in and the next better one.
#[derive(Debug, Clone, PartialEq)]
pub struct Banded {
    pub points: u32,
    /// The next better band (threshold, points), if the value is not in the best one.
    pub next: Option<(Decimal, u32)>,
}

impl BandTable {
    /// Whether lower values score better.
    pub fn lower_is_better(&self) -> bool {
        !self.below.is_empty()
    }

    /// The points of `value` and the next better band.
    pub fn band(&self, value: Decimal) -> Banded {
        let (bands, hit): (&[Band], Option<usize>) = if self.lower_is_better() {
            (&self.below, self.below.iter().position(|b| value < b.from))
        } else {
            (
                &self.at_least,
                self.at_least.iter().position(|b| value >= b.from),
            )
        };
        let idx = hit.unwrap_or(bands.len());
        let points = hit.map_or(0, |i| bands[i].points);
        let next = idx.checked_sub(1).map(|i| (bands[i].from, bands[i].points));
        Banded { points, next }
    }

    /// The best points of the table.
    pub fn max_points(&self) -> u32 {
        self.at_least
            .iter()
            .chain(&self.below)
            .map(|b| b.points)
            .max()
            .unwrap_or(0)
    }
}

/// One dated version of a standard.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    pub standard: Standard,
    pub version: String,
    pub document: String,
    pub from: NaiveDate,
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// The whole version is not verified (待核实).
    #[serde(default)]
    pub unverified: bool,
    #[serde(default)]
    pub note: Option<String>,
    pub params: Vec<ParamDef>,
    pub bands: Vec<BandTable>,
}

impl Version {
    /// In force on `at`.
    pub fn in_force(&self, at: NaiveDate) -> bool {
        at >= self.from && self.until.is_none_or(|u| at <= u)
    }

    /// A parameter (checked present when loaded).
    pub fn param(&self, id: &str) -> &ParamDef {
        self.params
            .iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("checked when loaded: parameter {id}"))
    }

    /// A parameter's value.
    pub fn p(&self, id: &str) -> Decimal {
        self.param(id).value
    }

    /// A band table (checked present when loaded).
    pub fn table(&self, id: &str) -> &BandTable {
        self.bands
            .iter()
            .find(|b| b.id == id)
            .unwrap_or_else(|| panic!("checked when loaded: band table {id}"))
    }

    /// The version as shown: `2022`, or `2026（待核实）`.
    pub fn label(&self) -> String {
        if self.unverified {
            format!("{}（待核实）", self.version)
        } else {
            self.version.clone()
        }
    }
}

/// Every version of every standard, checked.
#[derive(Debug, Clone)]
pub struct Standards {
    pub versions: Vec<Version>,
}

fn err(file: &str, message: String) -> CultivateError {
    CultivateError::Data {
        file: file.to_string(),
        message,
    }
}

impl Standards {
    /// Parses and checks `standards.yaml`; `file` names it in messages.
    pub fn load(file: &str, text: &str) -> Result<Standards, CultivateError> {
        let versions: Vec<Version> = yaml_serde::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("第{}行：", l.line()))
                .unwrap_or_default();
            err(file, format!("{at}{e}"))
        })?;
        for v in &versions {
            let who = format!("{} 版本 {}", v.standard.as_str(), v.version);
            let (params, tables) = crate::formulas::needs(v.standard);
            for id in params {
                if !v.params.iter().any(|p| p.id == *id) {
                    return Err(err(file, format!("{who} 缺少参数 {id}")));
                }
            }
            for id in tables {
                if !v.bands.iter().any(|b| b.id == *id) {
                    return Err(err(file, format!("{who} 缺少评分档 {id}")));
                }
            }
            let mut seen = std::collections::HashSet::new();
            for id in v
                .params
                .iter()
                .map(|p| &p.id)
                .chain(v.bands.iter().map(|b| &b.id))
            {
                if !seen.insert(id) {
                    return Err(err(file, format!("{who}：{id} 重复")));
                }
            }
            for p in &v.params {
                if p.reference.trim().is_empty() {
                    return Err(err(
                        file,
                        format!("{who}：参数 {} 没有写明依据（ref）", p.id),
                    ));
                }
            }
            for t in &v.bands {
                let bad = |m: &str| err(file, format!("{who}：评分档 {}：{m}", t.id));
                if t.at_least.is_empty() == t.below.is_empty() {
                    return Err(bad("须有且只有 at_least 或 below 之一"));
                }
                if t.reference.trim().is_empty() {
                    return Err(bad("没有写明依据（ref）"));
                }
                let ok = if t.lower_is_better() {
                    t.below
                        .windows(2)
                        .all(|w| w[0].from < w[1].from && w[0].points > w[1].points)
                } else {
                    t.at_least
                        .windows(2)
                        .all(|w| w[0].from > w[1].from && w[0].points > w[1].points)
                };
                if !ok {
                    return Err(bad(
                        "各档须按门槛排列（at_least 从高到低，below 从低到高），分数逐档递减",
                    ));
                }
            }
            if let Some(u) = v.until
                && u < v.from
            {
                return Err(err(file, format!("{who}：until {u} 早于 from {}", v.from)));
            }
        }
        for s in Standard::ALL {
            let mut vs: Vec<&Version> = versions.iter().filter(|v| v.standard == *s).collect();
            vs.sort_by_key(|v| v.from);
            for w in vs.windows(2) {
                if w[0].until.is_none_or(|u| u >= w[1].from) {
                    return Err(err(
                        file,
                        format!(
                            "{} 的版本 {} 与 {} 日期重叠（前者须在 {} 之前终止）",
                            s.as_str(),
                            w[0].version,
                            w[1].version,
                            w[1].from
                        ),
                    ));
                }
            }
        }
        Ok(Standards { versions })
    }

    /// The standards compiled into the binary (`policies/cn/cultivate/standards.yaml`).
    pub fn builtin() -> Standards {
        let (label, text) = builtin_file("standards.yaml").expect("built in");
        Standards::load(&label, text).expect("the built-in standards are checked by the tests")
    }

    /// The version of a standard in force on a date.
    pub fn version(&self, standard: Standard, at: NaiveDate) -> Result<&Version, CultivateError> {
        self.versions
            .iter()
            .find(|v| v.standard == standard && v.in_force(at))
            .ok_or(CultivateError::NoVersion { standard, at })
    }
}

/// A file of `policies/cn/cultivate/` built into the binary, with its label for messages.
pub fn builtin_file(name: &str) -> Option<(String, &'static str)> {
    let rel = format!("cultivate/{name}");
    huiqi_policy::builtin::tree("cn")
        .into_iter()
        .find(|(p, _)| *p == rel)
        .map(|(_, t)| (format!("内置:cn/{rel}"), t))
}

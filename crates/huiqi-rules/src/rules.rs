//! The national rules pack (`policies/cn/`): parameters, the size-class table and
//! the measures, loaded from text and checked.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use huiqi_policy::model::exact_decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::MeasureId;
use crate::params::{ParamSet, ParameterDef};

/// A measure's legal basis and validity as declared in `measures.yaml` (its title, kind, unit
/// and units are in the measure table, [`crate::MEASURES`]).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureBasis {
    pub id: String,
    /// The article of the Lu'an policy that asks for it.
    pub city_article: u8,
    /// The national document(s) and articles.
    pub basis: String,
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// The Rust module that computes it.
    pub formula: String,
    /// The city's tasks this measure carries out (ids of the city pack's tasks).
    #[serde(default)]
    pub city_tasks: Vec<String>,
    /// How an enterprise obtains the benefit (every benefit has one; checked on load).
    #[serde(default)]
    pub obtain: Option<Obtain>,
}

huiqi_domain::vocabulary! {
    /// The way a benefit reaches the enterprise.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ObtainMode {
        /// Claimed in the ordinary tax return: nothing to apply for.
        AtFiling = ("at_filing", "申报时直接享受"),
        /// Chosen or filled in the 电子税务局 (a schedule, a tick) at filing.
        EtaxSelect = ("etax_select", "在电子税务局勾选填报"),
        /// Applied for at a unit first (a certificate, a review).
        Apply = ("apply", "向有关单位申请"),
    }
}

/// How a benefit is obtained, as the national document says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Obtain {
    /// `at_filing` | `etax_select` | `apply` ([`ObtainMode`]).
    pub mode: String,
    /// What the enterprise does, in Chinese.
    pub text: String,
    /// The document (and article) that says so.
    #[serde(rename = "ref")]
    pub reference: String,
}

impl Obtain {
    /// The mode (checked on load).
    pub fn mode(&self) -> ObtainMode {
        ObtainMode::parse(&self.mode).unwrap_or(ObtainMode::AtFiling)
    }
}

impl MeasureBasis {
    pub fn valid_at(&self, at: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| at >= f) && self.valid_until.is_none_or(|u| at <= u)
    }
}

/// Lower bounds of one size class (persons; 万元).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    #[serde(default, deserialize_with = "opt_dec")]
    pub employees: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_dec")]
    pub revenue: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_dec")]
    pub total_assets: Option<Decimal>,
}

fn opt_dec<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    exact_decimal(d).map(Some)
}

/// One row of the size standard.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SizeGroup {
    pub id: String,
    pub name: String,
    /// GB/T 4754 code prefixes; the longest matching prefix wins.
    pub codes: Vec<String>,
    pub large: Bounds,
    pub medium: Bounds,
    pub small: Bounds,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SizeTable {
    pub document: String,
    pub from: NaiveDate,
    #[serde(rename = "ref")]
    pub reference: String,
    /// Where railway transport (G53) is classified: `other` or `transport`.
    pub railway_g53: String,
    pub groups: Vec<SizeGroup>,
}

impl SizeTable {
    fn check(&mut self) -> Result<(), String> {
        if !self.groups.iter().any(|g| g.id == "other") {
            return Err("size_classes.yaml 须有 id 为 other 的“其他未列明行业”一行".into());
        }
        match self.railway_g53.as_str() {
            "other" => {}
            "transport" => {
                let t = self
                    .groups
                    .iter_mut()
                    .find(|g| g.id == "transport")
                    .ok_or("缺少 transport 一行")?;
                t.codes.push("G53".into());
            }
            other => {
                return Err(format!(
                    "railway_g53 只能是 other 或 transport，而不是 {other}"
                ));
            }
        }
        for g in &self.groups {
            for (name, b) in [
                ("large", &g.large),
                ("medium", &g.medium),
                ("small", &g.small),
            ] {
                if b.employees.is_none() && b.revenue.is_none() && b.total_assets.is_none() {
                    return Err(format!(
                        "size_classes.yaml 的 {} 行 {name} 没有任何下限",
                        g.id
                    ));
                }
            }
        }
        Ok(())
    }

    /// The row for an industry code (longest prefix; `other` when nothing matches).
    pub fn group(&self, industry: &str) -> &SizeGroup {
        let mut best: Option<(&SizeGroup, usize)> = None;
        for g in &self.groups {
            for c in &g.codes {
                if industry.starts_with(c.as_str()) && best.is_none_or(|(_, n)| c.len() > n) {
                    best = Some((g, c.len()));
                }
            }
        }
        best.map(|(g, _)| g).unwrap_or_else(|| {
            self.groups
                .iter()
                .find(|g| g.id == "other")
                .expect("checked on load")
        })
    }
}

/// The size table prepared once for many lookups (an [`crate::Engine`] holds one): the codes by
/// their first byte, longest first, and each row's lower bounds in 元 rather than 万元. Gives
/// the same row as [`SizeTable::group`] (tested against it).
#[derive(Debug, Clone)]
pub(crate) struct SizeIndex {
    /// For each first byte: (code, row), longest code first; equal lengths in table order.
    by_first: Vec<Vec<(String, usize)>>,
    /// The row of the first empty code (it matches every industry), if any.
    empty: Option<usize>,
    other: usize,
    /// Per row: the bounds of large, medium and small, money in 元.
    bounds: Vec<[Bounds; 3]>,
}

const WAN: Decimal = Decimal::from_parts(10000, 0, 0, false, 0);

impl SizeIndex {
    pub(crate) fn new(t: &SizeTable) -> SizeIndex {
        let mut by_first: Vec<Vec<(String, usize)>> = vec![Vec::new(); 256];
        let mut empty = None;
        for (i, g) in t.groups.iter().enumerate() {
            for c in &g.codes {
                match c.as_bytes().first() {
                    Some(&b) => by_first[usize::from(b)].push((c.clone(), i)),
                    None => {
                        empty.get_or_insert(i);
                    }
                }
            }
        }
        for v in &mut by_first {
            v.sort_by_key(|(c, _)| std::cmp::Reverse(c.len())); // stable: table order kept
        }
        let yuan = |b: &Bounds| Bounds {
            employees: b.employees,
            revenue: b.revenue.map(|y| y * WAN),
            total_assets: b.total_assets.map(|z| z * WAN),
        };
        SizeIndex {
            by_first,
            empty,
            other: t
                .groups
                .iter()
                .position(|g| g.id == "other")
                .expect("checked on load"),
            bounds: t
                .groups
                .iter()
                .map(|g| [yuan(&g.large), yuan(&g.medium), yuan(&g.small)])
                .collect(),
        }
    }

    /// The row of an industry code, as [`SizeTable::group`] finds it.
    pub(crate) fn row(&self, industry: &str) -> usize {
        let hit = industry.as_bytes().first().and_then(|&b| {
            self.by_first[usize::from(b)]
                .iter()
                .find(|(c, _)| industry.starts_with(c.as_str()))
        });
        hit.map(|&(_, i)| i).or(self.empty).unwrap_or(self.other)
    }

    /// Large, medium and small bounds of a row, money in 元.
    pub(crate) fn bounds(&self, row: usize) -> &[Bounds; 3] {
        &self.bounds[row]
    }
}

/// Everything the engine needs: parameters, size table, the measures' bases (in the order of
/// [`crate::MEASURES`]).
#[derive(Debug, Clone)]
pub struct Rules {
    pub params: ParamSet,
    pub sizes: SizeTable,
    pub measures: Vec<MeasureBasis>,
    /// YAML test files (path → text), run by `huiqi rules test`.
    pub tests: Vec<(String, String)>,
}

impl Rules {
    /// Loads the national pack from its files (path relative to the pack → text).
    pub fn from_files(
        label: &str,
        files: &BTreeMap<String, String>,
    ) -> Result<Rules, crate::RulesError> {
        Self::load(label, files).map_err(crate::RulesError::Pack)
    }

    fn load(label: &str, files: &BTreeMap<String, String>) -> Result<Rules, String> {
        let get = |name: &str| {
            files
                .get(name)
                .ok_or_else(|| format!("{label}/{name}：缺少文件"))
        };
        let yaml_err = |name: &str, e: yaml_serde::Error| {
            let at = e
                .location()
                .map(|l| format!(" 第{}行", l.line()))
                .unwrap_or_default();
            format!("{label}/{name}{at}：{e}")
        };
        let defs: Vec<ParameterDef> = yaml_serde::from_str(get("parameters.yaml")?)
            .map_err(|e| yaml_err("parameters.yaml", e))?;
        let params = ParamSet::new(defs).map_err(|e| format!("{label}/parameters.yaml：{e}"))?;
        let mut sizes: SizeTable = yaml_serde::from_str(get("size_classes.yaml")?)
            .map_err(|e| yaml_err("size_classes.yaml", e))?;
        sizes
            .check()
            .map_err(|e| format!("{label}/size_classes.yaml：{e}"))?;
        let measures: Vec<MeasureBasis> = yaml_serde::from_str(get("measures.yaml")?)
            .map_err(|e| yaml_err("measures.yaml", e))?;
        let ids: Vec<&str> = measures.iter().map(|m| m.id.as_str()).collect();
        let table: Vec<&str> = MeasureId::ALL.iter().map(|m| m.as_str()).collect();
        if ids != table {
            return Err(format!(
                "{label}/measures.yaml：须与措施表（crates/huiqi-rules/src/measures.rs）一致，依次声明 {}，现为 {}",
                table.join("、"),
                ids.join("、")
            ));
        }
        for m in &measures {
            let benefit = MeasureId::parse(&m.id).is_some_and(MeasureId::is_benefit);
            match &m.obtain {
                None if benefit => {
                    return Err(format!(
                        "{label}/measures.yaml：措施 {} 须写明享受方式（obtain: mode、text、ref）",
                        m.id
                    ));
                }
                Some(o) if ObtainMode::parse(&o.mode).is_none() => {
                    return Err(format!(
                        "{label}/measures.yaml：措施 {} 的享受方式 mode “{}”不可用；可选：{}",
                        m.id,
                        huiqi_domain::text::quote(&o.mode),
                        ObtainMode::ids()
                    ));
                }
                Some(o) if o.text.trim().is_empty() || o.reference.trim().is_empty() => {
                    return Err(format!(
                        "{label}/measures.yaml：措施 {} 的享受方式须写明做法（text）与依据（ref）",
                        m.id
                    ));
                }
                _ => {}
            }
        }
        let tests = files
            .iter()
            .filter(|(k, _)| {
                k.starts_with("tests/") && (k.ends_with(".yaml") || k.ends_with(".yml"))
            })
            .map(|(k, v)| (format!("{label}/{k}"), v.clone()))
            .collect();
        Ok(Rules {
            params,
            sizes,
            measures,
            tests,
        })
    }

    /// The national pack compiled into the binary.
    pub fn builtin() -> Rules {
        let files = huiqi_policy::builtin::tree("cn")
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        Rules::from_files("内置:cn", &files).expect("the built-in national pack is valid (tested)")
    }

    /// The basis of a measure (checked on load: `measures.yaml` follows the table).
    pub fn measure(&self, m: MeasureId) -> &MeasureBasis {
        &self.measures[m.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_index_finds_the_row_the_table_finds() {
        let rules = Rules::builtin();
        let index = SizeIndex::new(&rules.sizes);
        let mut codes = vec![String::new(), "Z".into(), "c".into(), "G53".into()];
        for g in &rules.sizes.groups {
            for c in &g.codes {
                codes.push(c.clone());
                codes.extend(["0", "1", "19", "234"].iter().map(|d| format!("{c}{d}")));
            }
        }
        for s in ('A'..='T').map(String::from) {
            codes.extend(
                ["01", "51", "5211", "6011", "7010", "7020"]
                    .iter()
                    .map(|d| format!("{s}{d}")),
            );
        }
        for code in &codes {
            let row = index.row(code);
            assert_eq!(
                rules.sizes.groups[row].id,
                rules.sizes.group(code).id,
                "{code}"
            );
            let g = &rules.sizes.groups[row];
            let wan = Decimal::from(10_000);
            assert_eq!(
                index.bounds(row)[2].revenue,
                g.small.revenue.map(|y| y * wan)
            );
        }
    }
}

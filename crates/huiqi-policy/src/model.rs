//! The typed policy pack. Everything here is plain data that has passed the
//! loader's checks (see `load.rs`): ids are unique, every reference resolves,
//! every value carries its unit. Identifiers are English; text shown to users
//! is the Chinese of the policy itself.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

/// `pack.yaml`: which policy this is, which version of its text, and who issued it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The policy's id, the same for every version of its text (`luan-2023`).
    pub id: String,
    /// This version of the text (`draft-2023` for the 征求意见稿). Two packs
    /// with the same `id` and different `version` can be compared target by
    /// target because target ids are stable across versions.
    pub version: String,
    pub title: String,
    pub issuer: String,
    pub status: TextStatus,
    /// 文号 of the adopted text; a consultation draft has none.
    #[serde(default)]
    pub document_number: Option<String>,
    #[serde(default)]
    pub published_on: Option<NaiveDate>,
    /// The city (市) the policy governs.
    pub region: Region,
    /// The clause that makes every jurisdiction carry every task.
    pub jurisdiction_duty: Quote,
    /// Where the text was taken from.
    pub source: String,
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextStatus {
    /// 征求意见稿
    Draft,
    /// 正式印发
    Adopted,
}

impl TextStatus {
    pub fn label(self) -> &'static str {
        match self {
            TextStatus::Draft => "征求意见稿",
            TextStatus::Adopted => "正式印发",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// GB/T 2260 code of the city.
    pub code: String,
    pub name: String,
}

/// A short passage of the policy with the article it stands in.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    pub article: u8,
    pub text: String,
}

/// The three parts of the policy (一、主要目标 / 二、重点任务 / 三、工作保障).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    MainGoals,
    KeyTasks,
    Safeguards,
}

impl Section {
    pub fn label(self) -> &'static str {
        match self {
            Section::MainGoals => "一、主要目标",
            Section::KeyTasks => "二、重点任务",
            Section::Safeguards => "三、工作保障",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub number: u8,
    pub section: Section,
    /// The article's lead phrase (主体规模稳步扩大).
    pub title: String,
    /// The full text as published, 责任单位 clauses included.
    pub text: String,
}

/// A 责任单位: a body that the text makes responsible for a target or task.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub id: String,
    /// The short name used in the text (市经信局).
    pub name: String,
    /// The official full name (六安市经济和信息化局).
    pub full_name: String,
    pub kind: UnitKind,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 市直部门
    CityDepartment,
    /// 驻市机构 (vertically managed: tax, central bank, financial regulator)
    StationedAgency,
    /// 县区政府
    CountyGovernment,
    /// 管委会
    ManagementCommittee,
    /// 工作专班 (article 16)
    WorkingGroup,
}

impl UnitKind {
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::CityDepartment => "市直部门",
            UnitKind::StationedAgency => "驻市机构",
            UnitKind::CountyGovernment => "县区政府",
            UnitKind::ManagementCommittee => "管委会",
            UnitKind::WorkingGroup => "工作专班",
        }
    }
}

/// A jurisdiction under the city that must carry every task (article 1).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    /// The GB/T 2260 code where there is one, else a stable id of huiqi's own.
    pub id: String,
    pub name: String,
    pub kind: JurisdictionKind,
    /// The body that answers for it (金安区人民政府 / 六安经济技术开发区管委会).
    pub government: String,
    /// GB/T 2260 code; a development zone has none.
    #[serde(default)]
    pub gb2260: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JurisdictionKind {
    District,
    County,
    DevelopmentZone,
}

impl JurisdictionKind {
    pub fn label(self) -> &'static str {
        match self {
            JurisdictionKind::District => "市辖区",
            JurisdictionKind::County => "县",
            JurisdictionKind::DevelopmentZone => "开发区",
        }
    }
}

/// A numeric target of the policy.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Stable across versions of the text, so versions compare by id.
    pub id: String,
    /// Checked present by the validator (kept optional so the error can name the id).
    #[serde(default)]
    pub article: Option<u8>,
    /// 指标 as the working group names it.
    pub indicator: String,
    /// Who or what is counted (全市 / 全市科技型中小企业).
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(deserialize_with = "exact_decimal")]
    pub value: Decimal,
    /// Checked present by the validator.
    #[serde(default)]
    pub unit: Option<MeasureUnit>,
    pub comparison: Comparison,
    pub period: Period,
    /// The responsible units that own this target (ids of `units.yaml`).
    pub units: Vec<String>,
    /// The words of the text that set the target.
    pub quote: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl Target {
    /// The article, which the validator guarantees.
    pub fn article(&self) -> u8 {
        self.article
            .expect("validated: every target has an article")
    }
    /// The unit of the value, which the validator guarantees.
    pub fn unit(&self) -> MeasureUnit {
        self.unit.expect("validated: every target value has a unit")
    }
}

/// The unit a target's value is stated in, exactly as the text states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum MeasureUnit {
    #[serde(rename = "户")]
    Hu,
    #[serde(rename = "家")]
    Jia,
    #[serde(rename = "亿元")]
    YiYuan,
    #[serde(rename = "万元")]
    WanYuan,
    #[serde(rename = "元")]
    Yuan,
    #[serde(rename = "%")]
    Percent,
    #[serde(rename = "场")]
    Chang,
    #[serde(rename = "人次")]
    PersonTimes,
}

impl MeasureUnit {
    pub fn symbol(self) -> &'static str {
        match self {
            MeasureUnit::Hu => "户",
            MeasureUnit::Jia => "家",
            MeasureUnit::YiYuan => "亿元",
            MeasureUnit::WanYuan => "万元",
            MeasureUnit::Yuan => "元",
            MeasureUnit::Percent => "%",
            MeasureUnit::Chang => "场",
            MeasureUnit::PersonTimes => "人次",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Comparison {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<=")]
    AtMost,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
        }
    }

    /// The ASCII form used in the pack and in machine-readable output.
    pub fn code(self) -> &'static str {
        match self {
            Comparison::AtLeast => ">=",
            Comparison::AtMost => "<=",
        }
    }
}

/// When a target must be met.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Period {
    /// 每年: the value is due again each calendar year.
    EachYear,
    /// 到…底 for a level (ratios “不低于”, stocks): reached or not at the date, no time progress.
    ByDate { date: NaiveDate },
    /// 到…底…新增: a flow added within the calendar year of the date, up to the date (a 序时进度
    /// from that year's January to the date).
    AddedBy { date: NaiveDate },
    /// 累计: a running total counted up to the date.
    Cumulative { until: NaiveDate },
}

impl Period {
    pub fn kind(&self) -> &'static str {
        match self {
            Period::EachYear => "each_year",
            Period::ByDate { .. } => "by_date",
            Period::AddedBy { .. } => "added_by",
            Period::Cumulative { .. } => "cumulative",
        }
    }

    pub fn label(&self) -> String {
        match self {
            Period::EachYear => "每年".to_string(),
            Period::ByDate { date } => format!("到{}", date.format("%Y-%m-%d")),
            Period::AddedBy { date } => format!(
                "{}年内新增，到{}",
                date.format("%Y"),
                date.format("%Y-%m-%d")
            ),
            Period::Cumulative { until } => format!("累计至{}", until.format("%Y-%m-%d")),
        }
    }
}

/// A task of the policy (a 责任单位 clause and the work before it).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub article: u8,
    pub title: String,
    /// The words of the text that set the task.
    pub quote: String,
    /// Named responsible units (ids of `units.yaml`).
    #[serde(default)]
    pub units: Vec<String>,
    /// The text addresses 各地各部门 (every unit and jurisdiction), not named units.
    #[serde(default)]
    pub all_units: bool,
    /// National or provincial documents the task relies on.
    #[serde(default)]
    pub legal_basis: Vec<LegalBasis>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// The document's number or title (国务院令第728号).
    pub document: String,
    pub title: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl LegalBasis {
    /// How a page cites it: `国务院令第728号《保障中小企业款项支付条例》`.
    pub fn citation(&self) -> String {
        format!("{}《{}》", self.document, self.title)
    }
}

/// Reads a decimal written as a string (`"1.3"`) or an integer (`150`), and
/// refuses a YAML float: a float has already lost exactness when it is parsed.
pub fn exact_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    use serde::de::{Error, Visitor};
    struct V;
    impl Visitor<'_> for V {
        type Value = Decimal;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("带引号的十进制数（如 \"1.3\"）或整数")
        }
        fn visit_str<E: Error>(self, s: &str) -> Result<Decimal, E> {
            s.trim()
                .parse::<Decimal>()
                .map_err(|_| E::custom(format!("“{s}”不是十进制数")))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<Decimal, E> {
            Err(E::custom(format!(
                "数值 {v} 写成了浮点数：请加引号写成十进制字符串（如 \"{v}\"），以免失去精度"
            )))
        }
    }
    d.deserialize_any(V)
}

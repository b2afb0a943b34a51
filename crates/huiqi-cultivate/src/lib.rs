//! 梯队培育 (Lu'an policy articles 1, 6 and 11), pure: who is close to becoming a 科技型, 创新型 or
//! 专精特新 enterprise and what is missing (`score`, the standards of `data` as dated versions and the
//! formulas of `formulas`), who is close to 四上 (`above_scale`), which individual businesses are
//! candidates for 个转企 (`ind_to_ent`), and how a 小微企业园 grades (`parks`).
//!
//! *Invariant*: no IO (the data files come compiled in or as text), no floats; money is `Decimal` 元.

pub mod above_scale;
pub mod cases;
pub mod data;
pub mod formulas;
pub mod ind_to_ent;
pub mod parks;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use huiqi_policy::model::exact_decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use data::{Standards, Version};

huiqi_domain::vocabulary! {
    /// 培育认定的标准.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Standard {
        /// 科技型中小企业（国科发政〔2017〕115号）
        TechSme = ("tech_sme", "科技型中小企业"),
        /// 创新型中小企业（工信部企业〔2022〕63号）
        InnovativeSme = ("innovative_sme", "创新型中小企业"),
        /// 专精特新中小企业（工信部企业〔2022〕63号）
        Zjtx = ("zjtx", "专精特新中小企业"),
    }
}

huiqi_domain::vocabulary! {
    /// The candidate lists.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum CandidateKind {
        /// 小升规：营业收入接近所属行业四上门槛的企业
        AboveScale = ("above_scale", "小升规"),
        /// 个转企：符合市定规则的个体工商户
        IndToEnt = ("ind_to_ent", "个转企"),
        TechSme = ("tech_sme", "科技型中小企业"),
        InnovativeSme = ("innovative_sme", "创新型中小企业"),
        Zjtx = ("zjtx", "专精特新中小企业"),
    }
}

impl CandidateKind {
    /// The standard a certification list scores against.
    pub fn standard(self) -> Option<Standard> {
        match self {
            CandidateKind::TechSme => Some(Standard::TechSme),
            CandidateKind::InnovativeSme => Some(Standard::InnovativeSme),
            CandidateKind::Zjtx => Some(Standard::Zjtx),
            CandidateKind::AboveScale | CandidateKind::IndToEnt => None,
        }
    }
}

/// A certification candidate is at most this many points below the line (issue 17).
pub const SCORE_WINDOW: u32 = 15;

huiqi_domain::vocabulary! {
    /// 专精特新: the field of the main product (主导产品所属领域).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum NicheField {
        #[default]
        None = ("none", "未列入"),
        /// 工业“六基”、制造强国战略等重点领域
        KeyArea = ("key_area", "重点领域"),
        /// 其他相关领域
        Other = ("other", "其他相关领域"),
    }
}

huiqi_domain::vocabulary! {
    /// The highest level of the enterprise's recognised R&D institution.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum RdInstitution {
        #[default]
        None = ("none", "无"),
        Provincial = ("provincial", "省级"),
        National = ("national", "国家级"),
    }
}

/// The error of this crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CultivateError {
    /// A data file is wrong.
    #[error("{file}：{message}")]
    Data { file: String, message: String },
    /// No version of the standard is in force on the date.
    #[error("{standard}（{}）在 {at} 没有有效的版本", standard.label())]
    NoVersion { standard: Standard, at: NaiveDate },
    /// Bad input.
    #[error("{0}")]
    Input(String),
}

fn money<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    exact_decimal(d)
}

/// One enterprise's facts as the standards read them (the JSON input of `huiqi cultivate score`).
/// Money in 元 as decimal strings (integers accepted, floats refused), counts as whole numbers,
/// booleans as JSON booleans. A field left out is 0 / false / none. Which standard reads which
/// field is in README (梯队培育).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// 职工总数 (人)
    pub employees: u32,
    /// 科技人员数 (tech_sme)
    pub tech_staff: u32,
    /// 研发人员数 (zjtx)
    pub rd_staff: u32,
    /// 销售收入 / 营业收入 (元)
    #[serde(deserialize_with = "money")]
    pub sales_revenue: Decimal,
    /// 资产总额 (元)
    #[serde(deserialize_with = "money")]
    pub total_assets: Decimal,
    /// 负债总额 (元)
    #[serde(deserialize_with = "money")]
    pub total_liabilities: Decimal,
    /// 成本费用支出总额 (元, tech_sme)
    #[serde(deserialize_with = "money")]
    pub cost_total: Decimal,
    /// 研发费用 / 研发投入 (元, last year)
    #[serde(deserialize_with = "money")]
    pub rd_expense: Decimal,
    /// 近两年研发费用总额均值 (元, zjtx direct route)
    #[serde(deserialize_with = "money")]
    pub rd_expense_avg_2y: Decimal,
    /// 主营业务收入 this year, last year, the year before (元)
    #[serde(deserialize_with = "money")]
    pub main_revenue: Decimal,
    #[serde(deserialize_with = "money")]
    pub main_revenue_prev: Decimal,
    #[serde(deserialize_with = "money")]
    pub main_revenue_prev2: Decimal,
    /// 净利润 (元, may be negative)
    #[serde(deserialize_with = "money")]
    pub net_profit: Decimal,
    /// 新增股权融资总额 (合格机构投资者实缴), last two / three years (元)
    #[serde(deserialize_with = "money")]
    pub equity_financing_2y: Decimal,
    #[serde(deserialize_with = "money")]
    pub equity_financing_3y: Decimal,
    /// Ⅰ类知识产权 (项)
    pub ip_class1: u32,
    /// Ⅱ类知识产权 (项)
    pub ip_class2: u32,
    /// of which Ⅰ类高价值知识产权 (项)
    pub ip_high_value: u32,
    /// of which 自主研发的Ⅰ类知识产权 (项)
    pub ip_class1_own: u32,
    /// 属于国家限制、禁止、淘汰类
    pub restricted_industry: bool,
    /// 重大安全/质量事故、严重环境违法、科研严重失信，或列入经营异常名录、严重违法失信名单
    pub serious_violation: bool,
    /// 有效期内的高新技术企业
    pub high_tech_certified: bool,
    /// 近五年国家级科技奖励（获奖单位前三名）
    pub national_award_top3: bool,
    /// 经认定的省部级以上研发机构
    pub provincial_rd_institution: bool,
    /// 近五年主导制定过国际、国家或行业标准
    pub standard_lead: bool,
    /// 近三年获得国家级或省级科技奖励 (innovative_sme)
    pub science_award: bool,
    /// 近三年省级科技奖励前三名或国家级科技奖励前五名 (zjtx)
    pub science_award_top: bool,
    /// 近三年“创客中国”大赛全国 500 强企业组 (zjtx)
    pub makers_top500: bool,
    /// 主导产品属于《战略性新兴产业分类》 (innovative_sme)
    pub strategic_emerging: bool,
    /// 从事特定细分市场年限 (zjtx)
    pub years_in_niche: u32,
    /// 主导产品所属领域 (zjtx)
    pub niche_field: NicheField,
    /// 数字化水平等级 (zjtx)
    pub digital_level: u32,
    /// 质量管理体系认证项数 (zjtx)
    pub quality_certifications: u32,
    /// 特色化指标得分，由省级主管部门评定 (zjtx, 0–15)
    pub speciality_points: u32,
    /// 研发机构级别 (zjtx)
    pub rd_institution: RdInstitution,
}

impl Profile {
    /// Reads the JSON input; errors say where and what in Chinese.
    pub fn from_json(text: &str) -> Result<Profile, CultivateError> {
        serde_json::from_str(text).map_err(|e| {
            let msg = e.to_string();
            let msg = if let Some(rest) = msg.strip_prefix("unknown field ") {
                let field = rest.split(',').next().unwrap_or(rest);
                format!("不认识的字段 {field}（字段名见 README“梯队培育”）")
            } else {
                msg
            };
            CultivateError::Input(format!(
                "输入 JSON 第 {} 行第 {} 列：{msg}",
                e.line(),
                e.column()
            ))
        })
    }
}

/// The result of scoring one profile against one standard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub standard: Standard,
    /// `2017`, `2022`, or `2026（待核实）`.
    pub version: String,
    pub score: u32,
    pub qualified: bool,
    /// Points per indicator.
    pub parts: BTreeMap<String, u32>,
    /// What would lift the enterprise over the line (empty when qualified).
    pub missing: Vec<String>,
    /// How every figure was computed (only when asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<String>>,
    /// The score the standard asks for.
    #[serde(skip)]
    pub line: u32,
    /// The conditions (size, restricted industry, violations, thresholds) hold.
    #[serde(skip)]
    pub conditions_met: bool,
    /// A direct route applies.
    #[serde(skip)]
    pub direct: bool,
}

impl Outcome {
    /// Points short of the line (0 when at or above it).
    pub fn gap(&self) -> u32 {
        self.line.saturating_sub(self.score)
    }
}

/// Scores a profile against the version of a standard in force on `at`.
pub fn score(
    standards: &Standards,
    standard: Standard,
    at: NaiveDate,
    profile: &Profile,
    traced: bool,
) -> Result<Outcome, CultivateError> {
    let v = standards.version(standard, at)?;
    Ok(formulas::evaluate(v, profile, traced))
}

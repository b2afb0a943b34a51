//! The vocabulary of the enterprise registry (issue 4): which department (source) delivers which
//! columns, and the typed values an import carries from the file reader to the database.
//!
//! Each source owns a disjoint group of columns; the registry records, per enterprise and group,
//! the import that delivered the group (its source and time). The `facts` source is the fact CSV
//! of [`crate::FACT_COLUMNS`] (what `huiqi gen` writes) and fills the enterprise, tax and hr groups.

use std::fmt;

use chrono::NaiveDate;

use crate::Uscc;

crate::vocabulary! {
    /// A department whose file can be imported.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Source {
        /// 市场监管局：登记信息
        Market = ("market", "市场监管局（登记信息）"),
        /// 税务局：纳税人类型、收入、税额
        Tax = ("tax", "税务局（收入与税额）"),
        /// 人社局：从业人数、创业者身份
        Hr = ("hr", "人社局（从业人数与创业者身份）"),
        /// 统计局：规模以上（四上）
        Stats = ("stats", "统计局（规模以上）"),
        /// 金融监管：贷款
        Finance = ("finance", "金融监管部门（贷款）"),
        /// 科技局/知识产权：科技人员、知识产权与财务数据（梯队培育评分用）
        Tech = ("tech", "科技局/知识产权（科技人员、知识产权与财务）"),
        /// huiqi 的事实表（FACT_COLUMNS），`huiqi gen` 的输出
        Facts = ("facts", "各部门合并数据"),
    }
}

impl Source {
    /// The department alone, in Chinese (`市场监管`).
    pub fn department(self) -> &'static str {
        match self {
            Source::Market => "市场监管局",
            Source::Tax => "税务局",
            Source::Hr => "人社局",
            Source::Stats => "统计局",
            Source::Finance => "金融监管部门",
            Source::Tech => "科技局/知识产权",
            Source::Facts => "各部门",
        }
    }

    /// Whether the source's values belong to a year (`--year`).
    pub fn is_yearly(self) -> bool {
        self != Source::Market
    }

    /// The column groups this source delivers, in file order.
    pub fn groups(self) -> &'static [Group] {
        match self {
            Source::Market => &[Group::Enterprise],
            Source::Tax => &[Group::Tax],
            Source::Hr => &[Group::Hr],
            Source::Stats => &[Group::Stats],
            Source::Finance => &[Group::Finance],
            Source::Tech => &[Group::Tech],
            Source::Facts => &[Group::EnterpriseFacts, Group::Tax, Group::Hr],
        }
    }

    /// Every column of the source's file after `uscc`, in template order.
    pub fn columns(self) -> impl Iterator<Item = &'static Column> {
        self.groups().iter().flat_map(|g| g.columns().iter())
    }
}

crate::vocabulary! {
    /// The registration status of an enterprise (登记状态), as `enterprises.status` holds it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum RegStatus {
        Active = ("active", "存续"),
        Revoked = ("revoked", "吊销"),
        Deregistered = ("deregistered", "注销"),
    }
}

/// A group of columns owned by one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// `enterprises`: all registration columns (市场监管).
    Enterprise,
    /// `enterprises` without `status`: what the fact CSV carries.
    EnterpriseFacts,
    Tax,
    Hr,
    Stats,
    Finance,
    Tech,
}

impl Group {
    pub fn columns(self) -> &'static [Column] {
        match self {
            Group::Enterprise => &ENTERPRISE_COLUMNS,
            Group::EnterpriseFacts => &ENTERPRISE_COLUMNS[..5],
            Group::Tax => &TAX_COLUMNS,
            Group::Hr => &HR_COLUMNS,
            Group::Stats => &STATS_COLUMNS,
            Group::Finance => &FINANCE_COLUMNS,
            Group::Tech => &TECH_COLUMNS,
        }
    }

    /// Whether the group lives in `enterprises` (else in `enterprise_facts` per year).
    pub fn is_enterprise(self) -> bool {
        matches!(self, Group::Enterprise | Group::EnterpriseFacts)
    }

    /// The provenance column of the group.
    pub fn import_column(self) -> &'static str {
        match self {
            Group::Enterprise | Group::EnterpriseFacts => "import_id",
            Group::Tax => "tax_import_id",
            Group::Hr => "hr_import_id",
            Group::Stats => "stats_import_id",
            Group::Finance => "finance_import_id",
            Group::Tech => "tech_import_id",
        }
    }
}

/// What a column holds, and so how a cell is parsed and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Free text (required, non-empty).
    Name,
    /// `enterprise` | `individual_business` (企业 | 个体工商户).
    Kind,
    /// A jurisdiction id of the policy pack (GB/T 2260 code or `luan-etdz`).
    County,
    /// A GB/T 4754-2017 industry code.
    Industry,
    /// A date (YYYY-MM-DD); may be empty.
    Date,
    /// `active` | `revoked` | `deregistered` (存续 | 吊销 | 注销); empty = active.
    Status,
    /// 元 with at most 2 decimals, ≥ 0; stored as fen.
    Money,
    /// 元 with at most 2 decimals, may be negative (a loss); stored as fen.
    SignedMoney,
    /// Persons with at most 2 decimals, ≥ 0; stored as hundredths.
    Headcount,
    /// true/false (是/否, 1/0).
    Bool,
    /// `none` | `retired_soldier` | `key_group` (无 | 退役士兵 | 重点群体).
    FounderGroup,
    /// A person's name (联系人), at most 50 characters; may be empty.
    Person,
    /// A telephone number (联系电话): 7–15 digits, optionally with a leading `+`, `-`, spaces or
    /// brackets (as people write them); may be empty. Stored as written.
    Phone,
    /// Optional free text (lists only: 证书编号, 主办单位, 场次编号).
    Text,
    /// A whole number ≥ 0 (lists only: 参训人数).
    Count,
    /// A whole number ≥ 0 of persons or items (科技人员, 知识产权项数); may be empty (not reported).
    Number,
    /// `tech_sme` | `innovative_sme` | `provincial_zjtx` (lists only: 认定类型).
    CertKind,
}

/// How a value is stored in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageType {
    Int,
    Bool,
    Text,
    Date,
}

impl FieldType {
    pub fn storage(self) -> StorageType {
        match self {
            FieldType::Name
            | FieldType::Kind
            | FieldType::County
            | FieldType::Industry
            | FieldType::Status
            | FieldType::FounderGroup
            | FieldType::Person
            | FieldType::Phone
            | FieldType::Text
            | FieldType::CertKind => StorageType::Text,
            FieldType::Date => StorageType::Date,
            FieldType::Money
            | FieldType::SignedMoney
            | FieldType::Headcount
            | FieldType::Count
            | FieldType::Number => StorageType::Int,
            FieldType::Bool => StorageType::Bool,
        }
    }
}

/// One column of a source file and of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// English header, the [`crate::Facts`] field name where there is one.
    pub name: &'static str,
    /// The database column (differs from `name` where the unit differs: `employees_x100`).
    pub db: &'static str,
    /// Chinese header of the template.
    pub zh: &'static str,
    pub ty: FieldType,
}

pub(crate) const fn col(name: &'static str, zh: &'static str, ty: FieldType) -> Column {
    Column {
        name,
        db: name,
        zh,
        ty,
    }
}

/// The key column of every source file.
pub const USCC_COLUMN: Column = col("uscc", "统一社会信用代码", FieldType::Name);

/// 市场监管: the registration (the first five are also in the fact CSV) and the contact the
/// departments use to reach the enterprise (免申即享 push lists).
pub const ENTERPRISE_COLUMNS: [Column; 8] = [
    col("name", "名称", FieldType::Name),
    col("kind", "市场主体类型", FieldType::Kind),
    col("county", "所属辖区", FieldType::County),
    col("industry", "行业代码", FieldType::Industry),
    col("registered_on", "成立日期", FieldType::Date),
    col("status", "登记状态", FieldType::Status),
    col("contact_person", "联系人", FieldType::Person),
    col("contact_phone", "联系电话", FieldType::Phone),
];

/// 税务.
pub const TAX_COLUMNS: [Column; 22] = [
    col("revenue", "营业收入", FieldType::Money),
    col("total_assets", "资产总额", FieldType::Money),
    col("taxable_income", "应纳税所得额", FieldType::SignedMoney),
    col("restricted_industry", "国家限制和禁止行业", FieldType::Bool),
    col(
        "business_income",
        "经营所得应纳税所得额",
        FieldType::SignedMoney,
    ),
    col("other_iit_relief", "经营所得其他减免税额", FieldType::Money),
    col("vat_small_scale", "增值税小规模纳税人", FieldType::Bool),
    col("vat_sales_q1", "一季度增值税应税销售额", FieldType::Money),
    col("vat_sales_q2", "二季度增值税应税销售额", FieldType::Money),
    col("vat_sales_q3", "三季度增值税应税销售额", FieldType::Money),
    col("vat_sales_q4", "四季度增值税应税销售额", FieldType::Money),
    col("resource_tax", "资源税", FieldType::Money),
    col("urban_maintenance_tax", "城市维护建设税", FieldType::Money),
    col("property_tax", "房产税", FieldType::Money),
    col("land_use_tax", "城镇土地使用税", FieldType::Money),
    col("stamp_duty", "印花税", FieldType::Money),
    col("farmland_occupation_tax", "耕地占用税", FieldType::Money),
    col("education_surcharge", "教育费附加", FieldType::Money),
    col(
        "local_education_surcharge",
        "地方教育附加",
        FieldType::Money,
    ),
    col("vat_due", "应纳增值税", FieldType::Money),
    col("iit_due", "应纳个人所得税（经营所得）", FieldType::Money),
    col("rd_expense", "费用化研发支出", FieldType::Money),
];

/// 人社.
pub const HR_COLUMNS: [Column; 2] = [
    Column {
        name: "employees",
        db: "employees_x100",
        zh: "从业人数",
        ty: FieldType::Headcount,
    },
    col("founder_group", "创业者身份", FieldType::FounderGroup),
];

/// 统计.
pub const STATS_COLUMNS: [Column; 1] = [col("above_scale", "规模以上（四上）", FieldType::Bool)];

/// 金融.
pub const FINANCE_COLUMNS: [Column; 3] = [
    col("loan_balance", "贷款余额", FieldType::Money),
    col("new_loans", "本年新增贷款", FieldType::Money),
    col("first_loan", "首贷户", FieldType::Bool),
];

/// 科技局/知识产权 (and the enterprise's financial statements as the 科技局 collects them): the
/// facts the 梯队培育 scores read that the other departments do not deliver (issue 17).
pub const TECH_COLUMNS: [Column; 11] = [
    col("tech_staff", "科技人员数", FieldType::Number),
    col("rd_staff", "研发人员数", FieldType::Number),
    col("ip_class1", "Ⅰ类知识产权", FieldType::Number),
    col("ip_class2", "Ⅱ类知识产权", FieldType::Number),
    col("ip_high_value", "Ⅰ类高价值知识产权", FieldType::Number),
    col("ip_class1_own", "自主研发Ⅰ类知识产权", FieldType::Number),
    col("main_revenue", "主营业务收入", FieldType::Money),
    col("cost_total", "成本费用总额", FieldType::Money),
    col("total_liabilities", "负债总额", FieldType::Money),
    col("net_profit", "净利润", FieldType::SignedMoney),
    col("high_tech_certified", "高新技术企业", FieldType::Bool),
];

/// The registry column (of any department) whose English name is `name` — a [`crate::Facts`]
/// field such as `vat_sales_q1` — for its Chinese header.
pub fn column_named(name: &str) -> Option<&'static Column> {
    ENTERPRISE_COLUMNS
        .iter()
        .chain(TAX_COLUMNS.iter())
        .chain(HR_COLUMNS.iter())
        .chain(STATS_COLUMNS.iter())
        .chain(FINANCE_COLUMNS.iter())
        .chain(TECH_COLUMNS.iter())
        .find(|c| c.name == name || c.db == name)
}

/// A typed value on its way from a file to the database. Money is integer fen, headcounts
/// hundredths of a person, so no float ever carries an amount.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Date(NaiveDate),
}

impl Value {
    /// The canonical text kept in the history (`None` for empty).
    pub fn canonical(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(i.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Text(t) => Some(t.clone()),
            Value::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
        }
    }
}

/// One validated row of a source file: `values` follow the source's groups' columns in order
/// ([`Source::columns`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The row number in the file (the header is row 1), for messages.
    pub row: u64,
    pub uscc: Uscc,
    pub values: Vec<Value>,
}

/// A reason a row cannot be imported. `row` is the file's row number (header = 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: u64,
    /// The column at fault (its header as written in the file), if one.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "第 {} 行，列“{}”：{}", self.row, c, self.message),
            None => write!(f, "第 {} 行：{}", self.row, self.message),
        }
    }
}

/// Problems (or warnings) found in one file: every one counted, the first
/// [`crate::facts_csv::MAX_LISTED`] kept to be listed (a file of a million bad rows does not make
/// a million messages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issues {
    listed: Vec<RowError>,
    total: u64,
}

impl Issues {
    pub fn push(&mut self, e: RowError) {
        self.total += 1;
        if self.listed.len() < crate::facts_csv::MAX_LISTED {
            self.listed.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// All of them, listed or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The first ones, in file order.
    pub fn listed(&self) -> &[RowError] {
        &self.listed
    }

    pub fn into_listed(self) -> Vec<RowError> {
        self.listed
    }

    /// How many are not listed.
    pub fn unlisted(&self) -> u64 {
        self.total - self.listed.len() as u64
    }

    /// “另有 N 处错误未列出” (with `what` = 错误 or 提醒), when some are not listed.
    pub fn unlisted_line(&self, what: &str) -> Option<String> {
        (self.unlisted() > 0).then(|| {
            format!(
                "另有 {} 处{what}未列出（只列出前 {} 处）",
                crate::text::thousands(self.unlisted()),
                self.listed.len()
            )
        })
    }
}

impl From<Vec<RowError>> for Issues {
    fn from(errors: Vec<RowError>) -> Issues {
        let mut issues = Issues::default();
        for e in errors {
            issues.push(e);
        }
        issues
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_facts_source_covers_exactly_the_fact_columns() {
        let mut mine: Vec<&str> = std::iter::once("uscc")
            .chain(Source::Facts.columns().map(|c| c.name))
            .collect();
        let mut theirs = crate::FACT_COLUMNS.to_vec();
        mine.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(mine, theirs);
    }

    #[test]
    fn issues_list_the_first_hundred_and_count_all() {
        let mut issues = Issues::default();
        for row in 0..250 {
            issues.push(RowError {
                row,
                column: None,
                message: "x".into(),
            });
        }
        assert_eq!((issues.total(), issues.listed().len()), (250, 100));
        assert_eq!(
            issues.unlisted_line("错误").as_deref(),
            Some("另有 150 处错误未列出（只列出前 100 处）")
        );
        assert_eq!(Issues::default().unlisted_line("错误"), None);
    }

    #[test]
    fn headers_are_unique_within_a_source() {
        for &s in Source::ALL {
            let mut seen = std::collections::HashSet::new();
            for c in std::iter::once(&USCC_COLUMN).chain(s.columns()) {
                assert!(seen.insert(c.name), "{s}: {}", c.name);
                assert!(seen.insert(c.zh), "{s}: {}", c.zh);
            }
        }
    }
}

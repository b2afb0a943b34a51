//! Facts from a table row (CSV or any other source of byte fields), parsed once at the
//! boundary; the one parser of fact rows, used by `huiqi match --input` and by the registry's
//! `facts` import.
//!
//! The header is strict: every fact column must be there except the few of
//! [`OPTIONAL_FACT_COLUMNS`] (whose absence has a stated meaning), a column huiqi does not know is
//! an error that suggests the closest known name (`revenu` → `revenue`), and headers may be the
//! English names, the Chinese template headers or their aliases ([`crate::header`]). Every row
//! must have exactly as many fields as the header. An empty cell reads as 0 / false / unknown, as
//! the facts template says; `uscc` and `kind` may not be empty.
//! Every error names the row and the column and says what to write instead.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::header;
use crate::industry::parse_industry_into;
use crate::registry::{Column, Source, USCC_COLUMN};
use crate::text::{quote, thousands, to_halfwidth};
use crate::{EntityKind, FACT_COLUMNS, Facts, FounderGroup, Uscc};

/// The most columns a file's header may have (huiqi's widest file has 30).
pub const MAX_COLUMNS: usize = 256;

/// At most this many errors are listed for one file; the rest are counted.
pub const MAX_LISTED: usize = 100;

/// Fact columns a file may leave out, with what their absence means (shown in the template and
/// the README). Every other fact column must be in the header.
pub const OPTIONAL_FACT_COLUMNS: [(&str, &str); 5] = [
    (
        "registered_on",
        "成立日期未知（不享受按成立时间判断的优惠）",
    ),
    ("restricted_industry", "否（不属于国家限制和禁止行业）"),
    ("other_iit_relief", "0 元"),
    ("founder_group", "无（none）"),
    ("rd_expense", "0 元"),
];

/// Whether a fact column may be left out of the header.
pub fn is_optional(name: &str) -> bool {
    OPTIONAL_FACT_COLUMNS.iter().any(|(n, _)| *n == name)
}

/// A problem with one cell, row or header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactError {
    /// The row as a spreadsheet shows it (the header is row 1).
    pub row: Option<usize>,
    /// The column's header as written in the file.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for FactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(row) = self.row {
            write!(f, "第{row}行")?;
        }
        if let Some(col) = &self.column {
            write!(f, "{}列 {col}", if self.row.is_some() { " " } else { "" })?;
        }
        if self.row.is_some() || self.column.is_some() {
            f.write_str("：")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for FactError {}

/// Everything wrong with a header row (at most [`MAX_LISTED`] listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactHeaderError {
    pub errors: Vec<FactError>,
}

impl fmt::Display for FactHeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FactHeaderError {}

/// The registry column of each fact column, in [`FACT_COLUMNS`] order (its Chinese header and
/// type).
pub fn fact_columns() -> Vec<&'static Column> {
    FACT_COLUMNS
        .iter()
        .map(|name| {
            std::iter::once(&USCC_COLUMN)
                .chain(Source::Facts.columns())
                .find(|c| c.name == *name)
                .unwrap_or(&USCC_COLUMN)
        })
        .collect()
}

/// Where each fact column stands in the file.
#[derive(Debug, Clone)]
pub struct FactsHeader {
    index: [Option<usize>; FACT_COLUMNS.len()],
    /// Each fact column's header as written (the English name where the column is absent).
    written: Vec<String>,
    /// Fields in the header row; every row must have as many.
    width: usize,
    /// File positions whose header cell is empty: a row may not put anything there.
    blank: Vec<usize>,
}

// Positions in FACT_COLUMNS, named so the parser reads plainly.
const USCC: usize = 0;
const NAME: usize = 1;
const KIND: usize = 2;
const COUNTY: usize = 3;
const INDUSTRY: usize = 4;
const REGISTERED_ON: usize = 5;
const EMPLOYEES: usize = 6;
const RESTRICTED: usize = 10;
const VAT_SMALL_SCALE: usize = 13;
const FOUNDER_GROUP: usize = 28;

impl FactsHeader {
    /// Reads the header row: every required fact column once, nothing huiqi does not know.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<FactsHeader, FactHeaderError> {
        let columns = fact_columns();
        let names = header::Names::new(&columns);
        let mut index = [None; FACT_COLUMNS.len()];
        let mut written: Vec<String> = FACT_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
        let mut errors = Vec::new();
        let mut blank = Vec::new();
        let mut width = 0;
        let err = |column: Option<String>, message: String| FactError {
            row: Some(1),
            column,
            message,
        };
        for (i, raw) in fields.into_iter().enumerate() {
            width = i + 1;
            if width > MAX_COLUMNS {
                return Err(FactHeaderError {
                    errors: vec![err(
                        None,
                        format!(
                            "表头超过 {MAX_COLUMNS} 列（事实表只有 {} 列）：请检查是否选错了文件，或删除多余的列",
                            FACT_COLUMNS.len()
                        ),
                    )],
                });
            }
            let name = String::from_utf8_lossy(raw);
            let shown = quote(name.trim()).into_owned();
            if header::normalise(&name).is_empty() {
                blank.push(i);
                continue;
            }
            match names.find(&name) {
                Some(m) if index[m.index].is_some() => errors.push(err(
                    Some(shown),
                    format!(
                        "表头中“{}”（{}）出现了两次，请删除重复的列",
                        columns[m.index].zh, FACT_COLUMNS[m.index]
                    ),
                )),
                Some(m) => {
                    if let Some(problem) = m
                        .note
                        .as_deref()
                        .and_then(|n| header::unit_problem(columns[m.index], &name, n))
                    {
                        errors.push(err(Some(shown.clone()), problem));
                    }
                    index[m.index] = Some(i);
                    written[m.index] = shown;
                }
                None => {
                    let hint = match names.suggest(&name) {
                        Some(s) => format!("是不是“{s}”？"),
                        None => String::new(),
                    };
                    errors.push(err(
                        Some(shown),
                        format!(
                            "无法识别的列。{hint}事实表的列名见模板（huiqi import --template facts 模板.xlsx）"
                        ),
                    ));
                }
            }
        }
        let missing: Vec<String> = (0..FACT_COLUMNS.len())
            .filter(|k| index[*k].is_none() && !is_optional(FACT_COLUMNS[*k]))
            .map(|k| format!("{}（{}）", FACT_COLUMNS[k], columns[k].zh))
            .collect();
        if !missing.is_empty() {
            errors.push(err(
                None,
                format!(
                    "表头缺少列：{}。请按模板填写（huiqi import --template facts 模板.xlsx）",
                    missing.join("、")
                ),
            ));
        }
        if !errors.is_empty() {
            errors.truncate(MAX_LISTED);
            return Err(FactHeaderError { errors });
        }
        Ok(FactsHeader {
            index,
            written,
            width,
            blank,
        })
    }

    /// Fields in the header row (every row must have as many).
    pub fn width(&self) -> usize {
        self.width
    }

    /// The file position of a fact column (`uscc`, `name`, …), if the file has it.
    pub fn position(&self, column: &str) -> Option<usize> {
        let k = FACT_COLUMNS.iter().position(|c| *c == column)?;
        self.index[k]
    }

    /// Parses one data row. `fields` are the row's cells in file order.
    pub fn parse<C: Cell>(&self, fields: &[C], row: usize) -> Result<Facts, FactError> {
        let mut facts = Facts::default();
        self.parse_into(fields, row, &mut facts)?;
        Ok(facts)
    }

    /// [`FactsHeader::parse`] into facts the caller reuses from row to row (the 1M-row path: the
    /// texts' buffers are kept, so a good row allocates nothing). After an error `facts` holds
    /// part of the row and must not be used.
    pub fn parse_into<C: Cell>(
        &self,
        fields: &[C],
        row: usize,
        f: &mut Facts,
    ) -> Result<(), FactError> {
        if fields.len() != self.width {
            return Err(FactError {
                row: Some(row),
                column: None,
                message: format!(
                    "这一行有 {} 个字段，表头有 {} 列：请检查是否漏填、多了逗号，或含逗号的文字没有用英文双引号括起来",
                    thousands(fields.len() as u64),
                    self.width
                ),
            });
        }
        for &i in &self.blank {
            if !trim(fields[i].bytes()).is_empty() {
                return Err(FactError {
                    row: Some(row),
                    column: None,
                    message: format!(
                        "第 {} 个字段“{}”有内容，但这一列没有表头：请补上列名或删除该列",
                        i + 1,
                        quote(&String::from_utf8_lossy(fields[i].bytes()))
                    ),
                });
            }
        }
        let err = |k: usize, message: String| FactError {
            row: Some(row),
            column: Some(self.written[k].clone()),
            message,
        };
        let raw = |k: usize| -> Result<&str, FactError> {
            match self.index[k] {
                Some(i) => fields[i].text().map(trim_str).ok_or_else(|| {
                    err(k, "不是有效的 UTF-8 文本，请另存为 UTF-8 编码的 CSV".into())
                }),
                None => Ok(""),
            }
        };
        // A code, number, date or flag: spaces (also U+3000) around it and full-width
        // characters do not matter.
        let text = |k: usize| -> Result<Cow<'_, str>, FactError> {
            let s = raw(k)?;
            if s.is_ascii() {
                return Ok(Cow::Borrowed(s));
            }
            Ok(Cow::Owned(to_halfwidth(s).trim().to_owned()))
        };
        let money = |k: usize, signed: bool| -> Result<Decimal, FactError> {
            let s = text(k)?;
            if s.is_empty() {
                return Ok(Decimal::ZERO);
            }
            let v = parse_amount(&s).ok_or_else(|| {
                err(
                    k,
                    format!(
                        "“{}”不是数字，请填写十进制数（如 12345.67），不要带单位",
                        quote(&s)
                    ),
                )
            })?;
            if !signed && v.is_sign_negative() && !v.is_zero() {
                return Err(err(k, format!("{} 为负数，该列不能为负", quote(&s))));
            }
            // The common case decided on the integer mantissa; the general check (and its
            // message) only for what it does not settle.
            let max = if k == EMPLOYEES {
                crate::limits::COUNT_MAX
            } else {
                crate::limits::MONEY_MAX_YUAN
            };
            if within(v, max, signed) {
                return Ok(v);
            }
            let in_range = if k == EMPLOYEES {
                crate::limits::check_count("人数", v)
            } else {
                crate::limits::check_money("金额", v, signed)
            };
            in_range.map_err(|e| err(k, e.0))?;
            Ok(v)
        };
        let flag = |k: usize| -> Result<bool, FactError> {
            let s = text(k)?;
            match s.as_ref() {
                "" | "false" | "FALSE" | "False" | "0" | "否" => Ok(false),
                "true" | "TRUE" | "True" | "1" | "是" => Ok(true),
                other => Err(err(
                    k,
                    format!("“{}”不是 true/false（也可写 是/否、1/0）", quote(other)),
                )),
            }
        };

        Uscc::parse_into(&text(USCC)?, &mut f.uscc).map_err(|e| err(USCC, e.to_string()))?;
        f.kind = match text(KIND)?.as_ref() {
            "" => {
                return Err(err(KIND, format!("不能为空：应为 {}", EntityKind::ids())));
            }
            // 个体 is how many files write 个体工商户.
            "个体" => EntityKind::IndividualBusiness,
            other => EntityKind::parse_any(other).ok_or_else(|| {
                err(
                    KIND,
                    format!(
                        "“{}”不是市场主体类型：应为 {}",
                        quote(other),
                        EntityKind::ids()
                    ),
                )
            })?,
        };
        f.founder_group = match text(FOUNDER_GROUP)?.as_ref() {
            "" => FounderGroup::None,
            "自主就业退役士兵" => FounderGroup::RetiredSoldier,
            other => FounderGroup::parse_any(other).ok_or_else(|| {
                err(
                    FOUNDER_GROUP,
                    format!(
                        "“{}”不是创业者身份：应为 {}",
                        quote(other),
                        FounderGroup::ids()
                    ),
                )
            })?,
        };
        match text(INDUSTRY)?.as_ref() {
            "" => f.industry.clear(),
            s => parse_industry_into(s, &mut f.industry).map_err(|m| err(INDUSTRY, m.0))?,
        }
        f.registered_on = match text(REGISTERED_ON)?.as_ref() {
            "" => None,
            s => Some(parse_date_any(s).ok_or_else(|| {
                err(
                    REGISTERED_ON,
                    format!("“{}”不是日期，请写成 YYYY-MM-DD（如 2023-04-15）", quote(s)),
                )
            })?),
        };
        // A name is free text: full-width characters (（）in 企业名称) stay as written.
        let name = raw(NAME)?;
        let name = if name.is_ascii() { name } else { name.trim() };
        if !name.is_empty() {
            crate::text::check_name(name).map_err(|m| err(NAME, m))?;
        }
        f.name.clear();
        f.name.push_str(name);
        let county = text(COUNTY)?;
        f.county.clear();
        f.county.push_str(&county);
        f.employees = money(EMPLOYEES, false)?;
        f.revenue = money(7, false)?;
        f.total_assets = money(8, false)?;
        f.taxable_income = money(9, true)?;
        f.restricted_industry = flag(RESTRICTED)?;
        f.business_income = money(11, true)?;
        f.other_iit_relief = money(12, false)?;
        f.vat_small_scale = flag(VAT_SMALL_SCALE)?;
        f.vat_sales_q1 = money(14, false)?;
        f.vat_sales_q2 = money(15, false)?;
        f.vat_sales_q3 = money(16, false)?;
        f.vat_sales_q4 = money(17, false)?;
        f.resource_tax = money(18, false)?;
        f.urban_maintenance_tax = money(19, false)?;
        f.property_tax = money(20, false)?;
        f.land_use_tax = money(21, false)?;
        f.stamp_duty = money(22, false)?;
        f.farmland_occupation_tax = money(23, false)?;
        f.education_surcharge = money(24, false)?;
        f.local_education_surcharge = money(25, false)?;
        f.vat_due = money(26, false)?;
        f.iit_due = money(27, false)?;
        f.rd_expense = money(29, false)?;
        Ok(())
    }
}

/// A cell as a reader hands it over: bytes (checked as UTF-8 when read) or text a reader has
/// already checked (a whole block at once: the 1M-row path).
pub trait Cell {
    fn bytes(&self) -> &[u8];
    /// The cell as text; `None` when it is not UTF-8.
    fn text(&self) -> Option<&str>;
}

impl Cell for &[u8] {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn text(&self) -> Option<&str> {
        std::str::from_utf8(self).ok()
    }
}

impl Cell for &str {
    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

const POW10: [u64; 19] = {
    let mut p = [1u64; 19];
    let mut i = 1;
    while i < 19 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// Whether `v` lies within 0..=`max` (±`max` when `signed`), decided on the mantissa; `false`
/// also when that cannot be decided so (a scale above 18), for the general check to decide.
fn within(v: Decimal, max: i64, signed: bool) -> bool {
    let scale = v.scale();
    if scale > 18 {
        return false;
    }
    let limit = i128::from(max) * i128::from(POW10[scale as usize]);
    let m = v.mantissa();
    m <= limit && (m >= 0 || (signed && m >= -limit))
}

/// [`trim`] on text: ASCII whitespace off both ends.
fn trim_str(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace())
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// An amount as offices write it: `12345.67`, also with thousands separators (`12,345.67`) or a
/// leading `¥`. The plain form is tried first (the 1M-row path).
pub fn parse_amount(s: &str) -> Option<Decimal> {
    if let Some(v) = plain_decimal(s.as_bytes()) {
        return Some(v);
    }
    if let Ok(v) = Decimal::from_str(s) {
        return Some(v);
    }
    let t = s.trim().trim_start_matches(['¥', '￥']).trim_start();
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let groups: Vec<&str> = int.split(',').collect();
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3);
    if !(grouped || groups.len() == 1) || !groups.concat().bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let plain = if frac.is_empty() && !body.contains('.') {
        format!("{sign}{}", groups.concat())
    } else {
        format!("{sign}{}.{frac}", groups.concat())
    };
    Decimal::from_str(&plain).ok()
}

/// The common spelling `-?digits(.digits)?` with at most 18 digits, read straight from the
/// bytes into the same `Decimal` (mantissa and scale) that `Decimal::from_str` gives; `None` for
/// anything else (including `-0`, whose sign `from_str` keeps), which then goes the general way.
fn plain_decimal(b: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let (int, frac) = match digits.iter().position(|&c| c == b'.') {
        Some(p) => (&digits[..p], &digits[p + 1..]),
        None => (digits, &[][..]),
    };
    let has_point = int.len() != digits.len();
    if int.is_empty() || (has_point && frac.is_empty()) || int.len() + frac.len() > 18 {
        return None;
    }
    let mut m: i64 = 0;
    for &c in int.iter().chain(frac) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        m = m * 10 + i64::from(d);
    }
    if negative {
        if m == 0 {
            return None;
        }
        m = -m;
    }
    Some(Decimal::new(m, frac.len() as u32))
}

/// `YYYY-MM-DD` (also `YYYY/MM/DD`), checked as a real calendar date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || !matches!((b[4], b[7]), (b'-', b'-') | (b'/', b'/')) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// A date as offices write it: `2023-04-01`, `2023/4/1`, `20230401`, `2023年4月1日`, `2023.4.1`
/// (with or without leading zeros); `None` if none of these or not a real date.
pub fn parse_date_any(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if let Some(d) = parse_date(t) {
        return Some(d);
    }
    ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d"]
        .iter()
        .find_map(|fmt| NaiveDate::parse_from_str(t, fmt).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &[&str]) -> Result<FactsHeader, FactHeaderError> {
        FactsHeader::from_fields(cols.iter().map(|c| c.as_bytes()))
    }

    fn valid_code() -> String {
        Uscc::from_parts("91", "341500", "MA2N0XXX")
            .unwrap()
            .as_str()
            .to_string()
    }

    /// A full row of the standard header with some cells set.
    fn row(h: &FactsHeader, set: &[(&str, &str)]) -> Result<Facts, FactError> {
        let mut cells: Vec<String> = vec![String::new(); h.width()];
        cells[h.position("uscc").unwrap()] = valid_code();
        cells[h.position("kind").unwrap()] = "enterprise".into();
        for (col, v) in set {
            cells[h.position(col).unwrap()] = (*v).to_owned();
        }
        let fields: Vec<&[u8]> = cells.iter().map(|c| c.as_bytes()).collect();
        h.parse(&fields, 2)
    }

    fn standard() -> FactsHeader {
        header(&FACT_COLUMNS).unwrap()
    }

    const CODE: &str = "91341500MA2N0XXX00";

    #[test]
    fn columns_in_any_order_and_in_chinese() {
        let mut cols: Vec<&str> = FACT_COLUMNS.to_vec();
        cols.reverse();
        let h = header(&cols).unwrap();
        let f = row(
            &h,
            &[
                ("revenue", "1234.56"),
                ("kind", "individual_business"),
                ("registered_on", "2023-04-01"),
                ("taxable_income", "-10"),
            ],
        )
        .unwrap();
        assert_eq!(f.revenue.to_string(), "1234.56");
        assert_eq!(f.kind, EntityKind::IndividualBusiness);
        assert_eq!(f.taxable_income.to_string(), "-10");
        assert_eq!(f.registered_on, NaiveDate::from_ymd_opt(2023, 4, 1));
        assert_eq!(f.vat_due, Decimal::ZERO);

        let zh: Vec<&str> = fact_columns().iter().map(|c| c.zh).collect();
        let h = header(&zh).unwrap();
        assert_eq!(h.position("revenue"), Some(7));
        let e = row(&h, &[("revenue", "x")]).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("营业收入"), "named as written");
    }

    #[test]
    fn a_misspelt_or_unknown_header_is_refused_with_the_closest_name() {
        let mut cols: Vec<&str> = FACT_COLUMNS.to_vec();
        cols[7] = "revenu";
        cols[9] = "taxable_incom";
        cols.push("extra");
        let e = header(&cols).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("列 revenu：无法识别的列。是不是“revenue”？"),
            "{text}"
        );
        assert!(text.contains("是不是“taxable_income”？"), "{text}");
        assert!(text.contains("列 extra：无法识别的列。事实表"), "{text}");
        assert!(
            text.contains("表头缺少列：revenue（营业收入）、taxable_income（应纳税所得额）"),
            "{text}"
        );
    }

    #[test]
    fn optional_columns_may_be_left_out_and_required_ones_may_not() {
        let without: Vec<&str> = FACT_COLUMNS
            .iter()
            .copied()
            .filter(|c| !is_optional(c))
            .collect();
        let h = header(&without).unwrap();
        let f = row(&h, &[]).unwrap();
        assert_eq!((f.registered_on, f.rd_expense), (None, Decimal::ZERO));
        let e = header(&without[1..]).unwrap_err();
        assert!(e.to_string().contains("缺少列：uscc"), "{e}");
        assert!(
            header(&["uscc", "uscc"])
                .unwrap_err()
                .to_string()
                .contains("两次")
        );
        let mut wide = FACT_COLUMNS.to_vec();
        wide.extend(std::iter::repeat_n("", 300));
        assert!(
            header(&wide)
                .unwrap_err()
                .to_string()
                .contains("超过 256 列")
        );
    }

    #[test]
    fn short_and_long_rows_and_data_under_no_header_are_refused() {
        let h = standard();
        let code = valid_code();
        let short: Vec<&[u8]> = vec![code.as_bytes(), b"name", b"enterprise", b"341502", b"C3311"];
        let e = h.parse(&short, 7).unwrap_err();
        assert_eq!((e.row, e.column.clone()), (Some(7), None));
        assert!(e.message.contains("有 5 个字段，表头有 30 列"), "{e}");
        let mut long: Vec<&[u8]> = vec![b""; 31];
        long[0] = code.as_bytes();
        assert!(h.parse(&long, 3).unwrap_err().message.contains("31 个字段"));

        let mut cols: Vec<&str> = FACT_COLUMNS.to_vec();
        cols.push("");
        let h = header(&cols).unwrap();
        let mut fields: Vec<String> = vec![String::new(); 31];
        fields[0] = code.clone();
        fields[2] = "enterprise".into();
        let as_bytes = |f: &[String]| f.iter().map(|x| x.as_bytes().to_vec()).collect::<Vec<_>>();
        let b = as_bytes(&fields);
        let refs: Vec<&[u8]> = b.iter().map(Vec::as_slice).collect();
        assert!(
            h.parse(&refs, 2).is_ok(),
            "an empty column without header is fine"
        );
        fields[30] = "42".into();
        let b = as_bytes(&fields);
        let refs: Vec<&[u8]> = b.iter().map(Vec::as_slice).collect();
        assert!(h.parse(&refs, 2).unwrap_err().message.contains("没有表头"));
    }

    #[test]
    fn errors_name_row_and_column() {
        let h = standard();
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: [Case; 9] = [
            (&[("revenue", "12a")], "revenue", "不是数字"),
            (&[("revenue", "-1")], "revenue", "负数"),
            (&[("kind", "company")], "kind", "enterprise"),
            (&[("kind", "")], "kind", "不能为空"),
            (
                &[("registered_on", "2023-02-30")],
                "registered_on",
                "YYYY-MM-DD",
            ),
            (&[("industry", "C51")], "industry", "不属于门类"),
            (
                &[("vat_small_scale", "maybe")],
                "vat_small_scale",
                "true/false",
            ),
            (&[("uscc", CODE)], "uscc", ""),
            (&[("name", "甲\0乙")], "name", "U+0000"),
        ];
        for (set, col, msg) in cases {
            let e = row(&h, set).unwrap_err();
            assert_eq!(e.row, Some(2));
            assert_eq!(e.column.as_deref(), Some(col), "{set:?}");
            assert!(e.message.contains(msg), "{set:?}: {e}");
            assert!(e.to_string().starts_with("第2行 列 "), "{e}");
        }
        let long = "名".repeat(101);
        assert!(
            row(&h, &[("name", &long)])
                .unwrap_err()
                .message
                .contains("100")
        );
        let huge = "9".repeat(10_000_000);
        let e = row(&h, &[("revenue", &format!("x{huge}"))]).unwrap_err();
        assert!(
            e.message.chars().count() < 120,
            "a value is quoted cut: {}",
            e.message.len()
        );
    }

    #[test]
    fn values_as_offices_type_them() {
        let h = standard();
        let code: String = valid_code()
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        let f = row(
            &h,
            &[
                ("uscc", &code),
                ("revenue", "１２，３４５．６７"),
                ("total_assets", "\u{3000}1,234,567\u{3000}"),
                ("registered_on", "2023年4月1日"),
                ("employees", "¥ 12"),
                ("kind", "个体工商户"),
                ("founder_group", "退役士兵"),
                ("name", "六安（金安）ＡＢＣ商店"),
            ],
        )
        .unwrap();
        assert_eq!(f.uscc, valid_code());
        assert_eq!(f.revenue.to_string(), "12345.67");
        assert_eq!(f.total_assets.to_string(), "1234567");
        assert_eq!(f.registered_on, NaiveDate::from_ymd_opt(2023, 4, 1));
        assert_eq!(f.employees.to_string(), "12");
        assert_eq!(f.founder_group, FounderGroup::RetiredSoldier);
        assert_eq!(
            f.name, "六安（金安）ＡＢＣ商店",
            "a name keeps its full-width forms"
        );
        assert!(row(&h, &[("revenue", "12,34")]).is_err(), "bad grouping");
    }

    #[test]
    fn a_header_note_in_another_unit_than_yuan_is_refused() {
        let mut cols: Vec<&str> = FACT_COLUMNS.to_vec();
        cols[7] = "营业收入（万元）";
        assert!(header(&cols).unwrap_err().to_string().contains("万元"));
        cols[7] = "营业收入（元）";
        assert!(header(&cols).is_ok());
    }

    #[test]
    fn plain_amounts_read_as_from_str_reads_them() {
        for s in [
            "0",
            "7",
            "007",
            "12.5",
            "12.50",
            "-3.10",
            "-0.00",
            "-0",
            "1.",
            ".5",
            "+5",
            "1e3",
            "123456789012345678",
            "1234567890123456789",
            "0.000000000000000001",
            "99999999.99",
            "-1234567.891",
            "",
        ] {
            let fast = plain_decimal(s.as_bytes());
            let slow = Decimal::from_str(s).ok();
            if let Some(v) = fast {
                let w = slow.unwrap_or_else(|| panic!("{s}: from_str refuses it"));
                assert_eq!(
                    (v.mantissa(), v.scale(), v.is_sign_negative()),
                    (w.mantissa(), w.scale(), w.is_sign_negative()),
                    "{s}"
                );
            }
        }
        for s in ["7", "-3.10", "12.50", "123456789012345678"] {
            assert!(
                plain_decimal(s.as_bytes()).is_some(),
                "{s} takes the fast path"
            );
        }
    }

    #[test]
    fn the_mantissa_range_check_agrees_with_the_general_one() {
        use crate::limits::{MONEY_MAX_YUAN, check_money};
        for s in [
            "0",
            "1000000000000",
            "1000000000000.00",
            "1000000000000.01",
            "-1000000000000",
            "-1000000000000.01",
            "999999999999.999999999999",
            "12.5",
            "-3",
            "0.000000000000000000001",
        ] {
            let v = Decimal::from_str(s).unwrap();
            for signed in [false, true] {
                let general = check_money("金额", v, signed).is_ok()
                    && (signed || !v.is_sign_negative() || v.is_zero());
                assert!(
                    !within(v, MONEY_MAX_YUAN, signed) || general,
                    "{s} {signed}"
                );
                if v.scale() <= 18 {
                    assert_eq!(within(v, MONEY_MAX_YUAN, signed), general, "{s} {signed}");
                }
            }
        }
    }

    #[test]
    fn dates_in_six_spellings() {
        for s in [
            "2023-04-01",
            "2023/04/01",
            "2023/4/1",
            "20230401",
            "2023年4月1日",
            "2023.4.1",
        ] {
            assert_eq!(
                parse_date_any(s),
                NaiveDate::from_ymd_opt(2023, 4, 1),
                "{s}"
            );
        }
        assert_eq!(parse_date_any("2023-02-30"), None);
    }
}

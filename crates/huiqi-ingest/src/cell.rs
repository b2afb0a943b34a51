//! One cell of a source file and its parsing into a typed [`Value`]: CSV cells are text; Excel
//! cells may be numbers (f64), booleans or dates.

use chrono::NaiveDate;
use huiqi_domain::lists::CertKind;
use huiqi_domain::registry::{FieldType, Value};
use huiqi_domain::{EntityKind, FounderGroup};

use crate::Counties;
use huiqi_domain::facts_csv::parse_date_any;
use huiqi_domain::industry::parse_industry;
use huiqi_domain::text::{check_name, quote};
use huiqi_domain::{Uscc, UsccError};

/// The message for a 统一社会信用代码 that Excel stored as a number: beyond 15 digits a number
/// keeps no more digits, so the code cannot be recovered from the file.
pub const STORED_AS_NUMBER: &str =
    "统一社会信用代码被存成了数字，末几位已丢失，请把该列设为文本后重填";

/// The 统一社会信用代码 of a cell. A number is refused (its last digits are lost), except a
/// 15-digit old registration number, which is named as such; so is text that Excel wrote in
/// scientific notation (`9.13415E+17`).
pub fn uscc_from_cell(cell: Cell<'_>) -> Result<Uscc, String> {
    match cell {
        Cell::Number(f) if f.fract() == 0.0 && (1e14..1e15).contains(&f.abs()) => {
            Uscc::parse(&format!("{f:.0}")).map_err(|e| e.to_string())
        }
        Cell::Number(_) => Err(STORED_AS_NUMBER.into()),
        Cell::Text(t) if looks_scientific(t.trim()) => Err(STORED_AS_NUMBER.into()),
        Cell::Text(t) => Uscc::parse(t).map_err(|e| e.to_string()),
        Cell::Empty => Err(UsccError::Empty.to_string()),
        Cell::Bool(_) | Cell::Date(_) | Cell::Error => {
            Err("统一社会信用代码应为 18 位文字，这一格不是文字".into())
        }
    }
}

/// `9.13415E+17`, `9.13415e17`: how Excel shows (and saves to CSV) a long number.
pub(crate) fn looks_scientific(t: &str) -> bool {
    let Some((mantissa, exp)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exp.is_empty()
        && exp.bytes().all(|b| b.is_ascii_digit())
}

/// A cell as read from the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    /// An Excel number.
    Number(f64),
    Bool(bool),
    /// An Excel date.
    Date(NaiveDate),
    /// An Excel error value (#N/A, …).
    Error,
}

impl<'a> Cell<'a> {
    pub(crate) fn text(self) -> Option<&'a str> {
        match self {
            Cell::Text(t) if !t.trim().is_empty() => Some(t.trim()),
            _ => None,
        }
    }

    /// Empty, or only spaces (also U+3000).
    pub(crate) fn is_empty(self) -> bool {
        match self {
            Cell::Empty => true,
            // Most cells start with a printable ASCII character: no need to trim them.
            Cell::Text(t) => match t.as_bytes().first() {
                None => true,
                Some(b) if b.is_ascii_graphic() => false,
                Some(_) => t.trim().is_empty(),
            },
            _ => false,
        }
    }

    /// The cell as text for code-like columns (a number typed into Excel becomes its integer digits).
    pub fn code_text(self) -> Option<String> {
        match self {
            Cell::Text(t) if !t.trim().is_empty() => Some(t.trim().to_owned()),
            Cell::Number(f) if f.fract() == 0.0 && f.abs() < 1e17 => Some(format!("{f:.0}")),
            _ => None,
        }
    }
}

impl Cell<'_> {
    /// The cell as the fact CSV would write it, for the fact parser: Excel numbers with at most two
    /// decimals (converted once, see [`hundredths_from_f64`]), dates as YYYY-MM-DD, booleans as
    /// true/false.
    pub fn as_fact_text(self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.to_owned(),
            Cell::Number(f) => match hundredths_from_f64(f) {
                Ok(h) => {
                    let sign = if h < 0 { "-" } else { "" };
                    let a = h.unsigned_abs();
                    format!("{sign}{}.{:02}", a / 100, a % 100)
                }
                Err(_) => format!("{f}"),
            },
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Error => "#错误值".into(),
        }
    }
}

/// Parses text of at most two decimals (`-12,345.6`) into hundredths. Thousands separators and a
/// leading `¥` are accepted; anything else is refused.
pub(crate) fn parse_hundredths(text: &str) -> Result<i64, String> {
    let t = text.trim().trim_start_matches(['¥', '￥']);
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return Err(format!("“{}”不是数字", quote(text)));
    }
    let mut value: i64 = 0;
    for (i, b) in int.bytes().enumerate() {
        match b {
            b'0'..=b'9' => {
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(i64::from(b - b'0')))
                    .ok_or_else(|| format!("“{}”超出可处理的范围", quote(text)))?;
            }
            // thousands separators, not first
            b',' if i > 0 => {}
            _ => return Err(format!("“{}”不是数字", quote(text))),
        }
    }
    if frac.len() > 2 {
        return Err(format!("“{}”超过两位小数（金额精确到分）", quote(text)));
    }
    let mut cents: i64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        if !b.is_ascii_digit() {
            return Err(format!("“{}”不是数字", quote(text)));
        }
        cents += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    let v = value
        .checked_mul(100)
        .and_then(|v| v.checked_add(cents))
        .ok_or_else(|| format!("“{}”超出可处理的范围", quote(text)))?;
    Ok(if neg { -v } else { v })
}

/// An Excel number (f64) into hundredths: scaled by 100 and rounded once; a value with more than
/// two decimals (beyond float noise) is refused rather than silently rounded.
pub(crate) fn hundredths_from_f64(f: f64) -> Result<i64, String> {
    if !f.is_finite() {
        return Err("不是有效数字".into());
    }
    let scaled = f * 100.0;
    let rounded = scaled.round();
    // 2^53: beyond it f64 no longer holds every integer.
    if rounded.abs() >= 9_007_199_254_740_992.0 {
        return Err(format!("{f} 超出可处理的范围"));
    }
    if (scaled - rounded).abs() > 1e-6 * scaled.abs().max(1.0) {
        return Err(format!("{f} 超过两位小数（金额精确到分）"));
    }
    Ok(rounded as i64)
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    parse_date_any(text)
        .ok_or_else(|| format!("“{}”不是日期：请写成 2023-04-01", quote(text.trim())))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "是" | "y" | "yes" => Some(true),
        "false" | "0" | "否" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// A telephone number as people write it: digits with an optional leading `+` and `-`, spaces
/// or brackets between them; 7 to 15 digits.
fn parse_phone(t: &str) -> Result<String, String> {
    let t = t.trim();
    let body = t.strip_prefix('+').unwrap_or(t);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')'))
        && (7..=15).contains(&digits)
    {
        Ok(t.to_owned())
    } else {
        Err(format!(
            "“{}”不是电话号码：应为 7–15 位数字，可含 +、-、空格、括号，如 0564-3312345 或 13905641234",
            quote(t)
        ))
    }
}

/// Parses one cell for a column of type `ty`. An empty cell is `Value::Null` except where a value
/// is required (name, kind, county, industry).
pub(crate) fn parse_cell(
    cell: Cell<'_>,
    ty: FieldType,
    counties: &Counties,
) -> Result<Value, String> {
    if matches!(cell, Cell::Error) {
        return Err("单元格是错误值（如 #N/A）".into());
    }
    let required = matches!(
        ty,
        FieldType::Name
            | FieldType::Kind
            | FieldType::County
            | FieldType::Industry
            | FieldType::CertKind
            | FieldType::Count
    );
    if cell.is_empty() {
        return if required {
            Err("不能为空".into())
        } else if ty == FieldType::Status {
            Ok(Value::Text("active".into()))
        } else {
            Ok(Value::Null)
        };
    }
    match ty {
        FieldType::Name => {
            let t = match cell {
                Cell::Text(t) => t.trim().to_owned(),
                _ => cell.code_text().ok_or_else(|| "应为文字".to_string())?,
            };
            check_name(&t)?;
            Ok(Value::Text(t))
        }
        FieldType::Kind => {
            let t = cell.text().unwrap_or_default();
            // 个体 is how many files write 个体工商户.
            let kind = match t {
                "个体" => Some(EntityKind::IndividualBusiness),
                t => EntityKind::parse_any(t),
            };
            kind.map(|k| Value::Text(k.as_str().into())).ok_or_else(|| {
                format!("“{}”不是市场主体类型：应为 {}", quote(t), EntityKind::ids())
            })
        }
        FieldType::County => {
            let t = cell.code_text().unwrap_or_default();
            counties
                .resolve(&t)
                .map(|id| Value::Text(id.to_owned()))
                .ok_or_else(|| {
                    format!(
                        "“{}”不是六安市的辖区：应为 {}",
                        quote(&t),
                        counties.describe()
                    )
                })
        }
        FieldType::Industry => {
            let t = cell.code_text().unwrap_or_default();
            parse_industry(&t)
                .map(Value::Text)
                .map_err(|e| e.to_string())
        }
        FieldType::Date => match cell {
            Cell::Date(d) => Ok(Value::Date(d)),
            Cell::Text(t) => parse_date(t).map(Value::Date),
            Cell::Number(f) if f.fract() == 0.0 => parse_date(&format!("{f:.0}")).map(Value::Date),
            _ => Err("不是日期：请写成 2023-04-01".into()),
        },
        FieldType::Person => {
            let t = cell
                .code_text()
                .ok_or_else(|| "应为文字（联系人姓名）".to_string())?;
            if t.chars().count() > 50 {
                return Err("联系人不能超过 50 个字".into());
            }
            Ok(Value::Text(t))
        }
        FieldType::Phone => {
            let t = cell
                .code_text()
                .ok_or_else(|| "应为电话号码，如 0564-3312345 或 13905641234".to_string())?;
            parse_phone(&t).map(Value::Text)
        }
        FieldType::Status => {
            let t = cell.text().unwrap_or_default();
            match t {
                "active" | "存续" | "在业" | "开业" => Ok(Value::Text("active".into())),
                "revoked" | "吊销" => Ok(Value::Text("revoked".into())),
                "deregistered" | "注销" => Ok(Value::Text("deregistered".into())),
                _ => Err(format!(
                    "“{}”不是登记状态：应为 存续（active）、吊销（revoked）或 注销（deregistered）",
                    quote(t)
                )),
            }
        }
        FieldType::Money | FieldType::SignedMoney | FieldType::Headcount => {
            let v = match cell {
                Cell::Text(t) => parse_hundredths(t)?,
                Cell::Number(f) => hundredths_from_f64(f)?,
                _ => return Err("应为数字".into()),
            };
            if v < 0 && ty != FieldType::SignedMoney {
                let what = if ty == FieldType::Headcount {
                    "人数"
                } else {
                    "金额"
                };
                return Err(format!("{what}不能为负数"));
            }
            let in_range = if ty == FieldType::Headcount {
                huiqi_domain::limits::check_count("人数", rust_decimal::Decimal::new(v, 2))
            } else {
                huiqi_domain::limits::check_fen("金额", v, ty == FieldType::SignedMoney)
            };
            in_range.map_err(|e| e.0)?;
            Ok(Value::Int(v))
        }
        FieldType::Bool => match cell {
            Cell::Bool(b) => Ok(Value::Bool(b)),
            Cell::Number(f) if f == 0.0 || f == 1.0 => Ok(Value::Bool(f == 1.0)),
            Cell::Text(t) => parse_bool(t)
                .map(Value::Bool)
                .ok_or_else(|| format!("“{}”应为 是/否（true/false）", quote(t.trim()))),
            _ => Err("应为 是/否（true/false）".into()),
        },
        FieldType::Text => cell
            .code_text()
            .map(Value::Text)
            .ok_or_else(|| "应为文字".into()),
        FieldType::CertKind => {
            let t = cell.text().unwrap_or_default();
            CertKind::parse_text(t)
                .map(|k| Value::Text(k.as_str().into()))
                .ok_or_else(|| format!("“{}”不是认定类型：应为 {}", quote(t), CertKind::describe()))
        }
        FieldType::Number => {
            let v = match cell {
                Cell::Text(t) => parse_hundredths(t)?,
                Cell::Number(f) => hundredths_from_f64(f)?,
                _ => return Err("应为整数".into()),
            };
            if v % 100 != 0 {
                return Err("应为整数".into());
            }
            huiqi_domain::limits::check_range(
                "数量",
                rust_decimal::Decimal::from(v / 100),
                0,
                huiqi_domain::limits::COUNT_MAX,
                "",
            )
            .map_err(|e| e.0)?;
            Ok(Value::Int(v / 100))
        }
        FieldType::Count => {
            let v = match cell {
                Cell::Text(t) => parse_hundredths(t)?,
                Cell::Number(f) => hundredths_from_f64(f)?,
                _ => return Err("应为整数".into()),
            };
            if v % 100 != 0 {
                return Err("应为整数".into());
            }
            if v < 0 {
                return Err("人数不能为负数".into());
            }
            huiqi_domain::limits::check_count("人数", rust_decimal::Decimal::from(v / 100))
                .map_err(|e| e.0)?;
            Ok(Value::Int(v / 100))
        }
        FieldType::FounderGroup => {
            let t = cell.text().unwrap_or_default();
            // The full name of the 退役士兵 group.
            let group = match t {
                "自主就业退役士兵" => Some(FounderGroup::RetiredSoldier),
                t => FounderGroup::parse_any(t),
            };
            group
                .map(|g| Value::Text(g.as_str().into()))
                .ok_or_else(|| {
                    format!("“{}”不是创业者身份：应为 {}", quote(t), FounderGroup::ids())
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hundredths_from_text() {
        assert_eq!(parse_hundredths("0"), Ok(0));
        assert_eq!(parse_hundredths("12.3"), Ok(1230));
        assert_eq!(parse_hundredths("12.34"), Ok(1234));
        assert_eq!(parse_hundredths("-1,234.5"), Ok(-123_450));
        assert_eq!(parse_hundredths("¥ 5"), Err("“¥ 5”不是数字".into()));
        assert_eq!(parse_hundredths(".5"), Ok(50));
        assert!(parse_hundredths("1.234").unwrap_err().contains("两位小数"));
        assert!(parse_hundredths("1e5").is_err());
        assert!(parse_hundredths("").is_err());
        assert!(parse_hundredths("99999999999999999999").is_err());
    }

    #[test]
    fn hundredths_from_excel_numbers() {
        assert_eq!(hundredths_from_f64(0.29), Ok(29)); // 28.999999999999996 in f64
        assert_eq!(hundredths_from_f64(1234.56), Ok(123_456));
        assert_eq!(hundredths_from_f64(-0.1), Ok(-10));
        assert!(hundredths_from_f64(12.345).is_err());
        assert!(hundredths_from_f64(f64::NAN).is_err());
    }

    proptest! {
        // Every amount of fen written with two decimals reads back exactly, as text and as the
        // f64 Excel would store.
        #[test]
        fn amounts_round_trip(fen in -1_000_000_000_000i64..1_000_000_000_000) {
            let text = format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, fen.abs() / 100, fen.abs() % 100);
            prop_assert_eq!(parse_hundredths(&text), Ok(fen));
            let f: f64 = text.parse().unwrap();
            prop_assert_eq!(hundredths_from_f64(f), Ok(fen));
        }
    }
}

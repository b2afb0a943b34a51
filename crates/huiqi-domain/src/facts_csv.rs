//! Facts from a table row (CSV or any other source of byte fields), parsed once
//! at the boundary. Columns may come in any order; columns huiqi does not know
//! are ignored; `uscc` is required. An empty cell reads as 0 / false / unknown.
//! Every error names the row and the column and says what to write instead.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::industry::parse_industry;
use crate::{EntityKind, FACT_COLUMNS, Facts, FounderGroup, Uscc};

/// A problem with one cell, row or header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactError {
    /// The row as a spreadsheet shows it (the header is row 1).
    pub row: Option<usize>,
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

/// Where each fact column stands in the file.
#[derive(Debug, Clone)]
pub struct FactsHeader {
    index: [Option<usize>; FACT_COLUMNS.len()],
}

// Positions in FACT_COLUMNS, named so the parser reads plainly.
const USCC: usize = 0;
const NAME: usize = 1;
const KIND: usize = 2;
const COUNTY: usize = 3;
const INDUSTRY: usize = 4;
const REGISTERED_ON: usize = 5;
const RESTRICTED: usize = 10;
const VAT_SMALL_SCALE: usize = 13;
const FOUNDER_GROUP: usize = 28;

impl FactsHeader {
    /// Reads the header row. Unknown columns are ignored; a repeated fact column or a missing
    /// `uscc` column is an error.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<FactsHeader, FactError> {
        let mut index = [None; FACT_COLUMNS.len()];
        for (i, raw) in fields.into_iter().enumerate() {
            let name = String::from_utf8_lossy(raw);
            let name = name.trim().trim_start_matches('\u{feff}');
            if let Some(k) = FACT_COLUMNS.iter().position(|c| *c == name) {
                if index[k].is_some() {
                    return Err(FactError {
                        row: Some(1),
                        column: Some(name.to_string()),
                        message: "表头中该列出现了两次，请删除重复的列".into(),
                    });
                }
                index[k] = Some(i);
            }
        }
        if index[USCC].is_none() {
            return Err(FactError {
                row: Some(1),
                column: None,
                message: "表头缺少 uscc（统一社会信用代码）列".into(),
            });
        }
        Ok(FactsHeader { index })
    }

    /// Parses one data row. `fields` are the row's cells in file order.
    pub fn parse(&self, fields: &[&[u8]], row: usize) -> Result<Facts, FactError> {
        let cell = |k: usize| -> &[u8] {
            match self.index[k] {
                Some(i) => fields.get(i).map(|f| trim(f)).unwrap_or(b""),
                None => b"",
            }
        };
        let err = |k: usize, message: String| FactError {
            row: Some(row),
            column: Some(FACT_COLUMNS[k].to_string()),
            message,
        };
        let text = |k: usize| -> Result<&str, FactError> {
            std::str::from_utf8(cell(k))
                .map_err(|_| err(k, "不是有效的 UTF-8 文本，请另存为 UTF-8 编码的 CSV".into()))
        };
        let money = |k: usize, signed: bool| -> Result<Decimal, FactError> {
            let s = text(k)?;
            if s.is_empty() {
                return Ok(Decimal::ZERO);
            }
            let v = Decimal::from_str(s).map_err(|_| {
                err(
                    k,
                    format!("“{s}”不是数字，请填写十进制数（如 12345.67），不要带单位或千分位逗号"),
                )
            })?;
            if !signed && v.is_sign_negative() && !v.is_zero() {
                return Err(err(k, format!("{s} 为负数，该列不能为负")));
            }
            Ok(v)
        };
        let flag = |k: usize| -> Result<bool, FactError> {
            match text(k)? {
                "" | "false" | "FALSE" | "False" | "0" | "否" => Ok(false),
                "true" | "TRUE" | "True" | "1" | "是" => Ok(true),
                other => Err(err(
                    k,
                    format!("“{other}”不是 true/false（也可写 是/否、1/0）"),
                )),
            }
        };

        let uscc_text = text(USCC)?;
        let uscc = Uscc::parse(uscc_text).map_err(|e| err(USCC, e.to_string()))?;
        let kind = match text(KIND)? {
            "" => EntityKind::Enterprise,
            other => EntityKind::parse_any(other).ok_or_else(|| {
                err(
                    KIND,
                    format!("“{other}”不是市场主体类型：应为 {}", EntityKind::ids()),
                )
            })?,
        };
        let founder_group = match text(FOUNDER_GROUP)? {
            "" => FounderGroup::None,
            other => FounderGroup::parse(other).ok_or_else(|| {
                err(
                    FOUNDER_GROUP,
                    format!("“{other}”不是创业者身份：应为 {}", FounderGroup::ids()),
                )
            })?,
        };
        let industry = match text(INDUSTRY)? {
            "" => String::new(),
            s => parse_industry(s).map_err(|m| err(INDUSTRY, m.0))?,
        };
        let registered_on = match text(REGISTERED_ON)? {
            "" => None,
            s => Some(parse_date(s).ok_or_else(|| {
                err(
                    REGISTERED_ON,
                    format!("“{s}”不是日期，请写成 YYYY-MM-DD（如 2023-04-15）"),
                )
            })?),
        };
        Ok(Facts {
            uscc: uscc.as_str().to_string(),
            name: text(NAME)?.to_string(),
            kind,
            county: text(COUNTY)?.to_string(),
            industry,
            registered_on,
            employees: money(6, false)?,
            revenue: money(7, false)?,
            total_assets: money(8, false)?,
            taxable_income: money(9, true)?,
            restricted_industry: flag(RESTRICTED)?,
            business_income: money(11, true)?,
            other_iit_relief: money(12, false)?,
            vat_small_scale: flag(VAT_SMALL_SCALE)?,
            vat_sales_q1: money(14, false)?,
            vat_sales_q2: money(15, false)?,
            vat_sales_q3: money(16, false)?,
            vat_sales_q4: money(17, false)?,
            resource_tax: money(18, false)?,
            urban_maintenance_tax: money(19, false)?,
            property_tax: money(20, false)?,
            land_use_tax: money(21, false)?,
            stamp_duty: money(22, false)?,
            farmland_occupation_tax: money(23, false)?,
            education_surcharge: money(24, false)?,
            local_education_surcharge: money(25, false)?,
            vat_due: money(26, false)?,
            iit_due: money(27, false)?,
            founder_group,
            rd_expense: money(29, false)?,
        })
    }
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

/// `YYYY-MM-DD` (also `YYYY/MM/DD`), checked as a real calendar date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || !matches!((b[4], b[7]), (b'-', b'-') | (b'/', b'/')) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &str) -> FactsHeader {
        FactsHeader::from_fields(cols.split(',').map(str::as_bytes)).unwrap()
    }

    fn row(h: &FactsHeader, line: &str) -> Result<Facts, FactError> {
        let fields: Vec<&[u8]> = line.split(',').map(str::as_bytes).collect();
        h.parse(&fields, 2)
    }

    const CODE: &str = "91341500MA2N0XXX00";

    fn valid_code() -> String {
        Uscc::from_parts("91", "341500", "MA2N0XXX")
            .unwrap()
            .as_str()
            .to_string()
    }

    #[test]
    fn columns_in_any_order_and_extra_ones_ignored() {
        let h = header("revenue,extra,uscc,kind,registered_on,taxable_income");
        let f = row(
            &h,
            &format!(
                "1234.56,whatever,{},individual_business,2023-04-01,-10",
                valid_code()
            ),
        )
        .unwrap();
        assert_eq!(f.revenue.to_string(), "1234.56");
        assert_eq!(f.kind, EntityKind::IndividualBusiness);
        assert_eq!(f.taxable_income.to_string(), "-10");
        assert_eq!(f.registered_on, NaiveDate::from_ymd_opt(2023, 4, 1));
        assert_eq!(f.vat_due, Decimal::ZERO);
    }

    #[test]
    fn errors_name_row_and_column() {
        let h = header("uscc,revenue,kind,registered_on,industry,vat_small_scale");
        let code = valid_code();
        let cases = [
            (format!("{code},12a,,,,"), "revenue", "不是数字"),
            (format!("{code},-1,,,,"), "revenue", "负数"),
            (format!("{code},1,company,,,"), "kind", "enterprise"),
            (
                format!("{code},1,,2023-02-30,,"),
                "registered_on",
                "YYYY-MM-DD",
            ),
            (format!("{code},1,,,C51,"), "industry", "不属于门类"),
            (
                format!("{code},1,,,,maybe"),
                "vat_small_scale",
                "true/false",
            ),
            (format!("{CODE},1,,,,"), "uscc", ""),
        ];
        for (line, col, msg) in cases {
            let e = row(&h, &line).unwrap_err();
            assert_eq!(e.row, Some(2));
            assert_eq!(e.column.as_deref(), Some(col), "{line}");
            assert!(e.message.contains(msg), "{line}: {e}");
            assert!(e.to_string().starts_with("第2行 列 "), "{e}");
        }
    }

    #[test]
    fn header_needs_uscc_once() {
        assert!(
            FactsHeader::from_fields(["name".as_bytes()])
                .unwrap_err()
                .message
                .contains("uscc")
        );
        assert!(FactsHeader::from_fields(["uscc".as_bytes(), b"uscc"]).is_err());
    }
}

//! Every range and length huiqi accepts, in one place (README “Ranges and limits”).
//!
//! A number or a text beyond its limit is refused at the boundary (file reader, command line,
//! web form, JSON) with a Chinese message that names the field, the limit and what to do; it
//! never reaches arithmetic that could overflow. The ranges are chosen so that every formula of
//! huiqi-rules stays far inside `Decimal` (about 7.9 × 10²⁸) and every amount in fen inside `i64`
//! (about 9.2 × 10¹⁸): the largest product a formula forms is an amount × two rates, at most
//! 10¹² × 10 × 10 = 10¹⁴, and a sum of one amount over ten million enterprises is at most 10¹⁹ 元
//! in `Decimal` (sums in fen are taken over results, which are smaller than the facts they come
//! from).
//!
//! Files read by huiqi-ingest have their own limits on size and shape (`huiqi_ingest::Limits`);
//! a cell's value then meets the ranges below.

use rust_decimal::Decimal;

use crate::text::{control_message, forbidden_control, quote, thousands};

/// The largest amount of money accepted anywhere, in 元: 1 万亿元 (10¹²). An enterprise's
/// revenue, assets, taxable income and taxes, a grant, a fund entry, an award pool. China's
/// largest enterprises report revenue of about 3 万亿元 a year for the whole group; no small,
/// medium or large enterprise registered in one city approaches 1 万亿元. Signed amounts
/// (应纳税所得额 may be a loss) are accepted down to −10¹².
pub const MONEY_MAX_YUAN: i64 = 1_000_000_000_000;

/// The largest headcount or count of people accepted (从业人数, 参训人数): ten million.
pub const COUNT_MAX: i64 = 10_000_000;

/// The largest value of a 日常调度 report or a jurisdiction's share of a target (in the target's
/// unit: 户, 亿元, %, …): 10¹², at most 4 decimals.
pub const REPORT_VALUE_MAX: i64 = 1_000_000_000_000;

/// A what-if parameter that is a rate or a share (every value in the pack at most 1, such as
/// 0.25 for 25%) may be set from 0 to 10 (1000%).
pub const RATE_PARAM_MAX: i64 = 10;

/// Any other what-if parameter (an amount in 元, a number of months or people) may be set from 0
/// to [`MONEY_MAX_YUAN`].
pub const PARAM_MAX: i64 = MONEY_MAX_YUAN;

/// The longest name (企业名称, 培训名称, a person's or account's display name, a project): 100
/// characters.
pub const NAME_MAX_CHARS: usize = 100;

/// The longest note (报送说明, 督办要求, 进展, 理由, …): 500 characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// The longest text of a 督办 report's 工作进展 or 采取的措施 (a 典型案例 is written there): 4,000
/// characters.
pub const REPORT_TEXT_MAX_CHARS: usize = 4_000;

/// The longest file name given for an attachment: 200 characters.
pub const ATTACHMENT_NAME_MAX_CHARS: usize = 200;

/// The longest search text (企业库 and 政策清单 search boxes): 100 characters.
pub const SEARCH_MAX_CHARS: usize = 100;

/// A value refused by a limit; the message is Chinese and says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LimitError(pub String);

/// One row of the ranges table (README), for documentation and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// What the range applies to (Chinese).
    pub what: &'static str,
    pub min: i64,
    pub max: i64,
    pub unit: &'static str,
}

/// The numeric ranges, as the README lists them.
pub const RANGES: &[Range] = &[
    Range {
        what: "金额（企业事实、兑现金额、奖补资金、奖补资金池）",
        min: 0,
        max: MONEY_MAX_YUAN,
        unit: "元",
    },
    Range {
        what: "可为负的金额（应纳税所得额、经营所得应纳税所得额）",
        min: -MONEY_MAX_YUAN,
        max: MONEY_MAX_YUAN,
        unit: "元",
    },
    Range {
        what: "人数（从业人数、参训人数）",
        min: 0,
        max: COUNT_MAX,
        unit: "人",
    },
    Range {
        what: "日常调度完成值、目标分解值",
        min: 0,
        max: REPORT_VALUE_MAX,
        unit: "指标单位",
    },
    Range {
        what: "政策沙盘参数：税率、比例",
        min: 0,
        max: RATE_PARAM_MAX,
        unit: "（1 为 100%）",
    },
    Range {
        what: "政策沙盘参数：其他（金额、月数、人数）",
        min: 0,
        max: PARAM_MAX,
        unit: "参数单位",
    },
];

fn big(v: i64) -> String {
    let s = thousands(v.unsigned_abs());
    if v < 0 { format!("-{s}") } else { s }
}

/// Checks that `v` lies in `[min, max]`; the message names `what` (a field, with its unit).
pub fn check_range(
    what: &str,
    v: Decimal,
    min: i64,
    max: i64,
    unit: &str,
) -> Result<(), LimitError> {
    if v > Decimal::from(max) {
        return Err(LimitError(format!(
            "{what}“{}”超出上限 {}{unit}，请核对数值与单位",
            quote(&v.to_string()),
            big(max)
        )));
    }
    if v < Decimal::from(min) {
        return Err(LimitError(if min == 0 {
            format!("{what}不能为负：“{}”", quote(&v.to_string()))
        } else {
            format!(
                "{what}“{}”低于下限 {}{unit}，请核对数值与单位",
                quote(&v.to_string()),
                big(min)
            )
        }));
    }
    Ok(())
}

/// An amount in 元: within ±[`MONEY_MAX_YUAN`] when `signed`, else within 0..=[`MONEY_MAX_YUAN`].
pub fn check_money(what: &str, v: Decimal, signed: bool) -> Result<(), LimitError> {
    let min = if signed { -MONEY_MAX_YUAN } else { 0 };
    check_range(what, v, min, MONEY_MAX_YUAN, " 元")
}

/// An amount in fen (as the registry stores it) within the money range.
pub fn check_fen(what: &str, fen: i64, signed: bool) -> Result<(), LimitError> {
    check_money(what, Decimal::new(fen, 2), signed)
}

/// A count of people: 0..=[`COUNT_MAX`].
pub fn check_count(what: &str, v: Decimal) -> Result<(), LimitError> {
    check_range(what, v, 0, COUNT_MAX, " 人")
}

/// A 日常调度 value (report or allocation): 0..=[`REPORT_VALUE_MAX`].
pub fn check_report_value(what: &str, v: Decimal) -> Result<(), LimitError> {
    check_range(what, v, 0, REPORT_VALUE_MAX, "")
}

/// A what-if value of a parameter; `rate` when the parameter is a rate or share.
pub fn check_param(id: &str, v: Decimal, rate: bool) -> Result<(), LimitError> {
    let max = if rate { RATE_PARAM_MAX } else { PARAM_MAX };
    let what = if rate {
        format!("参数 {id}（税率或比例，1 为 100%）的模拟值")
    } else {
        format!("参数 {id} 的模拟值")
    };
    check_range(&what, v, 0, max, "")
}

/// A single-line text of at most `max` characters without control characters; `what` names the
/// field. `s` is already trimmed.
pub fn check_text(what: &str, s: &str, max: usize) -> Result<(), LimitError> {
    let chars = s.chars().count();
    if chars > max {
        return Err(LimitError(format!(
            "{what}有 {} 个字，超过上限 {max} 个字，请删减后重填",
            thousands(chars as u64)
        )));
    }
    if let Some((i, c)) = forbidden_control(s) {
        return Err(LimitError(format!("{what}：{}", control_message(i, c))));
    }
    Ok(())
}

/// A name (企业名称, 姓名, 项目名称…): at most [`NAME_MAX_CHARS`] characters on one line, without
/// control characters.
pub fn check_name_field(what: &str, s: &str) -> Result<(), LimitError> {
    check_text(what, s, NAME_MAX_CHARS)?;
    if s.contains(['\n', '\r', '\t']) {
        return Err(LimitError(format!("{what}中有换行符或制表符，请改为一行")));
    }
    Ok(())
}

/// A note: at most [`NOTE_MAX_CHARS`] characters, line breaks allowed, no other control
/// characters.
pub fn check_note(what: &str, s: &str) -> Result<(), LimitError> {
    check_text(what, s, NOTE_MAX_CHARS)
}

/// A search text: at most [`SEARCH_MAX_CHARS`] characters, no control characters.
pub fn check_search(s: &str) -> Result<(), LimitError> {
    check_text("搜索内容", s, SEARCH_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_refuse_beyond_and_accept_at_the_limit() {
        let max = Decimal::from(MONEY_MAX_YUAN);
        assert!(check_money("营业收入", max, false).is_ok());
        let e = check_money("营业收入", max + Decimal::new(1, 2), false).unwrap_err();
        assert!(
            e.0.contains("营业收入") && e.0.contains("1,000,000,000,000"),
            "{e}"
        );
        assert!(check_money("应纳税所得额", -max, true).is_ok());
        assert!(check_money("应纳税所得额", -max - Decimal::ONE, true).is_err());
        assert!(
            check_money("营业收入", Decimal::NEGATIVE_ONE, false)
                .unwrap_err()
                .0
                .contains("不能为负")
        );
        assert!(check_money("x", Decimal::MAX, true).is_err());
        assert!(check_money("x", Decimal::MIN, true).is_err());
        assert!(check_param("cit.statutory_rate", Decimal::from(10), true).is_ok());
        assert!(check_param("cit.statutory_rate", Decimal::from(11), true).is_err());
        assert!(check_report_value("完成值", Decimal::MAX).is_err());
        assert!(check_fen("金额", i64::MAX, false).is_err());
    }

    #[test]
    fn texts_have_lengths_and_no_controls() {
        assert!(check_note("说明", &"字".repeat(500)).is_ok());
        assert!(
            check_note("说明", &"字".repeat(501))
                .unwrap_err()
                .0
                .contains("501")
        );
        assert!(check_note("说明", "第一行\n第二行").is_ok());
        assert!(check_note("说明", "a\0b").unwrap_err().0.contains("U+0000"));
        assert!(check_search(&"a".repeat(100)).is_ok());
        assert!(check_search(&"a".repeat(101)).is_err());
        assert!(check_name_field("姓名", "甲\n乙").is_err());
        assert!(check_name_field("姓名", &"名".repeat(100)).is_ok());
    }
}

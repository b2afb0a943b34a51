//! Amounts in 元 as exact decimals, their fen, and how they are written for people (千分位).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// An amount of 元 as integer fen: refused if negative-signed where not allowed by the caller, if it
/// has more than two decimals, or if it does not fit.
pub fn to_fen(yuan: Decimal) -> Option<i64> {
    let scaled = yuan.checked_mul(Decimal::ONE_HUNDRED)?;
    if scaled.fract() != Decimal::ZERO {
        return None;
    }
    scaled.to_i64()
}

/// Integer fen as 元.
pub fn from_fen(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// `1234567.8` → `1,234,567.80` (two decimals, thousands separated).
pub fn yuan(amount: Decimal) -> String {
    grouped(amount.round_dp(2), 2)
}

/// A decimal with `dp` decimals and thousands separators.
pub fn grouped(value: Decimal, dp: u32) -> String {
    let v = value.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let s = format!("{:.*}", dp as usize, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if v.is_sign_negative() && !v.is_zero() {
        format!("-{out}")
    } else {
        out
    }
}

/// A fraction as a percentage with one decimal (`0.8765` → `87.7%`), half-up.
pub fn pct(fraction: Decimal) -> String {
    let p = (fraction * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    format!("{p:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fen_and_grouping() {
        assert_eq!(to_fen(dec!(12.34)), Some(1234));
        assert_eq!(to_fen(dec!(12.345)), None);
        assert_eq!(from_fen(123456789), dec!(1234567.89));
        assert_eq!(yuan(dec!(1234567.8)), "1,234,567.80");
        assert_eq!(yuan(dec!(0)), "0.00");
        assert_eq!(yuan(dec!(-1000)), "-1,000.00");
        assert_eq!(yuan(dec!(999.995)), "1,000.00");
        assert_eq!(grouped(dec!(85.5), 2), "85.50");
        assert_eq!(pct(dec!(0.8765)), "87.7%");
        assert_eq!(pct(dec!(1)), "100.0%");
    }
}

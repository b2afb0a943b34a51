//! Amounts in 元 written for people (千分位, two decimals).

use rust_decimal::{Decimal, RoundingStrategy};

/// `1234567.8` → `1,234,567.80`.
pub fn yuan(amount: Decimal) -> String {
    let v = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let s = format!("{:.2}", v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), "00"));
    let mut out = String::new();
    if v.is_sign_negative() && !v.is_zero() {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push('.');
    out.push_str(frac);
    out
}

/// Integer fen as 元.
pub fn from_fen(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// 元 as integer fen, `None` with more than two decimals or out of range.
pub fn to_fen(yuan: Decimal) -> Option<i64> {
    let scaled = yuan * Decimal::ONE_HUNDRED;
    if !scaled.fract().is_zero() {
        return None;
    }
    rust_decimal::prelude::ToPrimitive::to_i64(&scaled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped() {
        assert_eq!(yuan(Decimal::new(123456780, 2)), "1,234,567.80");
        assert_eq!(yuan(Decimal::new(15000, 0)), "15,000.00");
        assert_eq!(yuan(Decimal::ZERO), "0.00");
        assert_eq!(yuan(Decimal::new(-5, 1)), "-0.50");
        assert_eq!(to_fen(Decimal::new(1234, 3)), None);
        assert_eq!(to_fen(Decimal::new(1234, 2)), Some(1234));
    }
}

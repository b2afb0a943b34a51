//! Numbers as people read them, the one place pages (and the CLI's tables) format a figure:
//! counts with 千分位 and no decimals, amounts with 千分位 and 元, large sums in 万元/亿元 with the
//! exact figure beside them (for a `title` attribute or an export), percentages rounded once,
//! half away from zero, from the exact fraction.

use rust_decimal::{Decimal, RoundingStrategy};

/// Inserts 千分位 commas into a string of digits (no sign, no point).
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A decimal rounded once (half away from zero) to `dp` places, with 千分位 in its integer part.
pub fn fixed(d: Decimal, dp: u32) -> String {
    let r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", dp as usize, r.abs());
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let sign = if r.is_sign_negative() && !r.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{}", group(int))
    } else {
        format!("{sign}{}.{frac}", group(int))
    }
}

/// A count: 千分位, no decimals (`1,048,576`).
pub fn count(n: i64) -> String {
    let g = group(&n.unsigned_abs().to_string());
    if n < 0 { format!("-{g}") } else { g }
}

/// A count held as a decimal (a number of people on file as `12.00`): rounded once to a whole
/// number, 千分位.
pub fn count_dec(d: Decimal) -> String {
    fixed(d, 0)
}

/// A figure with its unit as a target reads it: 千分位, exact to at most four decimals, `%`
/// written on, any other unit after a space (`15,000 户`, `3%`, `245 亿元`).
pub fn with_unit(d: Decimal, unit: &str) -> String {
    let n = d.normalize();
    let text = fixed(n, n.scale().min(4));
    match unit {
        "%" => format!("{text}%"),
        "" => text,
        u => format!("{text} {u}"),
    }
}

/// An amount in 元 to the fen, 千分位, without the unit (for a column headed “（元）”).
pub fn amount(d: Decimal) -> String {
    fixed(d, 2)
}

/// An amount with its unit: `161,594,857.31 元`.
pub fn yuan(d: Decimal) -> String {
    format!("{} 元", amount(d))
}

/// A sum as a reader takes it in: from 1 亿元 up in 亿元, from 1 万元 up in 万元 (two decimals,
/// rounded once), below that in 元; `exact` is the figure to the fen for a `title` attribute or
/// an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Large {
    pub short: String,
    pub exact: String,
}

/// A large sum in 万元/亿元 with its exact figure.
pub fn large(yuan_amount: Decimal) -> Large {
    let yi = Decimal::from(100_000_000);
    let wan = Decimal::from(10_000);
    let abs = yuan_amount.abs();
    let short = if abs >= yi {
        format!("{} 亿元", fixed(yuan_amount / yi, 2))
    } else if abs >= wan {
        format!("{} 万元", fixed(yuan_amount / wan, 2))
    } else {
        yuan(yuan_amount)
    };
    Large {
        short,
        exact: yuan(yuan_amount),
    }
}

/// A fraction as a percentage with one decimal, rounded once from the exact fraction
/// (15/19 → `78.9%`).
pub fn percent(fraction: Decimal) -> String {
    format!("{}%", fixed(fraction * Decimal::ONE_HUNDRED, 1))
}

/// [`percent`], or `—` when there is no figure.
pub fn percent_or_dash(fraction: Option<Decimal>) -> String {
    fraction.map_or_else(|| "—".to_string(), percent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn counts_amounts_and_sums() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_048_576), "1,048,576");
        assert_eq!(count(-12_345), "-12,345");
        assert_eq!(count_dec(d("12.00")), "12");
        assert_eq!(count_dec(d("1234.5")), "1,235");
        assert_eq!(amount(d("161594857.31")), "161,594,857.31");
        assert_eq!(amount(d("0.005")), "0.01");
        assert_eq!(amount(d("-1234.5")), "-1,234.50");
        assert_eq!(yuan(d("300000")), "300,000.00 元");
        let l = large(d("161594857.31"));
        assert_eq!(l.short, "1.62 亿元");
        assert_eq!(l.exact, "161,594,857.31 元");
        assert_eq!(large(d("24000")).short, "2.40 万元");
        assert_eq!(large(d("9999.99")).short, "9,999.99 元");
    }

    #[test]
    fn targets_read_with_their_unit() {
        assert_eq!(with_unit(d("15000"), "户"), "15,000 户");
        assert_eq!(with_unit(d("245.00"), "亿元"), "245 亿元");
        assert_eq!(with_unit(d("3"), "%"), "3%");
        assert_eq!(with_unit(d("2.50"), "%"), "2.5%");
        assert_eq!(with_unit(d("1000"), ""), "1,000");
    }

    #[test]
    fn a_percentage_is_rounded_once_from_the_exact_fraction() {
        // 15/19 = 0.789473…: rounding to 0.7895 first and then to one decimal would give 79.0%.
        let f = Decimal::from(15) / Decimal::from(19);
        assert_eq!(percent(f), "78.9%");
        assert_eq!(percent(d("0.7895")), "79.0%");
        assert_eq!(percent(d("0.12345")), "12.3%");
        assert_eq!(percent(d("0.00005")), "0.0%");
        assert_eq!(percent(d("0.00051")), "0.1%");
        assert_eq!(percent(Decimal::ONE), "100.0%");
        assert_eq!(percent_or_dash(None), "—");
    }
}

//! Duplicate detection: the same enterprise and category with a similar text within the window
//! (30 days by default) is linked to the open problem instead of counted twice. Similarity is the
//! Dice coefficient of the two texts' character bigrams after dropping whitespace and punctuation
//! (Chinese text has no spaces; bigrams are what a reader sees as the same phrase).

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A problem a new one may duplicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub id: i64,
    pub enterprise: &'a str,
    pub category: &'a str,
    pub received_on: NaiveDate,
    pub description: &'a str,
    pub open: bool,
}

fn normalise(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn bigrams(text: &str) -> HashMap<(char, char), u32> {
    let cs = normalise(text);
    let mut m = HashMap::new();
    if cs.len() == 1 {
        *m.entry((cs[0], '\0')).or_insert(0) += 1;
    }
    for w in cs.windows(2) {
        *m.entry((w[0], w[1])).or_insert(0) += 1;
    }
    m
}

/// The similarity of two texts, 0–1, rounded to 4 decimals (exact: integer counts).
pub fn similarity(a: &str, b: &str) -> Decimal {
    let (x, y) = (bigrams(a), bigrams(b));
    let total: u32 = x.values().sum::<u32>() + y.values().sum::<u32>();
    if total == 0 {
        return Decimal::ZERO;
    }
    let common: u32 = x
        .iter()
        .map(|(k, n)| (*n).min(*y.get(k).unwrap_or(&0)))
        .sum();
    (Decimal::from(2 * common) / Decimal::from(total)).round_dp(4)
}

/// The open problem a new one duplicates, if any: same enterprise and category, received at most
/// `window_days` days before `on`, similarity at least `threshold`; the most similar (then the
/// oldest) wins.
pub fn find_duplicate(
    enterprise: &str,
    category: &str,
    on: NaiveDate,
    description: &str,
    candidates: &[Candidate<'_>],
    window_days: u32,
    threshold: Decimal,
) -> Option<(i64, Decimal)> {
    candidates
        .iter()
        .filter(|c| c.open && c.enterprise == enterprise && c.category == category)
        .filter(|c| {
            let age = (on - c.received_on).num_days();
            (0..=i64::from(window_days)).contains(&age)
        })
        .map(|c| (c.id, c.received_on, similarity(description, c.description)))
        .filter(|(_, _, s)| *s >= threshold)
        .max_by(|a, b| a.2.cmp(&b.2).then(b.1.cmp(&a.1)))
        .map(|(id, _, s)| (id, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::prelude::FromStr;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn similarity_of_chinese_texts() {
        assert_eq!(similarity("申请贷款被拒", "申请贷款被拒"), Decimal::ONE);
        assert_eq!(similarity("abc", "xyz"), Decimal::ZERO);
        assert_eq!(similarity("", ""), Decimal::ZERO);
        let s = similarity(
            "厂房租金补贴申请后三个月未到账",
            "厂房租金补贴申请三个月了还未到账！",
        );
        assert!(s >= Decimal::from_str("0.6").unwrap(), "{s}");
        let t = similarity("厂房租金补贴未到账", "招工难，缺少熟练焊工");
        assert!(t < Decimal::from_str("0.2").unwrap(), "{t}");
    }

    #[test]
    fn duplicates_within_the_window_only() {
        let th = Decimal::from_str("0.6").unwrap();
        let c = |id, on: &str, open, cat: &'static str| Candidate {
            id,
            enterprise: "E1",
            category: cat,
            received_on: d(on),
            description: "厂房租金补贴申请后三个月未到账",
            open,
        };
        let text = "厂房租金补贴申请三个月了还未到账";
        let cands = [
            c(1, "2026-01-01", true, "financing"),
            c(2, "2026-03-01", true, "financing"),
            c(3, "2026-03-10", false, "financing"),
            c(4, "2026-03-10", true, "other"),
        ];
        let got = find_duplicate("E1", "financing", d("2026-03-20"), text, &cands, 30, th);
        assert_eq!(got.map(|g| g.0), Some(2));
        // Beyond 30 days: not a duplicate.
        let got = find_duplicate("E1", "financing", d("2026-04-05"), text, &cands, 30, th);
        assert_eq!(got, None);
        // Another enterprise: not a duplicate.
        assert_eq!(
            find_duplicate("E2", "financing", d("2026-03-20"), text, &cands, 30, th),
            None
        );
        // A different text: not a duplicate.
        assert_eq!(
            find_duplicate("E1", "financing", d("2026-03-20"), "招工难", &cands, 30, th),
            None
        );
    }
}

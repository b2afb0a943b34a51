//! 小升规: the 四上 revenue lines by industry (`policies/cn/cultivate/above_scale.yaml`) and the
//! candidate rule — an enterprise not yet 四上 whose revenue is at least `candidate_share` (80%)
//! of its industry's line and below it.

use chrono::NaiveDate;
use huiqi_policy::model::exact_decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::CultivateError;

/// One 四上 line: the industries it covers and its revenue threshold.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub id: String,
    pub title: String,
    /// GB/T 4754 code prefixes; the longest matching prefix (over lines and exclusions) wins.
    pub codes: Vec<String>,
    /// Revenue threshold in 元 (inclusive).
    #[serde(deserialize_with = "exact_decimal")]
    pub revenue: Decimal,
    #[serde(rename = "ref")]
    pub reference: String,
}

/// Industries that have no revenue line (资质等级建筑业, 房地产开发经营).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Excluded {
    pub codes: Vec<String>,
    pub reason: String,
}

/// The lines, checked.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Lines {
    pub document: String,
    pub from: NaiveDate,
    #[serde(deserialize_with = "exact_decimal")]
    pub candidate_share: Decimal,
    pub lines: Vec<Line>,
    pub excluded: Vec<Excluded>,
}

/// A revenue window of one code prefix (the store's pre-filter), in 元.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub prefix: String,
    pub from: Decimal,
    pub below: Decimal,
}

/// Where an industry code falls.
#[derive(Debug, Clone, Copy)]
pub enum Reading<'a> {
    Line(&'a Line),
    Excluded(&'a Excluded),
    /// No 四上 line covers it (农林牧渔, 金融, 公共管理…).
    None,
}

/// One candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The line used (its id).
    pub line: String,
    pub threshold: Decimal,
    /// threshold − revenue (元, > 0).
    pub gap: Decimal,
}

impl Lines {
    /// Parses and checks the file: prefixes are section letters or codes of the section, unique
    /// over lines and exclusions; thresholds positive; the share in (0, 1].
    pub fn load(file: &str, text: &str) -> Result<Lines, CultivateError> {
        let bad = |m: String| CultivateError::Data {
            file: file.to_string(),
            message: m,
        };
        let l: Lines = yaml_serde::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("第{}行：", l.line()))
                .unwrap_or_default();
            bad(format!("{at}{e}"))
        })?;
        if l.candidate_share <= Decimal::ZERO || l.candidate_share > Decimal::ONE {
            return Err(bad(format!(
                "candidate_share 须在 0 与 1 之间（现 {}）",
                l.candidate_share
            )));
        }
        let mut seen = std::collections::HashSet::new();
        let codes = l
            .lines
            .iter()
            .flat_map(|x| x.codes.iter())
            .chain(l.excluded.iter().flat_map(|x| x.codes.iter()));
        for c in codes {
            huiqi_domain::industry::parse_industry(c)
                .map_err(|e| bad(format!("行业代码 {c}：{e}")))?;
            if !seen.insert(c.as_str()) {
                return Err(bad(format!("行业代码 {c} 重复")));
            }
        }
        for x in &l.lines {
            if x.revenue <= Decimal::ZERO {
                return Err(bad(format!("{}：营业收入门槛须大于 0", x.id)));
            }
        }
        Ok(l)
    }

    /// The built-in lines.
    pub fn builtin() -> Lines {
        let (label, text) = crate::data::builtin_file("above_scale.yaml").expect("built in");
        Lines::load(&label, text).expect("the built-in lines are checked by the tests")
    }

    /// The line, exclusion or nothing that an industry code falls under (longest prefix).
    pub fn reading(&self, industry: &str) -> Reading<'_> {
        let mut best: (usize, Reading) = (0, Reading::None);
        for x in &self.lines {
            for c in &x.codes {
                if industry.starts_with(c.as_str()) && c.len() > best.0 {
                    best = (c.len(), Reading::Line(x));
                }
            }
        }
        for x in &self.excluded {
            for c in &x.codes {
                if industry.starts_with(c.as_str()) && c.len() > best.0 {
                    best = (c.len(), Reading::Excluded(x));
                }
            }
        }
        best.1
    }

    /// The store's pre-filter: for every code prefix of every line, the revenue window
    /// `[threshold × share, threshold)` in 元. A superset of the candidates: an enterprise whose
    /// longest matching prefix belongs to a line also matches that prefix here, with the same window;
    /// [`Lines::candidate`] then decides exactly (longest prefix, exclusions).
    pub fn windows(&self) -> Vec<Window> {
        self.lines
            .iter()
            .flat_map(|x| {
                x.codes.iter().map(|code| Window {
                    prefix: code.clone(),
                    from: x.revenue * self.candidate_share,
                    below: x.revenue,
                })
            })
            .collect()
    }

    /// Whether an enterprise (not yet 四上) with this industry and revenue is a candidate.
    pub fn candidate(&self, industry: &str, revenue: Decimal) -> Option<Candidate> {
        match self.reading(industry) {
            Reading::Line(x)
                if revenue < x.revenue && revenue >= x.revenue * self.candidate_share =>
            {
                Some(Candidate {
                    line: x.id.clone(),
                    threshold: x.revenue,
                    gap: x.revenue - revenue,
                })
            }
            _ => None,
        }
    }

    /// A line by id.
    pub fn line(&self, id: &str) -> Option<&Line> {
        self.lines.iter().find(|x| x.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn edges_and_longest_prefix() {
        let l = Lines::builtin();
        assert_eq!(
            l.candidate("C3311", d("16000000")).unwrap().gap,
            d("4000000")
        );
        assert!(l.candidate("C3311", d("15999999.99")).is_none());
        assert!(l.candidate("C3311", d("20000000")).is_none());
        assert_eq!(
            l.candidate("F5211", d("4999999.99")).unwrap().line,
            "retail"
        );
        assert_eq!(
            l.candidate("K7020", d("9000000")).unwrap().line,
            "services_10m"
        );
        assert!(matches!(l.reading("K7010"), Reading::Excluded(_)));
        assert!(matches!(l.reading("E4710"), Reading::Excluded(_)));
        assert!(matches!(l.reading("A0111"), Reading::None));
        assert!(l.candidate("E4710", d("19000000")).is_none());
        assert_eq!(
            l.candidate("Q8411", d("19000000")).unwrap().line,
            "services_20m"
        );
        assert_eq!(
            l.candidate("Q8510", d("4500000")).unwrap().line,
            "services_5m"
        );
    }

    #[test]
    fn bad_files_are_refused() {
        let e = Lines::load(
            "x.yaml",
            "document: d\nfrom: 2020-01-01\ncandidate_share: \"1.5\"\nlines: []\nexcluded: []\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("candidate_share"), "{e}");
        let e = Lines::load(
            "x.yaml",
            "document: d\nfrom: 2020-01-01\ncandidate_share: \"0.8\"\nlines:\n  - { id: a, title: t, codes: [C, C], revenue: \"1\", ref: r }\nexcluded: []\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("重复"), "{e}");
    }
}

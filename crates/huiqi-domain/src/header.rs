//! Header cells as offices write them, matched to huiqi's columns: the English name, the Chinese
//! header of the template, or one of its common aliases ([`ALIASES`], the one table shown in every
//! template's explanation sheet). Spaces and line breaks inside a header, full-width letters and a
//! bracketed note after it (`成立日期（年-月-日）`, `营业收入（元）`) do not matter; a unit other
//! than 元 in the note of an amount (`营业收入（万元）`) is refused, never converted silently.

use crate::registry::{Column, FieldType};
use crate::text::{quote, to_halfwidth};

/// Other Chinese headers accepted for a column, keyed by the column's template header (`zh`).
/// Department exports name the same thing differently (市场监管: 企业名称, 税务: 纳税人名称); each
/// alias belongs to one column only.
pub const ALIASES: &[(&str, &[&str])] = &[
    (
        "统一社会信用代码",
        &["社会信用代码", "信用代码", "统一代码", "纳税人识别号"],
    ),
    (
        "名称",
        &[
            "企业名称",
            "市场主体名称",
            "主体名称",
            "单位名称",
            "纳税人名称",
            "企业(单位)名称",
        ],
    ),
    ("市场主体类型", &["主体类型"]),
    (
        "所属辖区",
        &["辖区", "所属县区", "县区", "所在县区", "所属区县"],
    ),
    (
        "辖区",
        &["所属辖区", "所属县区", "县区", "所在县区", "所属区县"],
    ),
    ("行业代码", &["国民经济行业代码", "行业分类代码"]),
    ("成立日期", &["注册日期", "设立日期"]),
    ("登记状态", &["经营状态", "企业状态"]),
    ("联系人", &["联系人姓名"]),
    ("联系电话", &["电话", "联系方式", "手机号码"]),
    ("营业收入", &["年营业收入"]),
    ("资产总额", &["资产总计"]),
    ("从业人数", &["从业人员", "从业人员数", "从业人员平均人数"]),
    ("规模以上（四上）", &["规模以上", "是否规上", "四上企业"]),
    ("本年新增贷款", &["新增贷款"]),
    ("首贷户", &["是否首贷户"]),
    ("认定日期", &["认定时间"]),
    ("证书编号", &["证书号"]),
    ("场次编号", &["培训编号"]),
    ("日期", &["培训日期", "举办日期"]),
    ("主办单位", &["承办单位"]),
    ("参训人数", &["培训人数"]),
];

/// The aliases of a column (none for most).
pub fn aliases(column: &Column) -> &'static [&'static str] {
    ALIASES
        .iter()
        .find(|(zh, _)| *zh == column.zh)
        .map_or(&[], |(_, a)| a)
}

/// A header cell as compared: BOM, spaces (also U+3000) and line breaks removed, full-width ASCII
/// made half-width (so `（` is `(`), `【】` as `[]`, ASCII letters in lower case.
pub fn normalise(raw: &str) -> String {
    to_halfwidth(raw.trim_start_matches('\u{feff}'))
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '【' => '[',
            '】' => ']',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// How a header cell matched a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// Index into the columns searched.
    pub index: usize,
    /// A bracketed note after the name (`年-月-日` of `成立日期（年-月-日）`), if one was dropped.
    pub note: Option<String>,
}

fn names(column: &Column) -> impl Iterator<Item = &'static str> {
    [column.name, column.zh]
        .into_iter()
        .chain(aliases(column).iter().copied())
}

/// `text` without one trailing bracketed note: `("成立日期", "年-月-日")`.
fn split_note(text: &str) -> Option<(&str, &str)> {
    let close = text.chars().last()?;
    let open = match close {
        ')' => '(',
        ']' => '[',
        _ => return None,
    };
    let start = text.rfind(open)?;
    let base = &text[..start];
    let note = &text[start + open.len_utf8()..text.len() - close.len_utf8()];
    (!base.is_empty()).then_some((base, note))
}

/// The names of some columns (English, Chinese, aliases), normalised once, to match many header
/// cells against.
pub struct Names {
    /// (column index, normalised name, name as written).
    names: Vec<(usize, String, &'static str)>,
}

impl Names {
    pub fn new(columns: &[&Column]) -> Names {
        Names {
            names: columns
                .iter()
                .enumerate()
                .flat_map(|(i, c)| names(c).map(move |n| (i, normalise(n), n)))
                .collect(),
        }
    }

    fn exact(&self, norm: &str) -> Option<usize> {
        self.names
            .iter()
            .find(|(_, n, _)| n == norm)
            .map(|(i, _, _)| *i)
    }

    /// Which column the header cell `raw` names: exactly, or after dropping bracketed notes one
    /// by one from the end (`应纳个人所得税（经营所得）（元）`).
    pub fn find(&self, raw: &str) -> Option<Matched> {
        let norm = normalise(raw);
        if norm.is_empty() {
            return None;
        }
        if let Some(index) = self.exact(&norm) {
            return Some(Matched { index, note: None });
        }
        let mut text = norm.as_str();
        let mut notes = Vec::new();
        while let Some((base, note)) = split_note(text) {
            notes.insert(0, note);
            if let Some(index) = self.exact(base) {
                return Some(Matched {
                    index,
                    note: Some(notes.join("、")),
                });
            }
            text = base;
        }
        None
    }

    /// The known name closest to an unknown header (Levenshtein distance on characters, at most
    /// half its length), for “是不是 …？”. Returns the name as the user would write it.
    pub fn suggest(&self, raw: &str) -> Option<&'static str> {
        let norm = normalise(raw);
        let base = split_note(&norm).map_or(norm.as_str(), |(b, _)| b);
        if base.chars().count() > 100 {
            return None;
        }
        let mut best: Option<(usize, &'static str)> = None;
        for (_, n, written) in &self.names {
            let d = strsim::levenshtein(base, n);
            let len = n.chars().count().max(base.chars().count());
            if d * 2 <= len && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, *written));
            }
        }
        best.map(|(_, n)| n)
    }
}

/// Which of `columns` the header cell `raw` names (see [`Names::find`]).
pub fn find(columns: &[&Column], raw: &str) -> Option<Matched> {
    Names::new(columns).find(raw)
}

/// A note that gives an amount in another unit than 元 (`万元`, `千元`, `亿元`): such a column must
/// be converted to 元 by the sender, since huiqi never rescales an amount it was given.
pub fn unit_problem(column: &Column, raw: &str, note: &str) -> Option<String> {
    if !matches!(column.ty, FieldType::Money | FieldType::SignedMoney) {
        return None;
    }
    let unit = ["万元", "千元", "亿元", "万", "千", "亿"]
        .into_iter()
        .find(|u| note.contains(u))?;
    Some(format!(
        "列“{}”的金额单位是{unit}：huiqi 的金额一律以元为单位，请把该列换算成元，列名改为“{}”",
        quote(raw.trim()),
        column.zh
    ))
}

/// The known name of `columns` closest to an unknown header (see [`Names::suggest`]).
pub fn suggest(columns: &[&Column], raw: &str) -> Option<&'static str> {
    Names::new(columns).suggest(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::ListSource;
    use crate::registry::{Source, USCC_COLUMN};

    fn market() -> Vec<&'static Column> {
        std::iter::once(&USCC_COLUMN)
            .chain(Source::Market.columns())
            .collect()
    }

    #[test]
    fn headers_match_by_name_chinese_alias_and_with_notes() {
        let cols = market();
        let idx = |raw: &str| find(&cols, raw).map(|m| cols[m.index].name);
        assert_eq!(idx("uscc"), Some("uscc"));
        assert_eq!(idx(" USCC\u{3000}"), Some("uscc"));
        assert_eq!(idx("\u{feff}统一社会信用代码"), Some("uscc"));
        assert_eq!(idx("企业名称"), Some("name"));
        assert_eq!(idx("市场主体名称"), Some("name"));
        assert_eq!(idx("企业（单位）名称"), Some("name"));
        assert_eq!(idx("成立日期（年-月-日）"), Some("registered_on"));
        assert_eq!(idx("成立日期\n(yyyy-mm-dd)"), Some("registered_on"));
        assert_eq!(idx("成立 日期【必填】"), Some("registered_on"));
        assert_eq!(idx("ｎａｍｅ"), Some("name"));
        assert_eq!(idx("备注"), None);
        assert_eq!(
            find(&cols, "成立日期（年-月-日）").unwrap().note.as_deref(),
            Some("年-月-日")
        );
    }

    #[test]
    fn brackets_that_belong_to_the_header_are_kept() {
        let cols: Vec<&Column> = Source::Tax
            .columns()
            .chain(Source::Stats.columns())
            .collect();
        let name = |raw: &str| find(&cols, raw).map(|m| cols[m.index].name);
        assert_eq!(name("规模以上（四上）"), Some("above_scale"));
        assert_eq!(name("规模以上"), Some("above_scale"));
        assert_eq!(name("应纳个人所得税（经营所得）"), Some("iit_due"));
        assert_eq!(name("应纳个人所得税（经营所得）（元）"), Some("iit_due"));
        assert_eq!(name("营业收入（元）"), Some("revenue"));
    }

    #[test]
    fn other_units_than_yuan_are_refused() {
        let cols: Vec<&Column> = Source::Tax.columns().collect();
        let m = find(&cols, "营业收入（万元）").unwrap();
        let msg = unit_problem(
            cols[m.index],
            "营业收入（万元）",
            m.note.as_deref().unwrap(),
        );
        assert!(msg.unwrap().contains("万元"));
        let m = find(&cols, "营业收入（元）").unwrap();
        assert_eq!(
            unit_problem(cols[m.index], "", m.note.as_deref().unwrap()),
            None
        );
    }

    #[test]
    fn misspellings_get_the_closest_name() {
        let cols: Vec<&Column> = std::iter::once(&USCC_COLUMN)
            .chain(Source::Facts.columns())
            .collect();
        assert_eq!(suggest(&cols, "revenu"), Some("revenue"));
        assert_eq!(suggest(&cols, "taxable_incom"), Some("taxable_income"));
        assert_eq!(suggest(&cols, "营业收人"), Some("营业收入"));
        assert_eq!(suggest(&cols, "名字"), Some("名称"));
        assert_eq!(suggest(&cols, "zzzzzzzz"), None);
    }

    #[test]
    fn every_name_and_alias_names_one_column_per_source() {
        let mut all: Vec<Vec<&Column>> = Source::ALL
            .iter()
            .map(|s| std::iter::once(&USCC_COLUMN).chain(s.columns()).collect())
            .collect();
        all.extend(ListSource::ALL.iter().map(|l| l.columns().iter().collect()));
        for cols in all {
            for (i, c) in cols.iter().enumerate() {
                for n in names(c) {
                    let owners: Vec<usize> = (0..cols.len())
                        .filter(|k| names(cols[*k]).any(|m| normalise(m) == normalise(n)))
                        .collect();
                    assert_eq!(owners, vec![i], "{n}");
                }
            }
        }
        for (zh, _) in ALIASES {
            let known = Source::ALL
                .iter()
                .flat_map(|s| std::iter::once(&USCC_COLUMN).chain(s.columns()))
                .chain(ListSource::ALL.iter().flat_map(|l| l.columns()))
                .any(|c| c.zh == *zh);
            assert!(known, "alias key {zh} is no column's header");
        }
    }
}

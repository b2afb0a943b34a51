//! GB/T 4754-2017 《国民经济行业分类》 codes: a section letter, then optionally the 2-digit
//! division, 3-digit group or 4-digit class (`C`, `C33`, `C331`, `C3311`). The division must
//! belong to its section.

/// Sections and their division ranges (inclusive), GB/T 4754-2017.
pub const SECTIONS: [(char, u8, u8, &str); 20] = [
    ('A', 1, 5, "农、林、牧、渔业"),
    ('B', 6, 12, "采矿业"),
    ('C', 13, 43, "制造业"),
    ('D', 44, 46, "电力、热力、燃气及水生产和供应业"),
    ('E', 47, 50, "建筑业"),
    ('F', 51, 52, "批发和零售业"),
    ('G', 53, 60, "交通运输、仓储和邮政业"),
    ('H', 61, 62, "住宿和餐饮业"),
    ('I', 63, 65, "信息传输、软件和信息技术服务业"),
    ('J', 66, 69, "金融业"),
    ('K', 70, 70, "房地产业"),
    ('L', 71, 72, "租赁和商务服务业"),
    ('M', 73, 75, "科学研究和技术服务业"),
    ('N', 76, 79, "水利、环境和公共设施管理业"),
    ('O', 80, 82, "居民服务、修理和其他服务业"),
    ('P', 83, 83, "教育"),
    ('Q', 84, 85, "卫生和社会工作"),
    ('R', 86, 90, "文化、体育和娱乐业"),
    ('S', 91, 96, "公共管理、社会保障和社会组织"),
    ('T', 97, 97, "国际组织"),
];

/// An industry code that is not one of GB/T 4754-2017; the message says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IndustryError(pub String);

/// Checks and normalises (upper case) an industry code; the error says what is wrong.
pub fn parse_industry(text: &str) -> Result<String, IndustryError> {
    let code = text.trim().to_ascii_uppercase();
    check_code(&code).map_err(IndustryError)?;
    Ok(code)
}

/// [`parse_industry`] into a buffer the caller reuses (the 1M-row path: no allocation when the
/// code is good).
pub fn parse_industry_into(text: &str, out: &mut String) -> Result<(), IndustryError> {
    out.clear();
    out.push_str(text.trim());
    out.make_ascii_uppercase();
    check_code(out).map_err(IndustryError)
}

/// Checks a trimmed, upper-case code.
fn check_code(code: &str) -> Result<(), String> {
    let code = crate::text::quote(code);
    let mut chars = code.chars();
    let Some(section) = chars.next() else {
        return Err("行业代码为空：请填写 GB/T 4754-2017 行业代码（如 C3311、F5211）".into());
    };
    let Some(&(_, lo, hi, name)) = SECTIONS.iter().find(|s| s.0 == section) else {
        return Err(format!(
            "行业代码“{code}”的门类字母应为 A–T（GB/T 4754-2017），如 C3311、F5211"
        ));
    };
    let digits = chars.as_str();
    if digits.is_empty() {
        return Ok(());
    }
    if !(2..=4).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "行业代码“{code}”应为门类字母加 2–4 位数字（GB/T 4754-2017），如 C3311"
        ));
    }
    let division: u8 = digits[..2].parse().unwrap_or(0);
    if !(lo..=hi).contains(&division) {
        return Err(format!(
            "行业代码“{code}”的大类 {division:02} 不属于门类 {section}（{name}，大类 {lo:02}–{hi:02}）"
        ));
    }
    Ok(())
}

/// The section's name (门类名称) of a valid code.
pub fn section_name(code: &str) -> Option<&'static str> {
    let c = code.chars().next()?;
    SECTIONS.iter().find(|s| s.0 == c).map(|s| s.3)
}

/// The division (大类, two digits) names of GB/T 4754-2017, as data: one `NN<TAB>name` line per
/// division, from the standard (see the file's header).
const DIVISIONS: &str = include_str!("../data/gbt4754-2017-divisions.tsv");

/// The division's name (大类名称) of a code like `C33` or `C3311`, if the table has it.
pub fn division_name(code: &str) -> Option<&'static str> {
    let digits = code.get(1..3)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    DIVISIONS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.split_once('\t').filter(|(d, _)| *d == digits))
        .map(|(_, name)| name.trim())
}

/// The industry of a code in words: its division's name, else its section's, else “—”.
pub fn display_name(code: &str) -> &'static str {
    division_name(code)
        .or_else(|| section_name(code))
        .unwrap_or("—")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for ok in ["C3311", "c3311", "F52", "K7010", "A", "T97", "G543"] {
            assert!(parse_industry(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Z11", "C51", "C3", "C33111", "C33A1", "F5311"] {
            assert!(parse_industry(bad).is_err(), "{bad}");
        }
        assert!(
            parse_industry("C51")
                .unwrap_err()
                .0
                .contains("不属于门类 C")
        );
        assert_eq!(
            section_name("I6510"),
            Some("信息传输、软件和信息技术服务业")
        );
    }

    #[test]
    fn division_names() {
        // Every division 01–97 once, in order, each inside its section's range.
        let rows: Vec<(u8, &str)> = DIVISIONS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let (d, n) = l.split_once('\t').unwrap();
                (d.parse().unwrap(), n)
            })
            .collect();
        assert_eq!(rows.len(), 97);
        for (i, (d, n)) in rows.iter().enumerate() {
            assert_eq!(usize::from(*d), i + 1, "{n}");
            assert!(!n.trim().is_empty());
            let s = SECTIONS.iter().find(|s| (s.1..=s.2).contains(d)).unwrap();
            assert!(parse_industry(&format!("{}{d:02}", s.0)).is_ok());
        }
        assert_eq!(display_name("M7520"), "科技推广和应用服务业");
        assert_eq!(display_name("C3311"), "金属制品业");
        assert_eq!(display_name("F52"), "零售业");
        // A section letter alone shows the section's name.
        assert_eq!(display_name("C"), "制造业");
        assert_eq!(display_name(""), "—");
    }
}

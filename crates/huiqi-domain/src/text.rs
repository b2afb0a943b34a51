//! Text as offices type it: full-width characters from Chinese input methods, spaces (also the
//! ideographic space U+3000) around values, control characters pasted from other systems, and
//! values far too long to quote whole in a message.

use std::borrow::Cow;

/// At most this many characters of a value are quoted in a message (a 10 MB cell is not echoed).
pub const QUOTE_CHARS: usize = 40;

pub use crate::limits::NAME_MAX_CHARS;

/// `value` cut to [`QUOTE_CHARS`] characters for a message, with “…（共 N 个字符）” when cut.
pub fn quote(value: &str) -> Cow<'_, str> {
    match value.char_indices().nth(QUOTE_CHARS) {
        None => Cow::Borrowed(value),
        Some((end, _)) => Cow::Owned(format!(
            "{}…（共 {} 个字符）",
            &value[..end],
            thousands(value.chars().count() as u64)
        )),
    }
}

/// A count with 千分位 separators (1,048,576), for messages ([`crate::numbers::count`]).
pub fn thousands(n: u64) -> String {
    crate::numbers::count_dec(rust_decimal::Decimal::from(n))
}

/// Whether `c` is a full-width form of a printable ASCII character (U+FF01–U+FF5E, Unicode block
/// “Halfwidth and Fullwidth Forms”) or the ideographic space U+3000.
pub fn is_fullwidth_ascii(c: char) -> bool {
    matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}')
}

/// Full-width ASCII forms converted to ASCII (`１２３．４５` → `123.45`, `ＭＡ` → `MA`, U+3000 → a
/// space); borrowed when there is nothing to convert.
pub fn to_halfwidth(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || !s.chars().any(is_fullwidth_ascii) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{3000}' => ' ',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                other => other,
            })
            .collect(),
    )
}

/// A control character no cell should hold: C0 controls other than tab, line feed and carriage
/// return (NUL, BEL, ESC, …), DEL and the C1 controls. Returns the first, with its 1-based
/// character position.
pub fn forbidden_control(s: &str) -> Option<(usize, char)> {
    // Fast path: bytes below 0x20 or DEL, or the two-byte C1 range (0xC2 0x80–0x9F).
    if !s
        .bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F || b == 0xC2)
    {
        return None;
    }
    s.chars()
        .enumerate()
        .find(|(_, c)| is_forbidden_control(*c))
        .map(|(i, c)| (i + 1, c))
}

fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The Chinese message for a control character found by [`forbidden_control`].
pub fn control_message(position: usize, c: char) -> String {
    format!(
        "第 {position} 个字符是不可见的控制字符 U+{:04X}（常见于从其他系统复制的内容），请删除后重填",
        c as u32
    )
}

/// A name (企业名称, 培训名称…): not empty, at most [`NAME_MAX_CHARS`] characters, on one line,
/// without control characters. `name` is already trimmed.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("名称不能为空".into());
    }
    let chars = name.chars().count();
    if chars > NAME_MAX_CHARS {
        return Err(format!(
            "名称有 {} 个字，超过上限 {NAME_MAX_CHARS} 个字：“{}”",
            thousands(chars as u64),
            quote(name)
        ));
    }
    if let Some((i, c)) = forbidden_control(name) {
        return Err(control_message(i, c));
    }
    if name.contains(['\n', '\r', '\t']) {
        return Err("名称中有换行符或制表符，请改为一行".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fullwidth_becomes_halfwidth() {
        assert_eq!(to_halfwidth("１２，３４５．６７"), "12,345.67");
        assert_eq!(
            to_halfwidth("９１３４１５０２ＭＡ２Ｎ０ＸＸＸ"),
            "91341502MA2N0XXX"
        );
        assert_eq!(to_halfwidth("\u{3000}金安区\u{3000}"), " 金安区 ");
        assert!(matches!(to_halfwidth("plain"), Cow::Borrowed(_)));
        assert!(matches!(to_halfwidth("六安（金安）"), Cow::Owned(_)));
    }

    #[test]
    fn long_values_are_quoted_cut() {
        let long = "甲".repeat(10_000);
        let q = quote(&long);
        assert!(q.starts_with(&"甲".repeat(40)));
        assert!(q.ends_with("…（共 10,000 个字符）"), "{q}");
        assert_eq!(quote("短"), "短");
        assert_eq!(thousands(1_048_576), "1,048,576");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn control_characters_are_found() {
        assert_eq!(forbidden_control("ab\0c"), Some((3, '\0')));
        assert_eq!(forbidden_control("甲\u{1b}"), Some((2, '\u{1b}')));
        assert_eq!(forbidden_control("x\u{85}"), Some((2, '\u{85}')));
        assert_eq!(forbidden_control("一\t二\n三"), None);
        assert_eq!(forbidden_control("¢ é 中"), None);
        assert!(check_name("甲\0乙").unwrap_err().contains("U+0000"));
        assert!(check_name(&"名".repeat(101)).unwrap_err().contains("101"));
        assert!(check_name(&"名".repeat(100)).is_ok());
        assert!(check_name("甲\n乙").is_err());
    }

    proptest! {
        #[test]
        fn quote_never_exceeds_its_bound(s in ".{0,200}") {
            let q = quote(&s);
            prop_assert!(q.chars().count() <= QUOTE_CHARS + 20);
        }

        #[test]
        fn halfwidth_is_idempotent(s in "\\PC{0,40}") {
            let once = to_halfwidth(&s).into_owned();
            prop_assert_eq!(to_halfwidth(&once).into_owned(), once.clone());
        }
    }
}

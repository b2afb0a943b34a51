//! 统一社会信用代码 (unified social credit code), GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》.
//!
//! 18 characters: 1 登记管理部门代码, 2 机构类别代码, 3–8 登记管理机关行政区划码 (GB/T 2260),
//! 9–17 主体标识码 (组织机构代码, GB 11714), 18 校验码. The alphabet is the digits and the capital
//! letters without I, O, Z, S, V (31 characters, values 0–30). The check character is
//! `31 − (Σ value(i) × 3^(i−1) mod 31) mod 31`, i = 1…17 (GB 32100-2015 第4.3条 and 附录A).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The 31 characters of GB 32100-2015, in value order.
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weights of positions 1–17 (3^(i−1) mod 31), GB 32100-2015 附录A.
pub const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A 登记管理部门 (position 1) with the 机构类别 (position 2) it may assign: GB 32100-2015 第4.2条
/// 表1（登记管理部门代码和机构类别代码）. Codes outside this table are not assigned and are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authority {
    pub code: u8,
    pub name: &'static str,
    pub categories: &'static [(u8, &'static str)],
}

/// GB 32100-2015 表1, as data. `A` (中央军委改革和编制办公室) and `N` (农业) are the later
/// assignments that the national code system publishes with the standard's table; the table of
/// the standard's text as first published lists 1 机构编制, 5 民政, 9 工商 and Y 其他 among them.
pub const AUTHORITIES: &[Authority] = &[
    Authority {
        code: b'1',
        name: "机构编制",
        categories: &[
            (b'1', "机关"),
            (b'2', "事业单位"),
            (b'3', "中央编办直接管理机构编制的群众团体"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'2',
        name: "外交",
        categories: &[(b'1', "外国常驻新闻机构"), (b'9', "其他")],
    },
    Authority {
        code: b'3',
        name: "司法行政",
        categories: &[
            (b'1', "律师执业机构"),
            (b'2', "公证处"),
            (b'3', "基层法律服务所"),
            (b'4', "司法鉴定机构"),
            (b'5', "仲裁委员会"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'4',
        name: "文化",
        categories: &[(b'1', "外国在华文化中心"), (b'9', "其他")],
    },
    Authority {
        code: b'5',
        name: "民政",
        categories: &[
            (b'1', "社会团体"),
            (b'2', "民办非企业单位"),
            (b'3', "基金会"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'6',
        name: "旅游",
        categories: &[
            (b'1', "外国旅游部门常驻代表机构"),
            (b'2', "港澳台地区旅游部门常驻内地（大陆）代表机构"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'7',
        name: "宗教",
        categories: &[(b'1', "宗教活动场所"), (b'2', "宗教院校"), (b'9', "其他")],
    },
    Authority {
        code: b'8',
        name: "工会",
        categories: &[(b'1', "基层工会"), (b'9', "其他")],
    },
    Authority {
        code: b'9',
        name: "工商（市场监管）",
        categories: &[
            (b'1', "企业"),
            (b'2', "个体工商户"),
            (b'3', "农民专业合作社"),
        ],
    },
    Authority {
        code: b'A',
        name: "中央军委改革和编制办公室",
        categories: &[(b'1', "军队事业单位"), (b'9', "其他")],
    },
    Authority {
        code: b'N',
        name: "农业",
        categories: &[
            (b'1', "组级集体经济组织"),
            (b'2', "村级集体经济组织"),
            (b'3', "乡镇级集体经济组织"),
            (b'9', "其他"),
        ],
    },
    Authority {
        code: b'Y',
        name: "其他",
        categories: &[(b'1', "其他")],
    },
];

fn authority(code: u8) -> Option<&'static Authority> {
    AUTHORITIES.iter().find(|a| a.code == code)
}

/// 六安市's GB/T 2260 code: a code registered in 六安 has a region code `3415xx` (positions 3–8).
pub const CITY_REGION_PREFIX: &str = "3415";

/// Region codes of the city's own registration authorities (六安市市场监督管理局 registers for
/// every county and the development zone): never a mismatch with a county.
pub const CITY_LEVEL_REGIONS: [&str; 2] = ["341500", "341501"];

/// A valid 统一社会信用代码 (upper case, 18 characters, check character verified).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// Why a text is not a 统一社会信用代码. Messages are for the user: they say what to supply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("统一社会信用代码为空，请填写营业执照上的 18 位统一社会信用代码")]
    Empty,
    #[error(
        "“{0}”是 15 位的旧工商注册号，不再作为主体标识：请提供营业执照上 18 位的统一社会信用代码"
    )]
    OldRegistrationNumber(String),
    #[error("统一社会信用代码“{code}”有 {len} 位，应为 18 位")]
    WrongLength { code: String, len: usize },
    #[error(
        "统一社会信用代码“{code}”第 {position} 位的“{ch}”不是有效字符（只用数字和除 I、O、Z、S、V 以外的大写字母）"
    )]
    BadCharacter {
        code: String,
        position: usize,
        ch: char,
    },
    #[error("统一社会信用代码“{code}”第 3–8 位应为 6 位数字的行政区划码")]
    BadRegion { code: String },
    #[error(
        "统一社会信用代码“{code}”第 1 位“{authority}”不是 GB 32100-2015 规定的登记管理部门代码（{known}），请核对是否抄错"
    )]
    UnassignedAuthority {
        code: String,
        authority: char,
        known: String,
    },
    #[error(
        "统一社会信用代码“{code}”第 2 位“{category}”不是{authority}登记的机构类别代码（GB 32100-2015 只规定了 {known}），请核对是否抄错"
    )]
    UnassignedCategory {
        code: String,
        category: char,
        authority: &'static str,
        known: String,
    },
    #[error(
        "统一社会信用代码“{code}”校验码不符：按 GB 32100-2015 第 18 位应为“{expected}”，请核对是否抄错"
    )]
    CheckCharacter { code: String, expected: char },
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

/// The GB 32100-2015 check character of the first 17 characters (which must be in [`ALPHABET`]).
pub fn check_character(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

/// The GB 11714-1997 check character of an 8-character 组织机构代码 body (digits and A–Z).
pub fn organization_check_character(body8: &[u8]) -> Option<char> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    if body8.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in body8.iter().zip(W) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    })
}

impl Uscc {
    /// Parses a code as written in a departmental file: surrounding spaces are ignored and lower
    /// case is accepted; everything else must be exact.
    pub fn parse(text: &str) -> Result<Uscc, UsccError> {
        let code = text.trim().to_ascii_uppercase();
        Self::check(&code)?;
        Ok(Uscc(code))
    }

    /// [`Uscc::parse`] into a buffer the caller reuses (the 1M-row path: no allocation when the
    /// code is good): `out` holds the code as [`Uscc::as_str`] would give it.
    pub fn parse_into(text: &str, out: &mut String) -> Result<(), UsccError> {
        out.clear();
        out.push_str(text.trim());
        out.make_ascii_uppercase();
        Self::check(out)
    }

    /// Checks a trimmed, upper-case code.
    fn check(code: &str) -> Result<(), UsccError> {
        if code.is_empty() {
            return Err(UsccError::Empty);
        }
        let len = code.chars().count();
        if len == 15 && code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UsccError::OldRegistrationNumber(code.to_string()));
        }
        if len != 18 {
            return Err(UsccError::WrongLength {
                code: crate::text::quote(code).into_owned(),
                len,
            });
        }
        // 18 chars; any non-ASCII char makes it fail below with its position.
        if let Some((i, ch)) = code
            .chars()
            .enumerate()
            .find(|(_, ch)| !ch.is_ascii() || value_of(*ch as u8).is_none())
        {
            return Err(UsccError::BadCharacter {
                code: code.to_string(),
                position: i + 1,
                ch,
            });
        }
        let bytes = code.as_bytes();
        let Some(authority) = authority(bytes[0]) else {
            return Err(UsccError::UnassignedAuthority {
                authority: bytes[0] as char,
                code: code.to_string(),
                known: AUTHORITIES
                    .iter()
                    .map(|a| format!("{} {}", a.code as char, a.name))
                    .collect::<Vec<_>>()
                    .join("、"),
            });
        };
        if !authority.categories.iter().any(|(c, _)| *c == bytes[1]) {
            return Err(UsccError::UnassignedCategory {
                category: bytes[1] as char,
                code: code.to_string(),
                authority: authority.name,
                known: authority
                    .categories
                    .iter()
                    .map(|(c, n)| format!("{} {n}", *c as char))
                    .collect::<Vec<_>>()
                    .join("、"),
            });
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(UsccError::BadRegion {
                code: code.to_string(),
            });
        }
        let expected = check_character(&bytes[..17]).expect("17 characters of the alphabet");
        if bytes[17] as char != expected {
            return Err(UsccError::CheckCharacter {
                code: code.to_string(),
                expected,
            });
        }
        Ok(())
    }

    /// Builds a code from its parts and computes both check characters: `prefix` = 登记管理部门 +
    /// 机构类别 (e.g. `91` 企业, `92` 个体工商户), `region` = 6-digit GB/T 2260 code, `body8` = the
    /// first 8 characters of the 组织机构代码 (digits and capital letters not I, O, Z, S, V).
    pub fn from_parts(prefix: &str, region: &str, body8: &str) -> Result<Uscc, UsccError> {
        let mut code = format!("{prefix}{region}{body8}");
        let org_check = organization_check_character(body8.as_bytes()).unwrap_or('?');
        code.push(org_check);
        match check_character(code.as_bytes()) {
            Some(c) => code.push(c),
            None => code.push('?'),
        }
        Uscc::parse(&code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 登记管理机关行政区划码 (positions 3–8).
    pub fn region(&self) -> &str {
        &self.0[2..8]
    }

    /// 登记管理部门代码 + 机构类别代码 (positions 1–2): `91` 企业, `92` 个体工商户, …
    pub fn category(&self) -> &str {
        &self.0[..2]
    }

    /// The 登记管理部门 and 机构类别 in Chinese (`工商（市场监管）`, `企业`).
    pub fn category_names(&self) -> (&'static str, &'static str) {
        let b = self.0.as_bytes();
        authority(b[0])
            .and_then(|a| {
                a.categories
                    .iter()
                    .find(|(c, _)| *c == b[1])
                    .map(|(_, n)| (a.name, *n))
            })
            .unwrap_or(("", ""))
    }

    /// What is odd about this code for a 六安 registry row, in Chinese; empty when nothing is.
    /// These are warnings, never errors (a business may have moved; a registry may be wrong):
    /// the region code (positions 3–8) outside 六安 (`3415xx`), or a county's own code other than
    /// `county` (the city-level codes of [`CITY_LEVEL_REGIONS`] fit every county; the development
    /// zone `luan-etdz` has no GB/T 2260 code and any 六安 code fits it); the 机构类别 against the
    /// 市场主体类型 (`92` 个体工商户 for an enterprise, anything else for a 个体工商户).
    pub fn remarks(&self, county: Option<&str>, kind: Option<crate::EntityKind>) -> Vec<String> {
        let mut out = Vec::new();
        let region = self.region();
        if !region.starts_with(CITY_REGION_PREFIX) {
            out.push(format!(
                "统一社会信用代码 {self} 的登记机关行政区划码 {region} 不在六安市（3415xx）：请核对代码或所属辖区"
            ));
        } else if let Some(county) = county
            && county.len() == 6
            && county.bytes().all(|b| b.is_ascii_digit())
            && region != county
            && !CITY_LEVEL_REGIONS.contains(&region)
        {
            out.push(format!(
                "统一社会信用代码 {self} 的登记机关行政区划码 {region} 与所属辖区 {county} 不一致：请核对"
            ));
        }
        let category = self.category();
        match kind {
            Some(crate::EntityKind::Enterprise) if category == "92" => out.push(format!(
                "统一社会信用代码 {self} 的机构类别 92 是个体工商户，但市场主体类型填的是企业：请核对"
            )),
            Some(crate::EntityKind::IndividualBusiness) if category != "92" => {
                let (authority, name) = self.category_names();
                out.push(format!(
                    "统一社会信用代码 {self} 的机构类别 {category}（{authority}：{name}）不是个体工商户（92），但市场主体类型填的是个体工商户：请核对"
                ))
            }
            _ => {}
        }
        out
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Uscc {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

impl std::str::FromStr for Uscc {
    type Err = UsccError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn published_codes_validate() {
        // Codes printed on public business licences.
        for code in [
            "9144030071526726XG", // 深圳市腾讯计算机系统有限公司
            "91330100716105852F", // 阿里巴巴（中国）有限公司
            "91110000802100433B", // 中国石油化工股份有限公司
        ] {
            Uscc::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
        }
        assert_eq!(
            Uscc::parse(" 9144030071526726xg ").unwrap().as_str(),
            "9144030071526726XG"
        );
    }

    #[test]
    fn errors_say_what_to_supply() {
        let e = Uscc::parse("341502000012345").unwrap_err();
        assert!(matches!(e, UsccError::OldRegistrationNumber(_)));
        assert!(e.to_string().contains("18 位的统一社会信用代码"), "{e}");

        let e = Uscc::parse("9144030071526726XA").unwrap_err();
        assert_eq!(
            e,
            UsccError::CheckCharacter {
                code: "9144030071526726XA".into(),
                expected: 'G'
            }
        );
        assert!(matches!(
            Uscc::parse("9144030071526726OG").unwrap_err(),
            UsccError::BadCharacter {
                position: 17,
                ch: 'O',
                ..
            }
        ));
        assert!(matches!(
            Uscc::parse("91440300715267").unwrap_err(),
            UsccError::WrongLength { len: 14, .. }
        ));
        assert!(matches!(
            Uscc::parse("91A4030071526726XG").unwrap_err(),
            UsccError::BadRegion { .. }
        ));
        // G1: no 登记管理部门 G in GB 32100-2015; 94: 工商 assigns only 1, 2, 3.
        for (prefix, wanted) in [("G1", "第 1 位"), ("94", "第 2 位"), ("Y2", "第 2 位")] {
            let body = format!("{prefix}341502000000000");
            let check = check_character(body.as_bytes()).unwrap();
            let e = Uscc::parse(&format!("{body}{check}")).unwrap_err();
            assert!(e.to_string().contains(wanted), "{prefix}: {e}");
            assert!(e.to_string().contains("GB 32100-2015"), "{e}");
        }
        assert_eq!(Uscc::parse("  ").unwrap_err(), UsccError::Empty);
        assert!(matches!(
            Uscc::parse("91440300715267统一XG").unwrap_err(),
            UsccError::BadCharacter { position: 15, .. }
        ));
    }

    fn body8() -> impl Strategy<Value = String> {
        proptest::collection::vec(0usize..31, 8)
            .prop_map(|v| v.into_iter().map(|i| ALPHABET[i] as char).collect())
    }

    #[test]
    fn remarks_for_region_and_kind() {
        use crate::EntityKind::{Enterprise, IndividualBusiness};
        let code =
            |prefix: &str, region: &str| Uscc::from_parts(prefix, region, "MA2N0XX1").unwrap();
        assert!(
            code("91", "341502")
                .remarks(Some("341502"), Some(Enterprise))
                .is_empty()
        );
        assert!(
            code("91", "341500")
                .remarks(Some("341525"), Some(Enterprise))
                .is_empty()
        );
        assert!(
            code("91", "341500")
                .remarks(Some("luan-etdz"), Some(Enterprise))
                .is_empty()
        );
        let beijing = code("91", "110105").remarks(Some("341502"), Some(Enterprise));
        assert!(
            beijing.len() == 1 && beijing[0].contains("不在六安市"),
            "{beijing:?}"
        );
        let other = code("91", "341503").remarks(Some("341502"), None);
        assert!(other.len() == 1 && other[0].contains("不一致"), "{other:?}");
        let shop = code("92", "341502").remarks(Some("341502"), Some(Enterprise));
        assert!(
            shop.len() == 1 && shop[0].contains("个体工商户"),
            "{shop:?}"
        );
        let company = code("91", "341502").remarks(None, Some(IndividualBusiness));
        assert!(
            company.len() == 1 && company[0].contains("91"),
            "{company:?}"
        );
    }

    proptest! {
        #[test]
        fn generated_codes_validate(
            prefix in prop::sample::select(vec!["91", "92", "93", "11", "51", "Y1", "A1", "N3", "35"]),
            region in 110000u32..660000,
            body in body8(),
        ) {
            let u = Uscc::from_parts(prefix, &region.to_string(), &body).unwrap();
            prop_assert_eq!(u.region(), region.to_string());
            prop_assert_eq!(Uscc::parse(u.as_str()).unwrap(), u);
        }

        #[test]
        fn any_single_changed_character_fails(
            region in 110000u32..660000,
            body in body8(),
            position in 0usize..18,
            replacement in 0usize..31,
        ) {
            let u = Uscc::from_parts("91", &region.to_string(), &body).unwrap();
            let mut bytes = u.as_str().as_bytes().to_vec();
            let new = ALPHABET[replacement];
            prop_assume!(bytes[position] != new);
            bytes[position] = new;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Uscc::parse(&changed).is_err(), "{} accepted", changed);
        }
    }
}

//! One declaration per enumerated vocabulary: [`vocabulary!`] writes the enum, its list of values,
//! its stable text id (`as_str`, what files, URLs and the database hold), its Chinese label and
//! `parse`, so that no other code maps an enum to text by hand.

/// Declares an enum whose every value has a stable text id and a Chinese label:
///
/// ```
/// huiqi_domain::vocabulary! {
///     /// 颜色
///     #[derive(Debug, Clone, Copy, PartialEq, Eq)]
///     pub enum Colour {
///         Red = ("red", "红色"),
///         Green = ("green", "绿色"),
///     }
/// }
/// assert_eq!(Colour::parse("red"), Some(Colour::Red));
/// assert_eq!(Colour::Green.label(), "绿色");
/// assert_eq!(Colour::parse_any("绿色"), Some(Colour::Green));
/// assert_eq!(Colour::ALL.len(), 2);
/// assert_eq!(Colour::Red.to_string(), "red");
/// ```
///
/// Generated: `ALL` (declaration order), `as_str`, `label`, `parse` (the id),
/// `parse_any` (id or label, trimmed), `ids()` (for messages: `red（红色）、green（绿色）`) and
/// `Display` (the id).
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = ($id:literal, $label:literal)
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable text id (files, URLs, the database).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $id,)+
                }
            }

            /// The Chinese label.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// The value of a text id.
            pub fn parse(id: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|x| x.as_str() == id)
            }

            /// The value of a text id or a Chinese label (surrounding spaces ignored).
            pub fn parse_any(text: &str) -> Option<$name> {
                let t = text.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|x| x.as_str() == t || x.label() == t)
            }

            /// Every id with its label, for messages: `a（甲）、b（乙）`.
            pub fn ids() -> String {
                Self::ALL
                    .iter()
                    .map(|x| format!("{}（{}）", x.as_str(), x.label()))
                    .collect::<Vec<_>>()
                    .join("、")
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::lists::{CertKind, ListSource};
    use crate::registry::Source;
    use crate::{EntityKind, FounderGroup, SizeClass};

    /// Every id and label is unique within its vocabulary, parses back, and (for the enums that
    /// serde also writes) equals serde's name.
    #[test]
    fn ids_and_labels_round_trip() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            id: fn(T) -> &'static str,
            label: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
            parse_any: fn(&str) -> Option<T>,
        ) {
            let mut seen = std::collections::HashSet::new();
            for &x in all {
                assert!(seen.insert(id(x)), "{x:?}");
                assert!(seen.insert(label(x)), "{x:?}");
                assert_eq!(parse(id(x)), Some(x));
                assert_eq!(parse_any(&format!(" {} ", label(x))), Some(x));
            }
            assert_eq!(parse("no-such-id"), None);
        }
        check(
            EntityKind::ALL,
            EntityKind::as_str,
            EntityKind::label,
            EntityKind::parse,
            EntityKind::parse_any,
        );
        check(
            FounderGroup::ALL,
            FounderGroup::as_str,
            FounderGroup::label,
            FounderGroup::parse,
            FounderGroup::parse_any,
        );
        check(
            SizeClass::ALL,
            SizeClass::as_str,
            SizeClass::label,
            SizeClass::parse,
            SizeClass::parse_any,
        );
        check(
            Source::ALL,
            Source::as_str,
            Source::label,
            Source::parse,
            Source::parse_any,
        );
        check(
            ListSource::ALL,
            ListSource::as_str,
            ListSource::label,
            ListSource::parse,
            ListSource::parse_any,
        );
        check(
            CertKind::ALL,
            CertKind::as_str,
            CertKind::label,
            CertKind::parse,
            CertKind::parse_any,
        );
        for k in EntityKind::ALL {
            assert_eq!(
                serde_json::to_string(k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        for g in FounderGroup::ALL {
            assert_eq!(
                serde_json::to_string(g).unwrap(),
                format!("\"{}\"", g.as_str())
            );
        }
        for s in SizeClass::ALL {
            assert_eq!(
                serde_json::to_string(s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }
}

//! Strict loading of this crate's data files (the assessment scheme and the supervision cycles),
//! the same way `huiqi-policy` loads a pack: unknown keys and YAML floats refused, every problem
//! reported at once, each naming the file, the line and the id it concerns.

use serde::de::DeserializeOwned;

/// A problem in one of these files is a problem in the pack they belong to: the pack's own error
/// type (file, line, id, message), so `policy check` reports them all alike.
pub use huiqi_policy::{PackError as DataError, PackErrors as DataErrors};

/// Collects the problems of one file.
pub(crate) struct Checker<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub errors: Vec<DataError>,
}

impl<'a> Checker<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Checker {
            file,
            text,
            errors: Vec::new(),
        }
    }

    /// Parses the whole file; a YAML or shape error is recorded with its line and enclosing id.
    pub fn parse<T: DeserializeOwned>(&mut self) -> Option<T> {
        match yaml_serde::from_str::<T>(self.text) {
            Ok(v) => Some(v),
            Err(e) => {
                let line = e.location().map(|l| l.line());
                let id = line.and_then(|l| enclosing_id(self.text, l));
                self.errors.push(DataError {
                    file: self.file.to_string(),
                    line,
                    id,
                    message: huiqi_policy::translate_yaml_error(&e.to_string()),
                });
                None
            }
        }
    }

    /// A problem about the item whose `key: id` is written in the file (the line is found there).
    pub fn at(&mut self, key: &str, id: &str, message: String) {
        let line = find_key_line(self.text, key, id);
        self.errors.push(DataError {
            file: self.file.to_string(),
            line,
            id: Some(id.to_string()),
            message,
        });
    }

    /// A problem about the file as a whole.
    pub fn whole(&mut self, message: String) {
        self.errors.push(DataError {
            file: self.file.to_string(),
            line: None,
            id: None,
            message,
        });
    }

    pub fn finish<T>(self, value: T) -> Result<T, DataErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(DataErrors(self.errors))
        }
    }
}

/// Lines (1-based) where `key: value` is written, as a list item or a field (also inside a flow
/// mapping `{ key: value, … }`).
fn find_key_lines<'t>(
    text: &'t str,
    key: &'t str,
    value: &'t str,
) -> impl Iterator<Item = usize> + 't {
    text.lines().enumerate().filter_map(move |(i, line)| {
        let l = line.split(" #").next().unwrap_or("");
        let hit = l
            .split(['{', ',', '-'])
            .filter_map(|part| part.trim().strip_prefix(key)?.strip_prefix(':'))
            .any(|rest| {
                rest.trim()
                    .trim_end_matches('}')
                    .trim()
                    .trim_matches(|c| c == '"' || c == '\'')
                    == value
            });
        hit.then_some(i + 1)
    })
}

pub(crate) fn find_key_line(text: &str, key: &str, value: &str) -> Option<usize> {
    find_key_lines(text, key, value).next()
}

/// The id of the list item enclosing a line: the nearest `- id:`, `- task:` or `- target:` above it.
fn enclosing_id(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let upto = line.min(lines.len());
    lines[..upto].iter().rev().find_map(|l| {
        let item = l.trim_start().strip_prefix("- ")?;
        let item = item.trim_start_matches('{').trim();
        let (k, v) = item.split_once(':')?;
        matches!(k.trim(), "id" | "task" | "target").then(|| {
            v.split([',', '}'])
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .to_string()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_ids_in_block_and_flow_style() {
        let text =
            "a:\n  - id: x\n    w: 1\n  - { target: t1, weight: \"2\" }\n  - id: \"y\" # c\n";
        assert_eq!(find_key_line(text, "id", "x"), Some(2));
        assert_eq!(find_key_line(text, "target", "t1"), Some(4));
        assert_eq!(find_key_line(text, "id", "y"), Some(5));
        assert_eq!(enclosing_id(text, 3).as_deref(), Some("x"));
        assert_eq!(enclosing_id(text, 4).as_deref(), Some("t1"));
    }
}

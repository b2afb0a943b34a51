//! The strict loader. A pack is a folder of YAML files; it is parsed into the
//! typed model with unknown keys refused, then checked as a whole. Every
//! problem found is reported (not just the first), each naming the file, the
//! line and the id it concerns. A pack that loads is internally consistent.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::Pack;
use crate::model::*;

/// The files a pack is read from: file name → text, plus a label for messages
/// (the folder path, or `内置:luan-2023` for the pack built into the binary).
#[derive(Debug, Clone, Default)]
pub struct PackFiles {
    pub label: String,
    pub files: BTreeMap<String, String>,
}

/// The files of a pack, in the order they are read. `pack.yaml` says which
/// policy and version; the others hold one list each.
pub const PACK_FILES: [&str; 6] = [
    "pack.yaml",
    "articles.yaml",
    "units.yaml",
    "jurisdictions.yaml",
    "targets.yaml",
    "tasks.yaml",
];

impl PackFiles {
    /// Reads a pack folder. Only the top-level `.yaml` files belong to the
    /// policy model; sub-folders are left to the crates that own them.
    pub fn read_dir(dir: &Path) -> Result<PackFiles, PackErrors> {
        let label = dir.display().to_string();
        let err = |message: String| PackErrors(vec![PackError::new(&label, None, None, message)]);
        let entries = std::fs::read_dir(dir).map_err(|e| {
            err(format!(
                "无法读取政策包目录：{e}。请给出包含 pack.yaml 的目录"
            ))
        })?;
        let mut files = BTreeMap::new();
        for entry in entries {
            let entry = entry.map_err(|e| err(format!("无法读取目录项：{e}")))?;
            let path = entry.path();
            let is_yaml = path.extension().is_some_and(|x| x == "yaml" || x == "yml");
            if !path.is_file() || !is_yaml {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err(format!("无法读取 {name}：{e}（文件须为 UTF-8 编码）")))?;
            files.insert(name, text);
        }
        Ok(PackFiles { label, files })
    }

    fn path_of(&self, file: &str) -> String {
        if self.label.is_empty() {
            file.to_string()
        } else {
            format!("{}/{}", self.label.trim_end_matches('/'), file)
        }
    }
}

/// One problem in a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackError {
    /// The file's path (or `内置:…/file.yaml`).
    pub file: String,
    /// 1-based line, where one can be named.
    pub line: Option<usize>,
    /// The id (or article number) the problem concerns.
    pub id: Option<String>,
    pub message: String,
}

impl PackError {
    fn new(file: &str, line: Option<usize>, id: Option<String>, message: String) -> Self {
        PackError {
            file: file.to_string(),
            line,
            id,
            message,
        }
    }
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " 第{line}行")?;
        }
        if let Some(id) = &self.id {
            write!(f, " [{id}]")?;
        }
        write!(f, "：{}", self.message)
    }
}

/// Every problem found in a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackErrors(pub Vec<PackError>);

impl fmt::Display for PackErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "政策包有 {} 处错误：", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PackErrors {}

/// Collects errors while a pack is read, so one run reports them all.
struct Checker<'a> {
    files: &'a PackFiles,
    errors: Vec<PackError>,
}

impl<'a> Checker<'a> {
    fn text(&self, file: &str) -> &'a str {
        self.files.files.get(file).map(String::as_str).unwrap_or("")
    }

    fn push(&mut self, file: &str, line: Option<usize>, id: Option<&str>, message: String) {
        let path = self.files.path_of(file);
        self.errors
            .push(PackError::new(&path, line, id.map(str::to_string), message));
    }

    /// An error about the item with this id: the line is where the id is written.
    fn at_id(&mut self, file: &str, key: &str, id: &str, message: String) {
        let line = find_key_line(self.text(file), key, id);
        self.push(file, line, Some(id), message);
    }

    fn parse<T: DeserializeOwned>(&mut self, file: &str) -> Option<T> {
        let Some(text) = self.files.files.get(file) else {
            self.push(
                file,
                None,
                None,
                format!("缺少文件 {file}：政策包必须包含 {}", PACK_FILES.join("、")),
            );
            return None;
        };
        match yaml_serde::from_str::<T>(text) {
            Ok(v) => Some(v),
            Err(e) => {
                let line = e.location().map(|l| l.line());
                let id = line.and_then(|l| enclosing_id(text, l));
                self.push(
                    file,
                    line,
                    id.as_deref(),
                    translate_yaml_error(&e.to_string()),
                );
                None
            }
        }
    }
}

/// Loads and validates a pack.
pub fn load(files: &PackFiles) -> Result<Pack, PackErrors> {
    let mut c = Checker {
        files,
        errors: Vec::new(),
    };
    for name in files.files.keys() {
        if !PACK_FILES.contains(&name.as_str()) {
            c.push(
                name,
                None,
                None,
                format!("未知文件：政策包只认 {}", PACK_FILES.join("、")),
            );
        }
    }
    let manifest: Option<Manifest> = c.parse("pack.yaml");
    let articles: Option<Vec<Article>> = c.parse("articles.yaml");
    let units: Option<Vec<Unit>> = c.parse("units.yaml");
    let jurisdictions: Option<Vec<Jurisdiction>> = c.parse("jurisdictions.yaml");
    let targets: Option<Vec<Target>> = c.parse("targets.yaml");
    let tasks: Option<Vec<Task>> = c.parse("tasks.yaml");
    let (
        Some(manifest),
        Some(articles),
        Some(units),
        Some(jurisdictions),
        Some(targets),
        Some(tasks),
    ) = (manifest, articles, units, jurisdictions, targets, tasks)
    else {
        return Err(PackErrors(c.errors));
    };
    let pack = Pack {
        manifest,
        articles,
        units,
        jurisdictions,
        targets,
        tasks,
    };
    validate(&mut c, &pack);
    if c.errors.is_empty() {
        Ok(pack)
    } else {
        Err(PackErrors(c.errors))
    }
}

fn validate(c: &mut Checker, pack: &Pack) {
    check_ids(
        c,
        "pack.yaml",
        "id",
        [pack.manifest.id.as_str()].into_iter(),
        "政策包",
    );
    if !is_slug(&pack.manifest.version) {
        c.at_id(
            "pack.yaml",
            "version",
            &pack.manifest.version,
            "版本号只能由小写字母、数字和 - 组成（如 draft-2023）".into(),
        );
    }

    // Articles: numbered 1..n without gaps or repeats, text not empty.
    let mut seen = BTreeSet::new();
    for a in &pack.articles {
        let n = a.number.to_string();
        if !seen.insert(a.number) {
            c.at_id("articles.yaml", "number", &n, format!("条款编号 {n} 重复"));
        }
        if a.text.trim().is_empty() {
            c.at_id("articles.yaml", "number", &n, format!("第{n}条没有正文"));
        }
    }
    if let Some(missing) = (1..=pack.articles.len() as u8).find(|n| !seen.contains(n)) {
        c.push(
            "articles.yaml",
            None,
            None,
            format!("条款编号不连续：缺少第{missing}条"),
        );
    }
    let articles: HashSet<u8> = seen.into_iter().collect();

    check_ids(
        c,
        "units.yaml",
        "id",
        pack.units.iter().map(|u| u.id.as_str()),
        "责任单位",
    );
    check_ids(
        c,
        "jurisdictions.yaml",
        "id",
        pack.jurisdictions.iter().map(|j| j.id.as_str()),
        "辖区",
    );
    check_ids(
        c,
        "targets.yaml",
        "id",
        pack.targets.iter().map(|t| t.id.as_str()),
        "目标",
    );
    check_ids(
        c,
        "tasks.yaml",
        "id",
        pack.tasks.iter().map(|t| t.id.as_str()),
        "任务",
    );
    let unit_ids: HashSet<&str> = pack.units.iter().map(|u| u.id.as_str()).collect();

    if !articles.contains(&pack.manifest.jurisdiction_duty.article) {
        let n = pack.manifest.jurisdiction_duty.article.to_string();
        c.at_id(
            "pack.yaml",
            "article",
            &n,
            format!("jurisdiction_duty 引用的第{n}条不存在"),
        );
    }

    for t in &pack.targets {
        let err = |c: &mut Checker, m: String| c.at_id("targets.yaml", "id", &t.id, m);
        match t.article {
            None => err(c, format!("目标 {} 没有注明出处条款（article）", t.id)),
            Some(n) if !articles.contains(&n) => {
                err(c, format!("目标 {} 引用的第{n}条不存在", t.id))
            }
            Some(_) => {}
        }
        if t.unit.is_none() {
            err(
                c,
                format!(
                    "目标 {} 的数值 {} 没有单位（unit），请写明 户/家/亿元/%/场/人次 等",
                    t.id, t.value
                ),
            );
        }
        if t.value.is_sign_negative() {
            err(c, format!("目标 {} 的数值不能为负", t.id));
        }
        if t.unit == Some(MeasureUnit::Percent) && t.value > rust_decimal::Decimal::ONE_HUNDRED {
            err(c, format!("目标 {} 的百分比 {} 超过 100", t.id, t.value));
        }
        if t.units.is_empty() {
            err(c, format!("目标 {} 没有责任单位（units）", t.id));
        }
        for u in &t.units {
            if !unit_ids.contains(u.as_str()) {
                err(
                    c,
                    format!("目标 {} 的责任单位 {u} 在 units.yaml 中不存在", t.id),
                );
            }
        }
    }

    for t in &pack.tasks {
        let err = |c: &mut Checker, m: String| c.at_id("tasks.yaml", "id", &t.id, m);
        if !articles.contains(&t.article) {
            err(c, format!("任务 {} 引用的第{}条不存在", t.id, t.article));
        }
        if t.units.is_empty() && !t.all_units {
            err(
                c,
                format!(
                    "任务 {} 既没有责任单位（units），也没有写明 all_units: true（各地各部门）",
                    t.id
                ),
            );
        }
        for u in &t.units {
            if !unit_ids.contains(u.as_str()) {
                err(
                    c,
                    format!("任务 {} 的责任单位 {u} 在 units.yaml 中不存在", t.id),
                );
            }
        }
    }
}

fn check_ids<'a>(
    c: &mut Checker,
    file: &str,
    key: &str,
    ids: impl Iterator<Item = &'a str>,
    what: &str,
) {
    let mut seen = HashSet::new();
    for id in ids {
        if !is_slug(id) && !id.chars().all(|ch| ch.is_ascii_digit()) {
            c.at_id(
                file,
                key,
                id,
                format!("{what} id “{id}” 只能由小写字母、数字、_ 和 - 组成"),
            );
        }
        if !seen.insert(id) {
            // Name the second occurrence: that is the one to rename or delete.
            let line = find_key_lines(c.text(file), key, id).nth(1);
            c.push(
                file,
                line,
                Some(id),
                format!("{what} id “{id}” 重复：id 必须唯一"),
            );
        }
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Lines (1-based) where `key: value` is written, as a list item or a field.
fn find_key_lines<'t>(
    text: &'t str,
    key: &'t str,
    value: &'t str,
) -> impl Iterator<Item = usize> + 't {
    text.lines().enumerate().filter_map(move |(i, line)| {
        let l = line.trim_start().trim_start_matches("- ").trim_start();
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        let v = rest
            .split(" #")
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        (v == value).then_some(i + 1)
    })
}

fn find_key_line(text: &str, key: &str, value: &str) -> Option<usize> {
    find_key_lines(text, key, value).next()
}

/// The id of the list item that encloses a line: the nearest `- id:` or
/// `- number:` at or above it.
fn enclosing_id(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let upto = line.min(lines.len());
    lines[..upto].iter().rev().find_map(|l| {
        let item = l.trim_start().strip_prefix("- ")?;
        let (k, v) = item.split_once(':')?;
        matches!(k.trim(), "id" | "number")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
    })
}

/// The YAML library (yaml_serde) speaks English; the people who edit packs read Chinese. Public so that the other
/// strictly loaded data files (assessment scheme, supervision cycles) say the same things.
pub fn translate_yaml_error(msg: &str) -> String {
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    // yaml_serde prefixes the path inside the document (`.[1]: …`); the line
    // and id we add say the same thing more plainly.
    let msg = match msg.split_once(": ") {
        Some((path, rest))
            if path.starts_with(['.', '['])
                || path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']')) =>
        {
            rest
        }
        _ => msg,
    };
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
        let expected = expected.trim_start_matches(" one of").trim();
        return format!("未知字段 {field}（允许的字段：{expected}）。请检查拼写或删除该字段");
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("缺少必填字段 {rest}");
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let (v, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
        let expected = expected.trim_start_matches(" one of").trim();
        return format!("取值 {v} 不在允许范围内（允许：{expected}）");
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        return format!("类型错误：{rest}");
    }
    format!("YAML 格式错误：{msg}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_of_ids() {
        let text = "- id: a\n  x: 1\n- id: \"b\"\n  x: 2\n- id: a\n";
        assert_eq!(find_key_line(text, "id", "b"), Some(3));
        assert_eq!(
            find_key_lines(text, "id", "a").collect::<Vec<_>>(),
            vec![1, 5]
        );
        assert_eq!(enclosing_id(text, 4).as_deref(), Some("b"));
    }
}

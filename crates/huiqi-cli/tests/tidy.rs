//! Tidy: the architecture's invariants, checked on the source tree of every crate
//! (ARCHITECTURE.md, “Invariants enforced by tidy”). Each check reads `crates/*/src/**/*.rs`
//! through a small Rust lexer (comments skipped, string literals kept apart from code), so a
//! word in a comment or a message does not count and a real use cannot hide in formatting:
//!
//! 1. no print macro (`print!`, `println!`, `eprint!`, `eprintln!`, `dbg!`) and no
//!    `stdout()`/`stderr()` outside huiqi-cli;
//! 2. no SQL text (a string literal that reads as a statement) and no `sqlx` outside huiqi-store;
//! 3. no `fs` (std::fs) in the crates ARCHITECTURE.md's table calls pure (“yes”), except inside
//!    the function its “yes, but `Type::function`” names;
//! 4. no `f32`/`f64` in any library crate (they all carry money) outside [`FLOAT_ALLOWED`], the
//!    documented places (the Excel conversion, column widths, the refusal of YAML floats, the
//!    synthetic population's magnitudes; durations through `as_secs_f64`);
//! 5. a crate depends (`[dependencies]`) only on the huiqi crates the table lists for it, its
//!    dev-dependencies only on crates below those and `huiqi-synth`, every crate has a row, and
//!    huiqi-cli names `huiqi_web` only in `web_cmd.rs`.
//!
//! The checks are functions over (path, text) pairs; the `planted_*` tests feed them a fake tree
//! with one violation each and show that they fail.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file: its crate (`huiqi-store`), its path from the workspace root, its text.
struct Source {
    krate: String,
    path: String,
    text: String,
}

impl Source {
    fn new(krate: &str, path: &str, text: &str) -> Source {
        Source {
            krate: krate.to_string(),
            path: path.to_string(),
            text: text.to_string(),
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every crate folder under `crates/`: name → its Cargo.toml text.
fn manifests() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(common::repo_root().join("crates")).expect("crates/") {
        let p = e.expect("crates/ entry").path();
        let manifest = p.join("Cargo.toml");
        if manifest.is_file() {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            out.insert(name, std::fs::read_to_string(manifest).expect("Cargo.toml"));
        }
    }
    out
}

/// The `src/` files of every crate.
fn tree() -> Vec<Source> {
    let root = common::repo_root();
    let mut out = Vec::new();
    for krate in manifests().keys() {
        let mut files = Vec::new();
        rust_files(&root.join("crates").join(krate).join("src"), &mut files);
        files.sort();
        for f in files {
            let rel = f
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push(Source {
                krate: krate.clone(),
                path: rel,
                text: std::fs::read_to_string(&f).expect("source file"),
            });
        }
    }
    assert!(out.len() > 50, "tidy found only {} files", out.len());
    out
}

// ---------------------------------------------------------------------------------------------
// The lexer.

/// A file split into code (comments and literals blanked, newlines kept, so offsets and lines
/// stay) and its string literals with their lines.
struct Lexed {
    code: String,
    strings: Vec<(usize, String)>,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn lex(text: &str) -> Lexed {
    let chars: Vec<char> = text.chars().collect();
    let mut code = String::with_capacity(text.len());
    let mut strings = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Blank a character in the code (keeping newlines).
    fn blank(code: &mut String, c: char, line: &mut usize) {
        if c == '\n' {
            code.push('\n');
            *line += 1;
        } else {
            code.push(' ');
        }
    }
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && is_ident(chars[i - 1]);
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                code.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    code.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    code.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut code, chars[i], &mut line);
                    i += 1;
                }
            }
        } else if (c == 'r' || (c == 'b' && next == Some('r'))) && !prev_ident && {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            while chars.get(j) == Some(&'#') {
                j += 1;
            }
            chars.get(j) == Some(&'"')
        } {
            // A raw string: r"…", r#"…"#, br"…".
            let start_line = line;
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while chars[j] == '#' {
                hashes += 1;
                j += 1;
            }
            for _ in i..=j {
                code.push(' ');
            }
            i = j + 1;
            let mut s = String::new();
            while i < chars.len() {
                if chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
                    for _ in 0..=hashes {
                        code.push(' ');
                    }
                    i += 1 + hashes;
                    break;
                }
                s.push(chars[i]);
                blank(&mut code, chars[i], &mut line);
                i += 1;
            }
            strings.push((start_line, s));
        } else if c == '"' {
            let start_line = line;
            code.push(' ');
            i += 1;
            let mut s = String::new();
            while i < chars.len() {
                if chars[i] == '\\' {
                    if let Some(&e) = chars.get(i + 1) {
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                        blank(&mut code, chars[i], &mut line);
                        blank(&mut code, e, &mut line);
                    }
                    i += 2;
                    continue;
                }
                if chars[i] == '"' {
                    code.push(' ');
                    i += 1;
                    break;
                }
                s.push(chars[i]);
                blank(&mut code, chars[i], &mut line);
                i += 1;
            }
            strings.push((start_line, s));
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{3000}', '"') or a lifetime ('a).
            if next == Some('\\') {
                code.push(' ');
                i += 1;
                while i < chars.len() {
                    let d = chars[i];
                    code.push(' ');
                    i += 1;
                    if d == '\\' {
                        code.push(' ');
                        i += 1;
                    } else if d == '\'' {
                        break;
                    }
                }
            } else if chars.get(i + 2) == Some(&'\'') {
                code.push_str("   ");
                i += 3;
            } else {
                code.push(c);
                i += 1;
            }
        } else {
            if c == '\n' {
                line += 1;
            }
            code.push(c);
            i += 1;
        }
    }
    Lexed { code, strings }
}

/// The identifiers of a piece of code, with their byte offsets.
fn idents(code: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in code.char_indices() {
        match (is_ident(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, &code[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &code[s..]));
    }
    out
}

fn line_of(code: &str, offset: usize) -> usize {
    code[..offset].matches('\n').count() + 1
}

/// The byte ranges of the bodies of every `fn NAME` in the code.
fn fn_bodies(code: &str, name: &str) -> Vec<std::ops::Range<usize>> {
    let ids = idents(code);
    let mut out = Vec::new();
    for w in ids.windows(2) {
        if w[0].1 == "fn" && w[1].1 == name {
            let Some(open) = code[w[1].0..].find('{').map(|o| o + w[1].0) else {
                continue;
            };
            let mut depth = 0;
            for (k, c) in code[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            out.push(open..open + k + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The checks. Each returns one line per violation: `path:line: what`.

/// The one library file that may write to the terminal, with its reason.
const PRINT_ALLOWED: &[(&str, &str)] = &[(
    "crates/huiqi-store/src/testing.rs",
    "the test harness (feature `testing`, not in the production library) says on stderr that the PostgreSQL half of a test run was skipped",
)];

/// 1. Printing is huiqi-cli's job.
fn check_prints(sources: &[Source]) -> Vec<String> {
    const MACROS: [&str; 5] = ["print", "println", "eprint", "eprintln", "dbg"];
    let mut out = Vec::new();
    for s in sources
        .iter()
        .filter(|s| s.krate != "huiqi-cli" && !PRINT_ALLOWED.iter().any(|(p, _)| *p == s.path))
    {
        let l = lex(&s.text);
        for (at, id) in idents(&l.code) {
            let after = &l.code[at + id.len()..];
            let bang = after.trim_start().starts_with('!') && !after.trim_start().starts_with("!=");
            let call = after.trim_start().starts_with('(');
            if (MACROS.contains(&id) && bang) || ((id == "stdout" || id == "stderr") && call) {
                out.push(format!(
                    "{}:{}: `{id}` outside huiqi-cli (only the CLI prints; log with `tracing` or return the text)",
                    s.path,
                    line_of(&l.code, at)
                ));
            }
        }
    }
    out
}

/// Whether a string literal reads as an SQL statement.
fn is_sql(s: &str) -> bool {
    let words: Vec<String> = s
        .split(|c: char| !is_ident(c))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    (has("SELECT") && has("FROM"))
        || pair("INSERT", "INTO")
        || (has("UPDATE") && has("SET") && has("WHERE"))
        || pair("DELETE", "FROM")
        || pair("CREATE", "TABLE")
        || pair("CREATE", "INDEX")
        || pair("ALTER", "TABLE")
        || pair("DROP", "TABLE")
        || words.first().is_some_and(|w| w == "PRAGMA")
}

/// 2. SQL is huiqi-store's.
fn check_sql(sources: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    for s in sources.iter().filter(|s| s.krate != "huiqi-store") {
        let l = lex(&s.text);
        for (line, text) in &l.strings {
            if is_sql(text) {
                let cut: String = text.chars().take(40).collect();
                out.push(format!(
                    "{}:{line}: SQL text outside huiqi-store: {cut:?}",
                    s.path
                ));
            }
        }
        for (at, id) in idents(&l.code) {
            if id == "sqlx" {
                out.push(format!(
                    "{}:{}: `sqlx` outside huiqi-store",
                    s.path,
                    line_of(&l.code, at)
                ));
            }
        }
    }
    out
}

/// One row of ARCHITECTURE.md's crate table.
#[derive(Debug)]
struct Row {
    deps: BTreeSet<String>,
    /// Pure (no IO), and the one function allowed to read files if the row says “yes, but …”.
    pure: bool,
    fs_exception: Option<String>,
}

/// The crate table of ARCHITECTURE.md: `| `huiqi-x` | deps | pure |`.
fn crate_table(architecture: &str, all: &BTreeSet<String>) -> BTreeMap<String, Row> {
    let mut out = BTreeMap::new();
    for line in architecture.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 || !cells[1].starts_with("`huiqi-") {
            continue;
        }
        let name = cells[1].trim_matches('`').to_string();
        // Drop the parenthesised notes: `domain, assess (the ledger rules, …)`.
        let mut deps_text = String::new();
        let mut depth = 0;
        for c in cells[2].chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ if depth == 0 => deps_text.push(c),
                _ => {}
            }
        }
        let mut deps = BTreeSet::new();
        for d in deps_text.split(',').map(str::trim) {
            match d {
                "" | "—" | "-" => {}
                "all" => deps.extend(all.iter().filter(|c| **c != name).cloned()),
                short => {
                    deps.insert(format!("huiqi-{short}"));
                }
            }
        }
        let pure_text = cells[3];
        let pure = pure_text.starts_with("yes");
        let fs_exception = pure_text
            .split_once("but `")
            .and_then(|(_, rest)| rest.split('`').next())
            .and_then(|f| f.rsplit("::").next())
            .map(str::to_string);
        out.insert(
            name,
            Row {
                deps,
                pure,
                fs_exception,
            },
        );
    }
    out
}

/// 3. The pure crates read no files.
fn check_fs(sources: &[Source], table: &BTreeMap<String, Row>) -> Vec<String> {
    let mut out = Vec::new();
    for s in sources {
        let Some(row) = table.get(&s.krate).filter(|r| r.pure) else {
            continue;
        };
        let l = lex(&s.text);
        let allowed: Vec<_> = row
            .fs_exception
            .as_deref()
            .map(|f| fn_bodies(&l.code, f))
            .unwrap_or_default();
        for (at, id) in idents(&l.code) {
            if (id == "fs" || id == "File") && !allowed.iter().any(|r| r.contains(&at)) {
                out.push(format!(
                    "{}:{}: `{id}` in the pure crate {} (ARCHITECTURE.md: no IO{})",
                    s.path,
                    line_of(&l.code, at),
                    s.krate,
                    row.fs_exception
                        .as_deref()
                        .map(|f| format!(" but in `{f}`"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    out
}

/// The documented places a float may appear in a library crate: file, a text the line must
/// contain (`""`: the whole file), and why.
const FLOAT_ALLOWED: &[(&str, &str, &str)] = &[
    (
        "crates/huiqi-ingest/src/cell.rs",
        "",
        "the Excel conversion: calamine's number cell (f64) into hundredths, once",
    ),
    (
        "crates/huiqi-ingest/src/scan.rs",
        "Number",
        "the Excel conversion: calamine's number cell carried as f64 to cell.rs",
    ),
    (
        "crates/huiqi-ingest/src/template.rs",
        "set_column_width",
        "a template's column width",
    ),
    (
        "crates/huiqi-match/src/export.rs",
        "HEADERS",
        "the push list's column widths",
    ),
    (
        "crates/huiqi-app/src/sheet.rs",
        "",
        "the one .xlsx table writer: an amount, share or count into an Excel number, once; column widths",
    ),
    (
        "crates/huiqi-match/src/export.rs",
        "to_f64",
        "the push list .xlsx: an amount in 元 (to the fen) into an Excel number, once",
    ),
    (
        "crates/huiqi-policy/src/model.rs",
        "visit_f64",
        "the refusal of a float in a pack",
    ),
    (
        "crates/huiqi-synth/src/lib.rs",
        "",
        "the synthetic population: a float picks a magnitude, rounded to whole fen once",
    ),
];

/// 4. No float where money passes: every library crate, outside the documented places.
fn check_floats(sources: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    for s in sources.iter().filter(|s| s.krate != "huiqi-cli") {
        let l = lex(&s.text);
        let lines: Vec<&str> = s.text.lines().collect();
        for (at, id) in idents(&l.code) {
            let float = id.split('_').any(|p| p == "f32" || p == "f64");
            if !float || id == "as_secs_f64" {
                continue;
            }
            let line = line_of(&l.code, at);
            let text = lines.get(line - 1).copied().unwrap_or("");
            let ok = FLOAT_ALLOWED
                .iter()
                .any(|(path, needle, _)| *path == s.path && text.contains(needle));
            if !ok {
                out.push(format!(
                    "{}:{line}: `{id}` in a crate that carries money (use rust_decimal; a documented exception goes in FLOAT_ALLOWED and ARCHITECTURE.md)",
                    s.path
                ));
            }
        }
    }
    out
}

/// The huiqi crates of a manifest section (`[dependencies]`, `[dev-dependencies]`).
fn huiqi_deps(manifest: &str, section: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut inside = false;
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == section;
            continue;
        }
        if inside && t.starts_with("huiqi-") {
            let name: String = t
                .chars()
                .take_while(|c| is_ident(*c) || *c == '-')
                .collect();
            out.insert(name);
        }
    }
    out
}

/// 5. Dependencies follow ARCHITECTURE.md's table.
fn check_deps(
    architecture: &str,
    manifests: &BTreeMap<String, String>,
    sources: &[Source],
) -> Vec<String> {
    let all: BTreeSet<String> = manifests.keys().cloned().collect();
    let table = crate_table(architecture, &all);
    let mut out = Vec::new();
    // Everything a crate may reach: its listed dependencies and theirs.
    let below = |name: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![name.to_string()];
        while let Some(c) = todo.pop() {
            for d in table.get(&c).map(|r| r.deps.clone()).unwrap_or_default() {
                if seen.insert(d.clone()) {
                    todo.push(d);
                }
            }
        }
        seen
    };
    for (name, manifest) in manifests {
        let Some(row) = table.get(name) else {
            out.push(format!(
                "crates/{name}: no row in ARCHITECTURE.md's crate table (what it may depend on, whether it is pure)"
            ));
            continue;
        };
        for d in huiqi_deps(manifest, "[dependencies]") {
            if !row.deps.contains(&d) {
                out.push(format!(
                    "crates/{name}/Cargo.toml: depends on {d}, which ARCHITECTURE.md does not list for {name}"
                ));
            }
        }
        let mut may = below(name);
        may.insert("huiqi-synth".to_string());
        may.insert(name.clone());
        for d in huiqi_deps(manifest, "[dev-dependencies]") {
            if !may.contains(&d) {
                out.push(format!(
                    "crates/{name}/Cargo.toml: dev-depends on {d}, which is not below {name} in ARCHITECTURE.md"
                ));
            }
        }
    }
    // huiqi-cli uses huiqi-web only to start the server.
    for s in sources
        .iter()
        .filter(|s| s.krate == "huiqi-cli" && !s.path.ends_with("/web_cmd.rs"))
    {
        let l = lex(&s.text);
        for (at, id) in idents(&l.code) {
            if id == "huiqi_web" {
                out.push(format!(
                    "{}:{}: huiqi-cli uses huiqi_web only in web_cmd.rs",
                    s.path,
                    line_of(&l.code, at)
                ));
            }
        }
    }
    out
}

fn architecture() -> String {
    std::fs::read_to_string(common::repo_root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md")
}

fn assert_clean(what: &str, violations: Vec<String>) {
    assert!(
        violations.is_empty(),
        "{what}: {} violation(s)\n{}",
        violations.len(),
        violations.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The tree as it is.

#[test]
fn no_print_outside_the_cli() {
    assert_clean("print", check_prints(&tree()));
}

#[test]
fn no_sql_outside_the_store() {
    assert_clean("SQL", check_sql(&tree()));
}

#[test]
fn the_pure_crates_read_no_files() {
    let all = manifests().keys().cloned().collect();
    let table = crate_table(&architecture(), &all);
    for pure in [
        "huiqi-domain",
        "huiqi-rules",
        "huiqi-progress",
        "huiqi-match",
    ] {
        assert!(
            table.get(pure).is_some_and(|r| r.pure),
            "ARCHITECTURE.md should call {pure} pure"
        );
    }
    assert_clean("std::fs", check_fs(&tree(), &table));
}

#[test]
fn no_float_where_money_passes() {
    assert_clean("float", check_floats(&tree()));
}

#[test]
fn dependencies_follow_the_architecture() {
    assert_clean(
        "dependencies",
        check_deps(&architecture(), &manifests(), &tree()),
    );
}

// ---------------------------------------------------------------------------------------------
// Planted violations: each check fails on a fake tree that breaks its rule, and only there.

const TABLE: &str = "\
| crate | may depend on (huiqi crates) | pure (no IO) |
|---|---|---|
| `huiqi-domain` | — | yes |
| `huiqi-policy` | — | yes, but `PackFiles::read_dir` |
| `huiqi-rules` | domain, policy | yes |
| `huiqi-store` | domain (notes, with commas) | SQL |
| `huiqi-cli` | all (huiqi-web only in `web_cmd.rs`) | terminal |
";

#[test]
fn planted_print_is_found_and_comments_and_strings_are_not() {
    let clean = Source::new(
        "huiqi-store",
        "crates/huiqi-store/src/lib.rs",
        "// println!(\"in a comment\")\nfn f() -> &'static str { \"println!(x)\" }\nfn g(a: u8) -> bool { a != 1 }\n",
    );
    assert_eq!(check_prints(&[clean]), Vec::<String>::new());
    let planted = Source::new(
        "huiqi-store",
        "crates/huiqi-store/src/lib.rs",
        "fn f() {\n    let c = '\"';\n    eprintln!(\"{c}\");\n}\n",
    );
    let found = check_prints(&[planted]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("crates/huiqi-store/src/lib.rs:3:"),
        "{found:?}"
    );
    let stdout = Source::new(
        "huiqi-web",
        "crates/huiqi-web/src/lib.rs",
        "fn f() { let _ = std::io::stdout(); }",
    );
    assert_eq!(check_prints(&[stdout]).len(), 1);
    let cli = Source::new(
        "huiqi-cli",
        "crates/huiqi-cli/src/main.rs",
        "fn f() { println!(); }",
    );
    assert!(check_prints(&[cli]).is_empty());
}

#[test]
fn planted_sql_is_found() {
    let planted = Source::new(
        "huiqi-app",
        "crates/huiqi-app/src/x.rs",
        "const Q: &str = r#\"\n  select uscc\n  from enterprises\"#;\n",
    );
    let found = check_sql(&[planted]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("crates/huiqi-app/src/x.rs:1:"),
        "{found:?}"
    );
    let sqlx = Source::new("huiqi-web", "crates/huiqi-web/src/x.rs", "use sqlx::Row;");
    assert_eq!(check_sql(&[sqlx]).len(), 1);
    let words = Source::new(
        "huiqi-web",
        "crates/huiqi-web/src/x.rs",
        "const M: &str = \"请选择（select）辖区\"; // SELECT * FROM t",
    );
    assert!(check_sql(&[words]).is_empty());
    let store = Source::new(
        "huiqi-store",
        "crates/huiqi-store/src/x.rs",
        "const Q: &str = \"DELETE FROM t\";",
    );
    assert!(check_sql(&[store]).is_empty());
}

#[test]
fn planted_file_reading_in_a_pure_crate_is_found() {
    let all = BTreeSet::new();
    let table = crate_table(TABLE, &all);
    assert!(table["huiqi-rules"].pure && !table["huiqi-store"].pure);
    assert_eq!(
        table["huiqi-policy"].fs_exception.as_deref(),
        Some("read_dir")
    );
    let planted = Source::new(
        "huiqi-rules",
        "crates/huiqi-rules/src/rules.rs",
        "use std::{collections::HashMap, fs};\nfn load() { let _ = fs::read(\"x\"); }\n",
    );
    assert_eq!(check_fs(&[planted], &table).len(), 2);
    let policy = Source::new(
        "huiqi-policy",
        "crates/huiqi-policy/src/load.rs",
        "impl PackFiles {\n fn read_dir(d: &Path) { let _ = std::fs::read_dir(d); }\n}\nfn other() { std::fs::write(\"x\", \"\").ok(); }\n",
    );
    let found = check_fs(&[policy], &table);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("crates/huiqi-policy/src/load.rs:4:"),
        "{found:?}"
    );
    let store = Source::new(
        "huiqi-store",
        "crates/huiqi-store/src/x.rs",
        "fn f() { std::fs::read(\"x\").ok(); }",
    );
    assert!(check_fs(&[store], &table).is_empty());
}

#[test]
fn planted_float_is_found() {
    let planted = Source::new(
        "huiqi-rules",
        "crates/huiqi-rules/src/formulas/cit.rs",
        "fn tax(x: Decimal) -> f64 { x.to_f64().unwrap() * 0.05 }\n",
    );
    let found = check_floats(&[planted]);
    assert_eq!(found.len(), 2, "{found:?}");
    let allowed = Source::new(
        "huiqi-app",
        "crates/huiqi-app/src/x.rs",
        "fn f(t: std::time::Instant) -> String { format!(\"{}\", t.elapsed().as_secs_f64()) }\n// an f64 in a comment\n",
    );
    assert!(check_floats(&[allowed]).is_empty());
    let cli = Source::new("huiqi-cli", "crates/huiqi-cli/src/x.rs", "fn f(x: f64) {}");
    assert!(check_floats(&[cli]).is_empty());
}

#[test]
fn planted_dependencies_are_found() {
    let mut manifests = BTreeMap::new();
    manifests.insert(
        "huiqi-domain".to_string(),
        "[package]\nname = \"huiqi-domain\"\n".to_string(),
    );
    manifests.insert(
        "huiqi-policy".to_string(),
        "[dependencies]\nserde.workspace = true\n".to_string(),
    );
    manifests.insert(
        "huiqi-rules".to_string(),
        "[dependencies]\nhuiqi-domain.workspace = true\nhuiqi-policy = { path = \"../huiqi-policy\" }\n\n[dev-dependencies]\nhuiqi-domain.workspace = true\n".to_string(),
    );
    manifests.insert(
        "huiqi-store".to_string(),
        "[dependencies]\nhuiqi-domain.workspace = true\n".to_string(),
    );
    manifests.insert(
        "huiqi-cli".to_string(),
        "[dependencies]\nhuiqi-store.workspace = true\nhuiqi-rules.workspace = true\n".to_string(),
    );
    let web_cmd = Source::new(
        "huiqi-cli",
        "crates/huiqi-cli/src/web_cmd.rs",
        "use huiqi_web::serve;",
    );
    assert_eq!(
        check_deps(TABLE, &manifests, std::slice::from_ref(&web_cmd)),
        Vec::<String>::new()
    );

    // The rules engine reaching for the store; a dev-dependency from above; a crate without a row.
    manifests.insert(
        "huiqi-rules".to_string(),
        "[dependencies]\nhuiqi-domain.workspace = true\nhuiqi-store.workspace = true\n".to_string(),
    );
    manifests.insert(
        "huiqi-domain".to_string(),
        "[dev-dependencies]\nhuiqi-rules.workspace = true\n".to_string(),
    );
    manifests.insert("huiqi-new".to_string(), String::new());
    let other = Source::new(
        "huiqi-cli",
        "crates/huiqi-cli/src/policy_cmd.rs",
        "fn f() { huiqi_web::serve(); }",
    );
    let found = check_deps(TABLE, &manifests, &[web_cmd, other]);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|f| f.contains("huiqi-rules/Cargo.toml: depends on huiqi-store"))
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("huiqi-domain/Cargo.toml: dev-depends on huiqi-rules"))
    );
    assert!(found.iter().any(|f| f.contains("crates/huiqi-new: no row")));
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("crates/huiqi-cli/src/policy_cmd.rs:1:"))
    );
}

#[test]
fn the_lexer_keeps_lines_and_separates_strings() {
    let l = lex(
        "let a = \"x\\\"y\"; // c\n/* a\n /* nested */ b */ let b = r##\"q\"#\"##;\nlet c = b'\\'';\n'a: loop {}",
    );
    assert_eq!(l.code.lines().count(), 5);
    assert_eq!(
        l.strings,
        vec![(1, "x\"y".to_string()), (3, "q\"#".to_string())]
    );
    assert!(l.code.contains("'a: loop"));
    assert!(!l.code.contains("nested"));
}

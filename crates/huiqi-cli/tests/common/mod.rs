//! What every CLI integration test shares: running the `huiqi` binary (with no database or on a
//! test database of `huiqi_store::testing`), reading what it printed, and the files tests make.
//! Each test file starts with `mod common;` and uses the part it needs.
#![allow(dead_code)] // each test binary uses a part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use huiqi_store::testing::TestDb;

/// The workspace root (where README.md, policies/ and tests/browser/ are).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `huiqi` binary, ready for arguments.
pub fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_huiqi"))
}

/// The `huiqi` binary on the test database (`HUIQI_DATABASE_URL`).
pub fn command_on(db: &TestDb) -> Command {
    let mut c = command();
    c.env("HUIQI_DATABASE_URL", &db.url);
    c
}

/// `huiqi ARGS` (commands that need no database).
pub fn huiqi(args: &[&str]) -> Output {
    command().args(args).output().expect("run huiqi")
}

/// `huiqi ARGS` on the test database.
pub fn huiqi_on(db: &TestDb, args: &[&str]) -> Output {
    command_on(db).args(args).output().expect("run huiqi")
}

/// Bytes as text (lossy: a failing assertion still shows what was there).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The standard output of a command that must have succeeded (else: fails with its stderr).
pub fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// `huiqi ARGS` on the test database, which must succeed: its standard output.
pub fn ok(db: &TestDb, args: &[&str]) -> String {
    let out = huiqi_on(db, args);
    assert!(
        out.status.success(),
        "huiqi {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `huiqi ARGS` on the test database, which must be refused: its standard error.
pub fn refused(db: &TestDb, args: &[&str]) -> String {
    let out = huiqi_on(db, args);
    assert!(!out.status.success(), "huiqi {args:?} should be refused");
    text(&out.stderr)
}

/// `huiqi ARGS` on the test database, which must succeed and print JSON.
pub fn json(db: &TestDb, args: &[&str]) -> serde_json::Value {
    let out = ok(db, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("huiqi {args:?}: {e}\n{out}"))
}

/// A file `name` in `dir` with `body`.
pub fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// A generated fact CSV (`huiqi gen`'s population: `count` enterprises of `year`, seed `seed`).
pub fn facts_csv(path: &Path, count: u64, year: i32, seed: u64) -> PathBuf {
    let file = std::fs::File::create(path).unwrap();
    huiqi_synth::write_csv(file, count, year, seed).unwrap();
    path.to_path_buf()
}

/// `huiqi ARGS` on the test database, which must succeed: its whole output.
pub fn run_ok(db: &TestDb, args: &[&str]) -> Output {
    let out = huiqi_on(db, args);
    assert!(
        out.status.success(),
        "huiqi {args:?}: {}",
        text(&out.stderr)
    );
    out
}

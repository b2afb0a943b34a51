//! The hostile files of issue 12 are refused without the process's memory growing: the peak
//! resident set (VmHWM) is reset after the files are built and read after all are refused.
//! A test binary of its own, so no other test runs in the process meanwhile.

mod common;

use common::*;
use huiqi_domain::registry::Source;
use huiqi_ingest::{InputFile, Limits, read_records};

fn status(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn hostile_files_are_refused_within_bounded_memory() {
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("xfd.xlsx", xfd_xlsx()),
        ("xfd-lying.xlsx", xfd_lying_dimension_xlsx()),
        ("bomb.xlsx", bomb_xlsx(200)),
        ("count.xlsx", declared_strings_xlsx(4_000_000_000)),
        ("wide.csv", wide_header_csv(1_000_000)),
        ("long.csv", long_field_csv((10 << 20) / 3)),
    ];
    // Reset the peak to the current resident set (Linux ≥ 4.0), where the platform allows.
    if std::fs::write("/proc/self/clear_refs", "5").is_err() || status("VmHWM:").is_none() {
        eprintln!("SKIPPED: /proc/self/clear_refs or VmHWM not available on this platform");
        return;
    }
    let before = status("VmHWM:").unwrap();
    for (name, bytes) in files {
        let outcome = InputFile::from_bytes(name, bytes, Limits::upload(64 << 20))
            .and_then(|f| read_records(&f, Source::Market, &counties(), 1024, |_| true));
        match outcome {
            Err(_) => {}
            Ok(report) => assert!(!report.errors.is_empty(), "{name} was accepted"),
        }
    }
    let grown_kb = status("VmHWM:").unwrap().saturating_sub(before);
    eprintln!(
        "peak memory grew by {} KB while refusing the files",
        grown_kb
    );
    assert!(grown_kb < 200 * 1024, "peak memory grew by {grown_kb} KB");
}

//! The fuzz targets' seed corpus (`tests/corpus/`, see `scripts/fuzz-ingest.sh`) replayed through
//! every reader, and a bounded random-input loop over mutations of it: whatever the bytes, reading
//! returns (an error or rows), never panics. The long runs are the fuzz script's, not CI's.

use std::path::PathBuf;

use huiqi_ingest::samples::{parse_fact_lines, read_every_way};
use proptest::prelude::*;

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "py"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_seed_file_is_read_every_way_without_panicking() {
    let files = corpus();
    assert!(files.len() >= 12, "{} seed files", files.len());
    for (name, bytes) in &files {
        let refused = read_every_way(name, bytes);
        // The hostile seeds are refused by every reader; the good ones by the readers of other
        // kinds of file only.
        if name.starts_with("xfd") || name.starts_with("bomb") || name.starts_with("count") {
            assert!(refused >= 1, "{name}");
        }
        parse_fact_lines(bytes);
    }
    assert_eq!(
        parse_fact_lines(&files.iter().find(|f| f.0 == "facts.csv").unwrap().1),
        1
    );
}

/// A seed with some bytes changed, some cut, some repeated.
fn mutated() -> impl Strategy<Value = (String, Vec<u8>)> {
    let seeds = corpus();
    (
        0..seeds.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
        any::<prop::sample::Index>(),
        0usize..3,
    )
        .prop_map(move |(k, flips, cut, how)| {
            let (name, mut bytes) = seeds[k].clone();
            for (at, b) in flips {
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
            }
            match how {
                0 if !bytes.is_empty() => bytes.truncate(cut.index(bytes.len())),
                1 if !bytes.is_empty() => {
                    let i = cut.index(bytes.len());
                    let piece = bytes[i..].to_vec();
                    bytes.extend_from_slice(&piece);
                }
                _ => {}
            }
            (name, bytes)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mutated_files_are_read_without_panicking((name, bytes) in mutated()) {
        read_every_way(&name, &bytes);
        parse_fact_lines(&bytes);
    }

    #[test]
    fn arbitrary_fact_lines_are_parsed_without_panicking(
        header in proptest::collection::vec("[a-z_]{0,20}|统一社会信用代码|营业收入（万元）", 0..40),
        rows in proptest::collection::vec(proptest::collection::vec("\\PC{0,30}", 0..40), 0..5),
    ) {
        let mut text = huiqi_domain::FACT_COLUMNS.join(",");
        if !header.is_empty() {
            text = header.join(",");
        }
        for r in rows {
            text.push('\n');
            text.push_str(&r.join(","));
        }
        parse_fact_lines(text.as_bytes());
    }
}

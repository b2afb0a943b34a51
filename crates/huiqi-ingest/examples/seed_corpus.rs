//! Writes the fuzz targets' seed corpus (`huiqi_ingest::samples::seed_corpus`) into
//! `crates/huiqi-ingest/tests/corpus/`, beside the .xls fixtures made by `make_xls.py`:
//! `cargo run -p huiqi-ingest --example seed_corpus`.

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in huiqi_ingest::samples::seed_corpus() {
        std::fs::write(dir.join(&name), &bytes)?;
        println!("{name}: {} bytes", bytes.len());
    }
    Ok(())
}

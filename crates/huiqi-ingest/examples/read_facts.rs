//! Times reading and checking a fact CSV without a database (the reader's share of an import):
//! `cargo run --release -p huiqi-ingest --example read_facts -- FILE.csv`.

fn main() {
    let path = std::env::args().nth(1).expect("a fact CSV");
    let started = std::time::Instant::now();
    let file = huiqi_ingest::InputFile::open(std::path::Path::new(&path)).expect("readable");
    let opened = started.elapsed();
    let counties = huiqi_ingest::samples::counties();
    let mut records = 0usize;
    let report = huiqi_ingest::read_records(
        &file,
        huiqi_domain::registry::Source::Facts,
        &counties,
        16_384,
        |chunk| {
            records += chunk.len();
            true
        },
    )
    .expect("read");
    println!(
        "{} rows, {records} records, {} errors: open {:.2} s, read {:.2} s",
        report.rows,
        report.errors.total(),
        opened.as_secs_f64(),
        (started.elapsed() - opened).as_secs_f64()
    );
}

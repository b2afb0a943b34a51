//! Any bytes, parsed as a fact CSV the way `huiqi match --input` does (header line, then lines
//! split on commas) by huiqi-domain's parser: never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    huiqi_ingest::samples::parse_fact_lines(data);
});

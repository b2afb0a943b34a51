//! Any bytes, read as a .xls file in every way huiqi reads one (each source, each list): the
//! reader returns rows or an error, never panics, and stays within libFuzzer's memory limit.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    huiqi_ingest::samples::read_every_way("fuzz.xls", data);
});

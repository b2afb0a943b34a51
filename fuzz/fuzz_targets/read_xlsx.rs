//! Any bytes, read as a .xlsx file in every way huiqi reads one (each source, each list): the
//! reader returns rows or an error, never panics, and stays within libFuzzer's memory limit.
//!
//! A panic inside calamine is caught by huiqi (`catch_unwind` around every calamine call) and the
//! file refused, so the target silences libFuzzer's abort-on-any-panic hook; a panic anywhere
//! else still unwinds out of the target and aborts the process, which libFuzzer reports.
#![no_main]

static QUIET: std::sync::Once = std::sync::Once::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    huiqi_ingest::samples::read_every_way("fuzz.xlsx", data);
});

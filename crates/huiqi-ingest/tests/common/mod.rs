//! The sample files of `huiqi_ingest::samples`, for the tests of this crate.
#![allow(unused_imports)]

pub use huiqi_ingest::samples::*;

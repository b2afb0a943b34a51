//! huiqi's domain vocabulary, shared by the rules, the registry and the web:
//! the facts of one enterprise for one tax year.
//!
//! Architecture invariant: no IO here, and no float anywhere an amount passes.
#![forbid(unsafe_code)]

pub mod facts;
pub mod facts_csv;
pub mod figures;
pub mod header;
pub mod industry;
pub mod limits;
pub mod lists;
pub mod numbers;
pub mod registry;
pub mod text;
pub mod uscc;
pub mod vocab;

pub use facts::*;
pub use uscc::{Uscc, UsccError};

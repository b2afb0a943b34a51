//! The areas of the platform, one module each: its routes (method, path, access rule, handler),
//! its header links, its handlers and page views. A new area is a new module here and one line
//! in [`crate::AREAS`].

pub mod admin;
pub mod analysis;
pub mod arrears;
pub mod assess;
pub mod cultivate;
pub mod enterprise_file;
pub mod enterprises;
pub mod home;
pub mod progress;
pub mod push;
pub mod service;

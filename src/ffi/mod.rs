//! The C ABI: the original's eight functions, the in-memory API, and the structs they share.
//!
//! Every function here checks its pointers before use; the crate is built with
//! `panic = "abort"`, so no panic can unwind into a C caller.

mod api;
mod last_error;
mod legacy;
mod types;

pub use api::*;
pub use legacy::*;
pub use types::*;

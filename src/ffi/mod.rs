//! The C ABI: the original's eight functions, the in-memory API, and the structs they share.
//!
//! Every function here checks its pointers before use. No panic can unwind into a C caller:
//! the library is built with `panic = "abort"` (release profile), and in any build a panic
//! reaching an `extern "C"` function aborts (Rust 1.81 and later; the crate needs 1.89).

mod api;
mod last_error;
mod legacy;
mod types;

pub use api::*;
pub use legacy::*;
pub use types::*;

//! The C ABI: the original's eight functions, the in-memory API, and the structs they share.
//!
//! Every function here checks its pointers before use. No panic can unwind into a C caller:
//! the library is built with `panic = "abort"` (release profile), and in any build a panic
//! reaching an `extern "C"` function aborts (Rust 1.81 and later; the crate needs 1.89).
//!
//! Every function may be called in a child forked at any moment, even while other threads of
//! the parent were using the library: the core sees to it (see `crate::fork`).

mod api;
mod last_error;
mod legacy;
mod types;

pub use api::*;
pub use legacy::*;
pub use types::*;

//! libketama in Rust: a drop-in, bit-exact replacement for last.fm's consistent-hashing
//! library (`libketama.so.1`), and a Rust API to the same continuum.
//!
//! The core (`parse`, `continuum`, `hash`, `cache`) is safe Rust; `ffi` is the only place that
//! touches C pointers.

#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod arcs;
pub mod cache;
pub mod continuum;
pub mod hash;
pub mod index;
pub mod lint;
pub mod list;
pub mod parse;
pub mod text;
#[cfg(test)]
mod xorshift;

#[allow(unsafe_code)]
pub mod ffi;

//! libketama in Rust: a drop-in, bit-exact replacement for last.fm's consistent-hashing
//! library (`libketama.so.1`), and a Rust API to the same continuum.
//!
//! The core (`parse`, `continuum`, `index`, `hash`, `cache`) is safe Rust; `ffi` is the only
//! place that touches C pointers, and `hints` holds the two memory hints (a prefetch, huge
//! pages) that need `unsafe` to be asked for.

#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod arcs;
pub mod cache;
pub mod continuum;
pub mod hash;
#[allow(unsafe_code)]
mod hints;
pub mod index;
pub mod lint;
pub mod parse;
#[cfg(test)]
mod xorshift;

#[allow(unsafe_code)]
pub mod ffi;

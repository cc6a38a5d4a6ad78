//! libketama in Rust: a drop-in, bit-exact replacement for last.fm's consistent-hashing
//! library (`libketama.so.1`), and a Rust API to the same continuum.
//!
//! The core (`parse`, `flavor`, `points`, `sort`, `continuum`, `index`, `hash`, `hashkit`,
//! `cache`) is safe Rust; `ffi` is the only
//! place that touches C pointers. Four small modules hold the only other `unsafe` lines: `fork`
//! registers the `pthread_atfork` handlers that make the core safe to use in a forked child,
//! `hints` asks for two memory hints (a prefetch, huge pages) that change no result, `zeroed`
//! allocates the `mcs` array zeroed for threads to fill, and `signals` starts those threads
//! with every signal blocked.

#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod addr;
pub mod arcs;
pub mod build_error;
pub mod cache;
pub mod continuum;
pub mod flavor;
// Fork safety needs one `unsafe` call (`pthread_atfork`), kept in this small module.
#[allow(unsafe_code)]
mod fork;
pub mod hash;
pub mod hashkit;
#[allow(unsafe_code)]
mod hints;
pub mod index;
pub mod lint;
pub mod list;
pub mod nutcracker;
pub mod parse;
pub mod points;
pub mod ruby_sort;
// A thread's signal mask is set through libc: `unsafe` calls, kept in this small module.
#[allow(unsafe_code)]
mod signals;
pub mod sort;
pub mod text;
pub mod workers;
#[cfg(test)]
mod xorshift;
// Zeroed allocation of the `mcs` array, for threads to fill: one `unsafe` block.
#[allow(unsafe_code)]
mod zeroed;

#[cfg(feature = "capi")]
#[allow(unsafe_code)]
pub mod ffi;

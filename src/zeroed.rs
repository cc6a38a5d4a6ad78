//! Vectors allocated zeroed, for arrays that a build then fills in pieces on several threads
//! (`workers`): each thread needs its piece as a slice of initialised values, and a large
//! allocation the allocator gets zeroed from the kernel (`calloc` of a fresh mapping) is not
//! written to until a thread fills it, so that its pages are faulted in by the threads, in
//! parallel, and once.
//!
//! For integers `vec![0; n]` does this by itself; the `mcs` array of points is a struct, for
//! which std writes every element. Its all-zero bytes are a valid point, which only `unsafe`
//! can tell the allocator: the one `unsafe` block here.

use crate::continuum::Point;
use std::alloc::{alloc_zeroed, handle_alloc_error, Layout};

/// Types of which all-zero bytes are a value.
///
/// # Safety
/// Implement it only for types whose every field is an integer or an array of integers.
pub(crate) unsafe trait Zeroable: Sized {}

// SAFETY: a `u32` and two arrays of `u8`.
unsafe impl Zeroable for Point {}

/// `len` zeroed values, allocated as `calloc` does.
pub(crate) fn vec<T: Zeroable>(len: usize) -> Vec<T> {
    // A zero-sized type would need no allocation, and gets none from here.
    const { assert!(std::mem::size_of::<T>() > 0) };
    let layout = Layout::array::<T>(len).expect("the continuum's size was checked");
    if layout.size() == 0 {
        return Vec::new();
    }
    // SAFETY: the layout's size is not zero.
    let data = unsafe { alloc_zeroed(layout) };
    if data.is_null() {
        handle_alloc_error(layout);
    }
    // SAFETY: `data` was allocated by the global allocator with the layout of `len` values of
    // `T`, which are initialised: all-zero bytes are a `T` (`Zeroable`).
    unsafe { Vec::from_raw_parts(data.cast(), len, len) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::continuum::IP_LEN;

    #[test]
    fn zeroed_points() {
        let v: Vec<Point> = vec(100_000);
        assert_eq!(v.len(), 100_000);
        assert!(v.iter().all(|p| *p == Point::new(0, [0; IP_LEN])));
        assert!(vec::<Point>(0).is_empty());
    }
}

//! Hints about memory, to the CPU and to the kernel: they change how fast the core runs, never
//! what it computes, and each is ignored where the platform has no such hint.
//!
//! Both need `unsafe`, which the rest of the core does without: a prefetch instruction takes a
//! raw pointer (`core::arch`'s intrinsic is an `unsafe fn`; stable Rust has no safe prefetch),
//! and `madvise` is a system call on an address range. So they live here, apart, like the C
//! ABI in `ffi`; each is a few lines whose safety does not depend on the caller.

/// Starts loading the cache line that holds `value`, without waiting for it: a batch of
/// lookups asks for the memory of one group of keys while it hashes the next, so that a large
/// continuum's cache misses overlap with the hashing instead of following it.
///
/// x86_64 only (PREFETCHT0, part of SSE, which every x86_64 CPU has); elsewhere nothing, and the
/// batch's staged reads still overlap the misses of the keys of one group.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch never faults and writes nothing; the address is that of a live
        // reference anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Asks Linux to back the allocation of `v`, which must not have been written to yet, with
/// transparent huge pages (2 MiB): where the system leaves that choice to programs
/// (`/sys/kernel/mm/transparent_hugepage/enabled` set to `madvise`, as many distributions
/// ship it), a large continuum's arrays otherwise take one page fault per 4 KiB when built
/// (most of a first roll of 10,000 servers in a virtual machine) and one TLB miss per lookup.
/// Only the whole 2 MiB pages inside the allocation are concerned; small vectors are left
/// alone. A refusal is ignored: the memory is then ordinary pages.
pub fn huge_pages<T>(v: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = v.as_ptr() as usize;
        let end = start + v.capacity() * std::mem::size_of::<T>();
        let (first, last) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if last > first {
            // SAFETY: MADV_HUGEPAGE changes how the kernel backs the range, never its bytes;
            // the range lies inside the allocation `v` owns, page-aligned.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    last - first,
                    libc::MADV_HUGEPAGE,
                )
            };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// A vector of `items`, in huge pages where the kernel gives them (`huge_pages`): written once,
/// where a zeroed allocation that is then filled (`zeroed`) is written twice when the allocator
/// hands back memory it had before (`calloc` clears it).
pub fn collect<T>(items: impl ExactSizeIterator<Item = T>) -> Vec<T> {
    let mut v = Vec::with_capacity(items.len());
    huge_pages(&v);
    v.extend(items);
    v
}

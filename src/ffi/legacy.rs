//! The eight functions of libketama 1.x, with its signatures and answers.

use super::last_error;
use super::types::{as_mcs, ketama_continuum, mcs, Handle};
use crate::cache::{self, Cache, RollError};
use crate::flavor::Flavor;
use crate::hash;
use std::cmp::Ordering;
use std::ffi::{c_char, c_int, c_uchar, c_uint, CStr};
use std::ptr;

/// Every rolled file of this process, in place of the original's shared memory segments.
/// A plain `static`: nothing to initialise lazily, so nothing a `fork` could catch half done.
static CACHE: Cache = Cache::new();

/// The bytes of a C string, or `None` for NULL.
///
/// # Safety
/// `s` is NULL or points at a NUL-terminated string.
unsafe fn c_bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_bytes())
}

/// Reads the server file `filename` and stores a continuum in `*contptr`: 1 on success; 0 on
/// failure, with `ketama_error()` saying why. Where `stat` of `filename` fails (no such file,
/// no search permission on a directory of the path), `*contptr` is left as it was, as the
/// original leaves it; after any other failure `*contptr` is an empty continuum (numpoints 0,
/// array NULL) that `ketama_smoke` frees. The previous value of `*contptr` is never read, so a
/// caller that initialises it to NULL can always pass it to `ketama_smoke`.
///
/// A repeated roll of an unchanged file shares one read-only point array and reads nothing;
/// a changed file is read again. Continua handed out before stay valid until smoked.
///
/// Better than the original: no SysV shared memory or semaphores (nothing leaks, any number
/// of servers, other processes are never disturbed); thread-safe; a NULL `contptr` or
/// `filename` is an error instead of a crash; a directory, FIFO or device is refused instead
/// of hanging; weights for which the original's arithmetic is undefined (a total that wraps
/// around to less than a weight, more points than its array holds) are refused, naming the
/// server's line, instead of overrunning the stack.
///
/// Fork-safe: a child forked at any moment, even while other threads of the parent were
/// rolling, may roll at once (no lock or half-updated cache entry is inherited), and starts
/// with the parent's rolls cached.
///
/// # Safety
/// `contptr` is NULL or writable; `filename` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn ketama_roll(
    contptr: *mut ketama_continuum,
    filename: *mut c_char,
) -> c_int {
    // SAFETY: per the contract.
    unsafe { roll(contptr, filename, Flavor::LIBKETAMA, "ketama_roll") }
}

/// `ketama_roll` as another memcached client builds its ring from the servers of the file
/// (see `create_ketama_flavor`): the file is read as `ketama_roll` reads it (libketama's
/// format, quirks included), its servers hashed and looked up as `flavor`'s client does; NULL
/// or "libketama" is `ketama_roll`. For a flavor of no such name it returns 0, with
/// `ketama_error()` listing the names, and leaves `*contptr` as it was. A file rolled as two
/// flavors is two continua, each shared by the rolls of that flavor while the file is
/// unchanged.
///
/// # Safety
/// As `ketama_roll`; `flavor` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn ketama_roll_flavor(
    contptr: *mut ketama_continuum,
    filename: *mut c_char,
    flavor: *const c_char,
) -> c_int {
    // SAFETY: per the contract.
    let flavor = match unsafe { super::api::flavor_named(flavor, "ketama_roll_flavor") } {
        Some(flavor) => flavor,
        None => return 0,
    };
    // SAFETY: per the contract.
    unsafe { roll(contptr, filename, flavor, "ketama_roll_flavor") }
}

/// `ketama_roll` as `flavor`, its errors told as `caller`'s.
///
/// # Safety
/// As `ketama_roll`.
unsafe fn roll(
    contptr: *mut ketama_continuum,
    filename: *mut c_char,
    flavor: Flavor,
    caller: &str,
) -> c_int {
    if contptr.is_null() {
        // The original would dereference NULL: returning an error is compatible.
        last_error::set(&format_args!("{caller}: contptr is NULL"));
        return 0;
    }
    // SAFETY: per the contract.
    let path = unsafe { c_bytes(filename) };
    let rolled = match path {
        None => Err(format!("{caller}: filename is NULL")),
        Some(p) => match CACHE.roll_as(cache::path_of(p), flavor) {
            // The original's `ftok` fails before it touches `*contptr`.
            Err(e @ RollError::Stat { .. }) => {
                last_error::set(&e);
                return 0;
            }
            rolled => rolled.map_err(|e| e.to_string()),
        },
    };
    let (handle, ok) = match rolled {
        Ok(r) => {
            last_error::clear();
            (Handle::into_raw(Some(r.continuum), Some(r.mtime)), 1)
        }
        Err(message) => {
            last_error::set(&message);
            (Handle::into_raw(None, None), 0)
        }
    };
    // SAFETY: `contptr` is non-NULL and writable per the contract.
    unsafe { contptr.write(handle) };
    ok
}

/// Frees a continuum returned by `ketama_roll` (or `create_ketama`). NULL is ignored.
///
/// Better than the original: it frees only this continuum; the original destroyed shared
/// memory that other processes were using. A continuum made before a `fork` is valid in the
/// parent and in the child, and each process frees its own copy.
///
/// # Safety
/// `contptr` is NULL or a continuum from this library not yet freed; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn ketama_smoke(contptr: ketama_continuum) {
    // SAFETY: per the contract.
    unsafe { Handle::free(contptr) }
}

/// The point a key maps to: the first point at or after `ketama_hashi(key)`, wrapping to the
/// first point. The result lives as long as the continuum. NULL for a NULL key, a NULL
/// continuum or an empty one.
///
/// Better than the original: NULL arguments and empty continua give NULL instead of a crash.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string; `cont` is NULL or a live continuum from this
/// library.
#[no_mangle]
pub unsafe extern "C" fn ketama_get_server(key: *mut c_char, cont: ketama_continuum) -> *mut mcs {
    // SAFETY: per the contract.
    let (Some(key), Some(c)) = (unsafe { c_bytes(key) }, unsafe { Handle::continuum(cont) }) else {
        return ptr::null_mut();
    };
    c.point_for_hash(c.key_hash(key))
        .map_or(ptr::null_mut(), as_mcs)
}

/// Prints `Numpoints in continuum: N`, then `ip (point)` for each point (or `Continuum
/// empty`), to C's `stdout`. A NULL continuum prints nothing.
///
/// Better than the original: NULL is ignored, and `ip` never prints past its 22 bytes.
///
/// # Safety
/// `c` is NULL or a live continuum from this library.
#[no_mangle]
pub unsafe extern "C" fn ketama_print_continuum(c: ketama_continuum) {
    if c.is_null() {
        return;
    }
    // SAFETY: per the contract `c` is a live continuum.
    let (numpoints, points) = (unsafe { (*c).numpoints }, unsafe { Handle::continuum(c) });
    // SAFETY: a constant format whose `%d` takes the `c_int`.
    unsafe { libc::printf(c"Numpoints in continuum: %d\n".as_ptr(), numpoints) };
    let points = points.map_or(&[][..], |p| p.points());
    if points.is_empty() {
        // SAFETY: a constant format without conversions.
        unsafe { libc::printf(c"Continuum empty\n".as_ptr()) };
    }
    for p in points {
        // SAFETY: `%.22s` reads at most the 22 bytes of `ip`; `%u` takes the `c_uint` point.
        unsafe { libc::printf(c"%.22s (%u)\n".as_ptr(), p.ip.as_ptr(), p.point) };
    }
}

/// -1, 0 or 1 as `a->point` is below, equal to or above `b->point` (the original's `qsort`
/// comparator). A NULL sorts before any point.
///
/// # Safety
/// `a` and `b` are NULL or point at an `mcs`.
#[no_mangle]
pub unsafe extern "C" fn ketama_compare(a: *mut mcs, b: *mut mcs) -> c_int {
    // SAFETY: per the contract.
    let (a, b) = unsafe { (a.as_ref().map(|m| m.point), b.as_ref().map(|m| m.point)) };
    match a.cmp(&b) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// The 32-bit hash of a string: the first four bytes of its MD5, little endian. 0 for NULL.
///
/// # Safety
/// `in_string` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn ketama_hashi(in_string: *mut c_char) -> c_uint {
    // SAFETY: per the contract.
    unsafe { c_bytes(in_string) }.map_or(0, hash::key_hash)
}

/// Writes the MD5 of a string into `md5pword[16]`. Nothing is written when either is NULL.
///
/// # Safety
/// `in_string` is NULL or a NUL-terminated string; `md5pword` is NULL or has room for 16 bytes.
#[no_mangle]
pub unsafe extern "C" fn ketama_md5_digest(in_string: *mut c_char, md5pword: *mut c_uchar) {
    // SAFETY: per the contract.
    if let (Some(s), false) = (unsafe { c_bytes(in_string) }, md5pword.is_null()) {
        let digest = hash::md5(s);
        // SAFETY: `md5pword` has room for 16 bytes per the contract.
        unsafe { ptr::copy_nonoverlapping(digest.as_ptr(), md5pword, digest.len()) };
    }
}

/// Why the last `ketama_roll`, `create_ketama` or `get_servers` of the calling thread failed;
/// empty after a `ketama_roll` or `create_ketama` succeeded. Lookups that merely find nothing
/// (NULL or -1) leave it alone. The buffer belongs to the thread and keeps its address for the
/// thread's life.
///
/// Better than the original: one message per thread instead of one racy global buffer.
#[no_mangle]
pub extern "C" fn ketama_error() -> *mut c_char {
    last_error::as_ptr()
}

//! The in-memory API: a continuum from a server array, lookups of byte keys by server index.
//! For programs that hold their server list in memory (an nginx module's configuration, a
//! proxy) and would otherwise write a temporary file to call `ketama_roll`.

use super::last_error;
use super::types::{ketama_continuum, Handle};
use crate::continuum::{Continuum, Server};
use crate::flavor::Flavor;
use crate::hash::BATCH;
use std::ffi::{c_char, c_int, c_uint, c_ulong, CStr};
use std::ptr;
use std::sync::Arc;

/// Keys handed to `servers_for` per call: several groups of `BATCH`, so that the lookups of one
/// group overlap the hashing of the next.
const CHUNK: usize = 8 * BATCH;

/// A server for `create_ketama`: its address (any length: the whole string is hashed, as
/// `ketama_roll` hashes a file's address) and its weight (at least 1).
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct ketama_server {
    pub addr: *const c_char,
    pub weight: c_ulong,
}

/// Builds a continuum from `count` servers: the same points, in the same order, as
/// `ketama_roll` gives for a file listing the same addresses and weights, with no limit on
/// address length or number of servers. The array is copied; it may be freed after the call.
/// Returns NULL, with `ketama_error()` saying why, for a NULL `servers`, `count` 0, a NULL or
/// empty address, a weight of 0, or weights whose sum overflows. Free the continuum with
/// `ketama_free` (or `ketama_smoke`); every `ketama_*` function accepts it.
///
/// Like every function of the library, it may be called in a child forked at any moment,
/// even while other threads of the parent were using the library, and the continuum stays
/// valid in a child forked later.
///
/// # Safety
/// `servers` is NULL or points at `count` elements whose `addr` is NULL or a NUL-terminated
/// string.
#[no_mangle]
pub unsafe extern "C" fn create_ketama(
    servers: *const ketama_server,
    count: c_uint,
) -> ketama_continuum {
    // SAFETY: per the contract.
    unsafe { create(servers, count, Flavor::LIBKETAMA, "create_ketama") }
}

/// Builds the continuum another memcached client builds from the same `count` servers, so that
/// a program of this library finds the keys that client stored: `flavor` names the client's
/// ring (`ketama_flavor_name` lists them; "libmemcached" for php-memcached with
/// `OPT_LIBKETAMA_COMPATIBLE`, "twemproxy" for nutcracker, "spymemcached", "dalli", "nginx",
/// ...). NULL or "libketama" is `create_ketama`. Addresses are written as the application
/// configures the client (`host:port`, `[v6]:port`, `host` for port 11211); each flavor hashes
/// them as its client names servers (libmemcached drops `:11211`, dalli always writes the
/// port). Returns NULL, with `ketama_error()` saying why, where `create_ketama` does, for an
/// unknown flavor (the message lists the valid names), and for weights past what the client
/// counts. The continuum works with every function: `get_server`, `get_servers`,
/// `ketama_get_server`, `ketama_server_at`, `ketama_point_server`, `ketama_print_continuum`,
/// `ketama_free`; a key is hashed and looked up as the flavor's client does.
///
/// # Safety
/// As `create_ketama`; `flavor` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn create_ketama_flavor(
    servers: *const ketama_server,
    count: c_uint,
    flavor: *const c_char,
) -> ketama_continuum {
    // SAFETY: per the contract.
    let Some(flavor) = (unsafe { flavor_named(flavor, "create_ketama_flavor") }) else {
        return ptr::null_mut();
    };
    // SAFETY: per the contract.
    unsafe { create(servers, count, flavor, "create_ketama_flavor") }
}

/// The flavor a C caller names (libketama for NULL), or `None` with `ketama_error()` telling
/// `caller`'s caller the valid names.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
pub(super) unsafe fn flavor_named(name: *const c_char, caller: &str) -> Option<Flavor> {
    if name.is_null() {
        return Some(Flavor::LIBKETAMA);
    }
    // SAFETY: a non-NULL `name` is a NUL-terminated string per the contract.
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    Flavor::named(&name)
        .map_err(|unknown| last_error::set(&format_args!("{caller}: {unknown}")))
        .ok()
}

/// `create_ketama` as `flavor`, its errors told as `caller`'s.
///
/// # Safety
/// As `create_ketama`.
unsafe fn create(
    servers: *const ketama_server,
    count: c_uint,
    flavor: Flavor,
    caller: &str,
) -> ketama_continuum {
    if servers.is_null() {
        last_error::set(&format_args!("{caller}: servers is NULL"));
        return ptr::null_mut();
    }
    // SAFETY: per the contract `servers` points at `count` elements.
    let given = unsafe { std::slice::from_raw_parts(servers, count as usize) };
    let mut list = Vec::with_capacity(given.len());
    for (index, s) in given.iter().enumerate() {
        if s.addr.is_null() {
            last_error::set(&format_args!("{caller}: server {index} has a NULL address"));
            return ptr::null_mut();
        }
        // `unsigned long` is 32 bits on some targets.
        #[allow(clippy::useless_conversion)]
        list.push(Server::new(
            // SAFETY: a non-NULL `addr` is a NUL-terminated string per the contract.
            unsafe { CStr::from_ptr(s.addr) }.to_bytes(),
            u64::from(s.weight),
        ));
    }
    match Continuum::build_flavor(list, flavor) {
        Ok(c) => {
            last_error::clear();
            Handle::into_raw(Some(Arc::new(c)), Some(0))
        }
        Err(e) => {
            last_error::set(&format_args!("{caller}: {e}"));
            ptr::null_mut()
        }
    }
}

/// The name of flavor `index` (from 0, "libketama" first), as `create_ketama_flavor` takes it;
/// NULL past the last, so that a program lists them with a loop. The string is static.
#[no_mangle]
pub extern "C" fn ketama_flavor_name(index: c_uint) -> *const c_char {
    Flavor::all()
        .nth(index as usize)
        .map_or(ptr::null(), |f| f.recipe().name.as_ptr())
}

/// Which clients, with which settings, build the ring of flavor `index` (as
/// `ketama_flavor_name` numbers them): one line for people; NULL past the last. The string is
/// static.
#[no_mangle]
pub extern "C" fn ketama_flavor_clients(index: c_uint) -> *const c_char {
    Flavor::all()
        .nth(index as usize)
        .map_or(ptr::null(), |f| f.recipe().clients.as_ptr())
}

/// The server a key maps to, as its index in the array given to `create_ketama` (for a
/// continuum from `ketama_roll`, its index among the file's server lines). The key is
/// `key_len` bytes; NUL bytes are hashed like any other. -1 for a NULL or empty continuum or
/// a NULL key.
///
/// # Safety
/// `cont` is NULL or a live continuum from this library; `key` is NULL or readable for
/// `key_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn get_server(
    cont: ketama_continuum,
    key: *const c_char,
    key_len: usize,
) -> c_int {
    // SAFETY: per the contract.
    let Some(c) = (unsafe { Handle::continuum(cont) }) else {
        return -1;
    };
    if key.is_null() {
        return -1;
    }
    // SAFETY: `key` is readable for `key_len` bytes per the contract.
    let key = unsafe { std::slice::from_raw_parts(key.cast::<u8>(), key_len) };
    c.server_for(key)
        .and_then(|i| c_int::try_from(i).ok())
        .unwrap_or(-1)
}

/// The servers of `n` keys at once, as `get_server` gives them: `out[i]` is the index for the
/// key of `key_lens[i]` bytes at `keys[i]` (-1 for a NULL key or an empty continuum). Keys are
/// hashed several at a time in SIMD lanes where the CPU has them (AVX2 or AVX-512, detected
/// at run time), so a batch costs a fraction of `n` single lookups. Returns 0 (at once when
/// `n` is 0), or -1 with `ketama_error()` saying why for a NULL continuum or NULL arrays.
///
/// # Safety
/// `cont` is NULL or a live continuum from this library; `keys`, `key_lens` and `out` are
/// NULL or hold `n` elements, and each `keys[i]` is NULL or readable for `key_lens[i]` bytes.
#[no_mangle]
pub unsafe extern "C" fn get_servers(
    cont: ketama_continuum,
    keys: *const *const c_char,
    key_lens: *const usize,
    n: usize,
    out: *mut c_int,
) -> c_int {
    if n == 0 {
        return 0;
    }
    if keys.is_null() || key_lens.is_null() || out.is_null() {
        last_error::set(&"get_servers: keys, key_lens and out must not be NULL");
        return -1;
    }
    // SAFETY: per the contract the three arrays hold `n` elements.
    let (keys, key_lens, out) = unsafe {
        (
            std::slice::from_raw_parts(keys, n),
            std::slice::from_raw_parts(key_lens, n),
            std::slice::from_raw_parts_mut(out, n),
        )
    };
    // SAFETY: per the contract.
    let Some(c) = (unsafe { Handle::continuum(cont) }) else {
        out.fill(-1);
        if cont.is_null() {
            last_error::set(&"get_servers: the continuum is NULL");
            return -1;
        }
        return 0;
    };
    let mut slices: [&[u8]; CHUNK] = [&[]; CHUNK];
    let mut found = [None; CHUNK];
    for ((keys, lens), out) in keys
        .chunks(CHUNK)
        .zip(key_lens.chunks(CHUNK))
        .zip(out.chunks_mut(CHUNK))
    {
        for ((slice, &key), &len) in slices.iter_mut().zip(keys).zip(lens) {
            *slice = if key.is_null() {
                &[]
            } else {
                // SAFETY: a non-NULL key is readable for its length per the contract.
                unsafe { std::slice::from_raw_parts(key.cast::<u8>(), len) }
            };
        }
        c.servers_for(&slices[..keys.len()], &mut found);
        for ((o, server), key) in out.iter_mut().zip(&found).zip(keys) {
            *o = match server {
                Some(s) if !key.is_null() => c_int::try_from(*s).unwrap_or(-1),
                _ => -1,
            };
        }
    }
    0
}

/// What `ketama_server_at` tells of one server.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct ketama_server_info {
    /// The whole address, NUL-terminated (not cut to the 22 bytes of `mcs.ip`). It belongs to
    /// the continuum and stays valid until the continuum is freed.
    pub addr: *const c_char,
    /// The server's weight, as the array or the file gave it.
    pub weight: c_ulong,
    /// Its number of points on the ring (0 for a server whose share is too small for one).
    pub points: c_uint,
}

// The layout C programs compile against (LP64).
const _: () = {
    assert!(std::mem::size_of::<ketama_server_info>() == 24);
    assert!(std::mem::offset_of!(ketama_server_info, weight) == 8);
    assert!(std::mem::offset_of!(ketama_server_info, points) == 16);
};

/// The number of servers of a continuum: the length of the array given to `create_ketama`,
/// or the number of server lines of a rolled file (servers that got no point included).
/// 0 for a NULL continuum or the empty one of a failed roll.
///
/// # Safety
/// `cont` is NULL or a live continuum from this library.
#[no_mangle]
pub unsafe extern "C" fn ketama_server_count(cont: ketama_continuum) -> c_int {
    // SAFETY: per the contract.
    unsafe { Handle::continuum(cont) }.map_or(0, |c| {
        c_int::try_from(c.servers().len()).unwrap_or(c_int::MAX)
    })
}

/// Fills `*info` with server `index` of `cont`, the index `get_server` and `get_servers`
/// return: its whole address, weight and number of points. Returns 0, or -1 with
/// `ketama_error()` saying why for a NULL continuum or `info`, or an index that is negative
/// or not below `ketama_server_count(cont)`; `*info` is then left alone.
///
/// # Safety
/// `cont` is NULL or a live continuum from this library; `info` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ketama_server_at(
    cont: ketama_continuum,
    index: c_int,
    info: *mut ketama_server_info,
) -> c_int {
    if cont.is_null() || info.is_null() {
        last_error::set(&"ketama_server_at: the continuum and info must not be NULL");
        return -1;
    }
    // SAFETY: per the contract.
    let found = unsafe { Handle::continuum(cont) }
        .zip(usize::try_from(index).ok())
        .and_then(|(c, i)| c.server_info(i));
    let Some(server) = found else {
        // SAFETY: per the contract.
        let count = unsafe { ketama_server_count(cont) };
        last_error::set(&format_args!(
            "ketama_server_at: no server {index} (the continuum has {count})"
        ));
        return -1;
    };
    // `unsigned long` is 32 bits on some targets; a weight was one when it was given.
    #[allow(clippy::useless_conversion)]
    let weight = c_ulong::try_from(server.weight).unwrap_or(c_ulong::MAX);
    // SAFETY: `info` is non-NULL and writable per the contract.
    unsafe {
        info.write(ketama_server_info {
            addr: server.addr.as_ptr(),
            weight,
            points: server.points,
        })
    };
    0
}

/// The server that owns point `index` of `cont->array`, as the index `get_server` returns
/// (turn it into an address with `ketama_server_at`). `mcs.ip` names a point's server only by
/// the first 22 bytes of its address, which several servers may share; this names it exactly,
/// for callers that walk the ring from a key's point to the next server (failover). Returns
/// -1, with `ketama_error()` saying why, for a NULL or empty continuum or an index that is
/// negative or not below `numpoints`.
///
/// # Safety
/// `cont` is NULL or a live continuum from this library.
#[no_mangle]
pub unsafe extern "C" fn ketama_point_server(cont: ketama_continuum, index: c_int) -> c_int {
    // SAFETY: per the contract.
    let Some(c) = (unsafe { Handle::continuum(cont) }) else {
        last_error::set(&"ketama_point_server: the continuum is NULL or empty");
        return -1;
    };
    match usize::try_from(index) {
        Ok(i) if i < c.points().len() => c_int::try_from(c.owner(i)).unwrap_or(-1),
        _ => {
            last_error::set(&format_args!(
                "ketama_point_server: no point {index} (the continuum has {})",
                c.points().len()
            ));
            -1
        }
    }
}

/// Frees a continuum from `create_ketama` or `ketama_roll`; the same as `ketama_smoke`.
/// NULL is ignored. A continuum made before a `fork` is valid in the parent and in the child,
/// and each process frees its own copy.
///
/// # Safety
/// `cont` is NULL or a continuum from this library not yet freed; it is not used after.
#[no_mangle]
pub unsafe extern "C" fn ketama_free(cont: ketama_continuum) {
    // SAFETY: per the contract.
    unsafe { Handle::free(cont) }
}

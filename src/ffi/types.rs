//! The structs of the original `ketama.h`, with the layouts existing binaries were compiled
//! against, and the allocation behind every `ketama_continuum` this library hands out.

use crate::continuum::{Continuum, Point};
use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use std::mem::{align_of, offset_of, size_of};
use std::ptr;
use std::sync::Arc;

/// One point of the continuum. `ip` holds the first 22 bytes of the server's address; it is
/// not NUL-terminated when the address has 22 bytes or more, but the two padding bytes after
/// it are zero, so `printf("%s", m->ip)` stops there.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct mcs {
    /// Position on the ring.
    pub point: c_uint,
    /// The server's address, as described above.
    pub ip: [c_char; 22],
}

/// A server as the original parsed it. No function uses it; it is kept because programs
/// compiled against the original header may name it.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct serverinfo {
    pub addr: [c_char; 22],
    pub memory: c_ulong,
}

/// A continuum as the original exposes it. Bindings read these fields directly.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct continuum {
    /// Number of elements of `array`.
    pub numpoints: c_int,
    /// Points at a `time_t`: the server file's modification time (0 for `create_ketama`);
    /// NULL after a failed roll.
    pub modtime: *mut c_void,
    /// Points at `numpoints` `mcs`, sorted by `point`; NULL when empty. Shared between
    /// continua of the same file: read-only.
    pub array: *mut c_void,
}

/// The handle every `ketama_*` function takes.
#[allow(non_camel_case_types)]
pub type ketama_continuum = *mut continuum;

/// What a `ketama_continuum` really points at: the C view first, so the pointer to the
/// handle is a pointer to the view, then what keeps the view valid.
#[repr(C)]
pub(crate) struct Handle {
    view: continuum,
    modtime: libc::time_t,
    points: Option<Arc<Continuum>>,
}

impl Handle {
    /// A new handle for C. `modtime` is `None` for the empty continuum of a failed roll.
    pub(crate) fn into_raw(
        points: Option<Arc<Continuum>>,
        modtime: Option<i64>,
    ) -> ketama_continuum {
        let (numpoints, array) = match &points {
            Some(c) => (
                c_int::try_from(c.points().len()).unwrap_or(c_int::MAX),
                c.points().as_ptr().cast_mut().cast(),
            ),
            None => (0, ptr::null_mut()),
        };
        let raw = Box::into_raw(Box::new(Handle {
            view: continuum {
                numpoints,
                modtime: ptr::null_mut(),
                array: if numpoints == 0 {
                    ptr::null_mut()
                } else {
                    array
                },
            },
            modtime: modtime.unwrap_or(0),
            points,
        }));
        if modtime.is_some() {
            // SAFETY: `raw` is the live allocation just made; the pointer is taken after the
            // Box is given up, so it stays valid as long as the handle.
            unsafe { (*raw).view.modtime = ptr::addr_of_mut!((*raw).modtime).cast() };
        }
        raw.cast()
    }

    /// The continuum behind a handle, if any.
    ///
    /// # Safety
    /// `cont` is NULL or was returned by this library and not yet freed.
    pub(crate) unsafe fn continuum<'a>(cont: ketama_continuum) -> Option<&'a Continuum> {
        // SAFETY: per the contract, a non-NULL `cont` points at a live `Handle`.
        let handle = unsafe { cont.cast::<Handle>().as_ref() }?;
        handle.points.as_deref()
    }

    /// Frees a handle.
    ///
    /// # Safety
    /// `cont` is NULL or was returned by this library and not yet freed; it is not used after.
    pub(crate) unsafe fn free(cont: ketama_continuum) {
        if !cont.is_null() {
            // SAFETY: per the contract, `cont` came from `Box::into_raw` in `into_raw`.
            drop(unsafe { Box::from_raw(cont.cast::<Handle>()) });
        }
    }
}

/// The `mcs` a point is handed out as.
pub(crate) fn as_mcs(point: &Point) -> *mut mcs {
    ptr::from_ref(point).cast_mut().cast()
}

// The layouts of the original header (LP64), which compiled programs rely on.
const _: () = {
    assert!(size_of::<mcs>() == 28);
    assert!(offset_of!(mcs, point) == 0);
    assert!(offset_of!(mcs, ip) == 4);
    assert!(size_of::<serverinfo>() == 32);
    assert!(offset_of!(serverinfo, memory) == 24);
    assert!(size_of::<continuum>() == 24);
    assert!(offset_of!(continuum, numpoints) == 0);
    assert!(offset_of!(continuum, modtime) == 8);
    assert!(offset_of!(continuum, array) == 16);
    assert!(offset_of!(Handle, view) == 0);
    // The core's points are handed out as `mcs`.
    assert!(size_of::<Point>() == size_of::<mcs>());
    assert!(align_of::<Point>() == align_of::<mcs>());
    assert!(offset_of!(Point, point) == offset_of!(mcs, point));
    assert!(offset_of!(Point, ip) == offset_of!(mcs, ip));
};

//! Fork safety: a child forked at any moment, while other threads of the parent roll, can use
//! the library at once (pre-fork servers: php-fpm, Apache prefork, gunicorn `--preload`,
//! Python's `multiprocessing`).
//!
//! `fork` copies only the calling thread. A lock another thread held at that moment stays
//! held in the child by a thread that does not exist there, and a `OnceLock` or `LazyLock`
//! another thread was initialising stays "being initialised" for ever: the child's first use
//! would wait for ever. So:
//!
//! - Every critical section on the core's shared state ([`Mutex`], which the cache's map sits
//!   in) also holds one process-wide gate. A `pthread_atfork` prepare handler takes the gate,
//!   which waits for the section in progress, if any, and keeps new ones out until the
//!   process is copied; the parent and child handlers release it. No thread is then half way
//!   through an update of the map when it is copied, and no lock is held in the child.
//!   Sections are short and never do IO (the cache reads and parses outside them), so a fork
//!   waits microseconds at most. Lookups take no lock and are not slowed.
//! - The prepare handler also forces the lazily-initialised statics the core uses (the MD5
//!   engine's CPU detection, ours and `fearless_simd`'s), which waits for an initialisation in
//!   progress, so none is copied half done. The others are `const`-initialised.
//! - The handlers are registered by [`register`], which every [`Mutex::lock`] and the first
//!   use of the MD5 engine call before they lock or initialise anything. No lock or `Once`
//!   guards the registration itself (it would be one more thing a fork could catch half
//!   done): each thread that finds it not yet done does it. Registering twice is harmless,
//!   since the handlers see that this fork already holds the gate, and it can only happen to
//!   threads that race to the library's first use.
//!
//! Registration is lazy rather than a load-time constructor so that it works the same in the
//! C library and wherever the core is linked as an rlib (the Python extension), and so that
//! it comes after the registration of any `malloc` replacement (jemalloc, tcmalloc), whose
//! locks a thread inside a section may need: prepare handlers run in reverse order of
//! registration, so ours runs, and waits for such a thread, before the allocator's locks.
//!
//! The handlers run for `fork()` (glibc's, and any libc's that implements `pthread_atfork`);
//! `_Fork()`, `vfork()` and a raw `clone` skip them, and a child made by those may only exec.
//!
//! The call to `pthread_atfork` is the only `unsafe` here outside the tests; the crate
//! allows `unsafe` in this module and in `ffi` alone.

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{MutexGuard, PoisonError};

/// Held by every [`Mutex`] section, and by the forking thread from prepare to parent/child.
static GATE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Whether a registration of the handlers has completed in this process (or its parent).
static REGISTERED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The gate, from the prepare handler to the parent or child handler of the fork this
    /// thread is making. `ManuallyDrop` keeps the thread-local free of a destructor (one
    /// would be registered with the C library inside the prepare handler).
    static HELD: RefCell<Option<ManuallyDrop<MutexGuard<'static, ()>>>> =
        const { RefCell::new(None) };
}

/// Registers the fork handlers if no registration has completed yet. Call it before taking
/// a lock or initialising a lazy static that a fork must not catch half done.
pub(crate) fn register() {
    if REGISTERED.load(Ordering::Acquire) {
        return;
    }
    // SAFETY: the three handlers are `extern "C" fn()` that live as long as the process
    // (the library is never unloaded while a handler could run: glibc unregisters a shared
    // object's handlers when it is unloaded). The call fails only for lack of memory, and
    // then there is nothing better to do than to go on without the guarantee.
    unsafe { libc::pthread_atfork(Some(prepare), Some(release), Some(release)) };
    REGISTERED.store(true, Ordering::Release);
}

/// Before `fork`: waits for lazy statics being initialised and for the section in progress,
/// then holds the gate so that no new section starts.
extern "C" fn prepare() {
    // This handler runs, so a registration has completed: a registering thread the fork
    // catches before it records that leaves the child nothing to register again.
    REGISTERED.store(true, Ordering::Release);
    crate::hash::detect();
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        if held.is_none() {
            let gate = GATE.lock().unwrap_or_else(PoisonError::into_inner);
            *held = Some(ManuallyDrop::new(gate));
        }
    });
}

/// After `fork`, in the parent and in the child: releases the gate the prepare handler took.
/// In the child the copied map is whole, and every continuum in it is as valid as in the
/// parent, so it is kept: children start with the parent's rolls cached.
extern "C" fn release() {
    if let Some(gate) = HELD.with(|held| held.borrow_mut().take()) {
        drop(ManuallyDrop::into_inner(gate));
    }
}

/// A `std::sync::Mutex` whose sections never straddle a `fork` (see the module doc). Not
/// reentrant, and two are never held at once: a section holds the process-wide gate. Keep
/// sections short, without IO, and without a first use of a lazy static (the prepare
/// handler waits for such a use while the section holds the gate it then takes).
pub(crate) struct Mutex<T> {
    inner: std::sync::Mutex<T>,
}

/// A section of a [`Mutex`]: the data, then the gate (fields drop in order).
pub(crate) struct Guard<'a, T> {
    data: MutexGuard<'a, T>,
    _gate: MutexGuard<'static, ()>,
}

impl<T> Mutex<T> {
    pub(crate) const fn new(value: T) -> Mutex<T> {
        Mutex {
            inner: std::sync::Mutex::new(value),
        }
    }

    /// Locks the gate, then the data. A panic in an earlier section does not poison it:
    /// what it guards is only a cache.
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        register();
        let gate = GATE.lock().unwrap_or_else(PoisonError::into_inner);
        let data = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Guard { data, _gate: gate }
    }
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Forks; the child runs `f` under a 5-second alarm and exits with its status. The
    /// parent returns the child's wait status.
    fn in_child(f: impl FnOnce() -> i32) -> i32 {
        // SAFETY: the child runs `f` and `_exit`s; the parent reaps it.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            // SAFETY: plain system calls in the child.
            unsafe {
                libc::alarm(5);
                libc::_exit(f());
            }
        }
        let mut status = 0;
        // SAFETY: waits for that child; `status` is writable.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        status
    }

    #[test]
    fn handlers_registered_twice_release_the_gate_once() {
        register();
        // A second registration, as two threads racing to the first use would make.
        // SAFETY: as in `register`.
        unsafe { libc::pthread_atfork(Some(prepare), Some(release), Some(release)) };
        let m = Mutex::new(1);
        let status = in_child(|| {
            *m.lock() += 1;
            i32::from(*m.lock() != 2)
        });
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{status:#x}"
        );
        *m.lock() += 10;
        assert_eq!(*m.lock(), 11);
        assert!(HELD.with(|held| held.borrow().is_none()));
    }
}

//! The threads that build a large continuum (`workers`) are the library's, not the program's:
//! they start with every signal blocked, as glibc's own helper threads do, so that a signal
//! meant for the program is handled by one of the program's threads, never on a thread it does
//! not know about in the middle of a build. Setting a thread's signal mask is a libc call, hence
//! this module's `unsafe` lines.

use std::mem::MaybeUninit;

/// The calling thread's signal mask as it was, put back when dropped.
struct Restore(Option<libc::sigset_t>);

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            // SAFETY: `old` is a mask that `pthread_sigmask` wrote.
            unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, old, std::ptr::null_mut()) };
        }
    }
}

/// Runs `start` with every signal blocked in the calling thread, so that the threads it starts
/// inherit a full mask; the caller's mask is back when this returns (or unwinds). A signal that
/// arrives meanwhile stays pending and is delivered to the caller then.
pub(crate) fn blocked_while<R>(start: impl FnOnce() -> R) -> R {
    let mut all = MaybeUninit::<libc::sigset_t>::uninit();
    let mut old = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `sigfillset` initialises `all` (it cannot fail on a valid pointer);
    // `pthread_sigmask` reads it and, when it succeeds, initialises `old`.
    let restore = unsafe {
        libc::sigfillset(all.as_mut_ptr());
        match libc::pthread_sigmask(libc::SIG_SETMASK, all.as_ptr(), old.as_mut_ptr()) {
            0 => Restore(Some(old.assume_init())),
            _ => Restore(None),
        }
    };
    let result = start();
    drop(restore);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::Workers;
    use std::sync::Mutex;

    /// Whether `signal` is blocked in the calling thread.
    fn is_blocked(signal: libc::c_int) -> bool {
        let mut mask = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: with a null new mask, `pthread_sigmask` only writes the current one.
        unsafe {
            assert_eq!(
                libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), mask.as_mut_ptr()),
                0
            );
            libc::sigismember(mask.as_ptr(), signal) == 1
        }
    }

    #[test]
    fn build_threads_block_every_signal_and_the_caller_keeps_its_mask() {
        assert!(!is_blocked(libc::SIGINT));
        let caller = std::thread::current().id();
        let seen = Mutex::new(Vec::new());
        Workers::new(3, 64).run((0..64).collect(), |_: usize| {
            // Long enough that the other threads get some of the jobs.
            std::thread::sleep(std::time::Duration::from_millis(1));
            let on_caller = std::thread::current().id() == caller;
            seen.lock().unwrap().push((
                on_caller,
                is_blocked(libc::SIGINT),
                is_blocked(libc::SIGTERM),
            ));
        });
        let seen = seen.into_inner().unwrap();
        assert!(seen.iter().any(|&(on_caller, ..)| !on_caller));
        for (on_caller, int, term) in seen {
            assert_eq!((int, term), (!on_caller, !on_caller));
        }
        assert!(!is_blocked(libc::SIGINT));
    }
}

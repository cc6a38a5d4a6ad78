//! The build of a large continuum spread over the machine's cores, inside the call that builds
//! it: a first roll of 10,000 servers hashes, sorts and lays out 1.6 million points, and two
//! cores do it in about half the time of one.
//!
//! The threads are scoped: they are made for one step of one build and joined before the step
//! returns, so no thread of the library outlives the call that made it (`ketama_roll` returns
//! with the process's threads as it found them). They share nothing but the step's input and
//! a queue of its pieces; each writes only the part of the output its piece was handed, as a
//! slice of its own. They take no lock of the core's, neither the cache's nor the gate that
//! `fork` waits on (the queue's lock is their own and lives as long as the step), so a fork in
//! another thread meanwhile leaves the child nothing held (see `fork`).
//!
//! The threads start with every signal blocked: a signal meant for the program is handled by
//! one of its own threads (`signals`).
//!
//! A thread the system refuses to make (`EAGAIN` at a thread limit, no memory for its stack)
//! leaves its pieces to the threads already made and to the calling thread, which always works
//! too: a build never fails for want of threads, it only takes longer.

use crate::signals;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::PoisonError;

/// Points from which a build uses several threads: below, a thread would cost more to make
/// than it saves (a roll of 1000 servers, 158,000 points, takes a few milliseconds).
pub const PARALLEL_POINTS: usize = 1 << 17;

/// Most threads a build uses. The steps are bound by memory more than by instructions, and a
/// library should not take a large machine's every core for one roll.
pub const MOST_THREADS: usize = 8;

/// Most pieces a build is cut into: each piece costs a few words of bookkeeping per step.
pub const MOST_PIECES: usize = 4096;

/// Pieces per thread: enough that a thread that starts late or runs slower (another program
/// on the core) leaves its share to the others.
const PIECES_PER_THREAD: usize = 4;

/// Each worker's stack. Their work keeps its buffers on the heap; glibc maps a stack's pages
/// only as they are touched.
const STACK_BYTES: usize = 256 << 10;

/// How a build spreads its work: on how many threads (the calling one included), in how many
/// pieces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Workers {
    threads: usize,
    pieces: usize,
}

impl Workers {
    /// One thread, one piece: the whole work in the calling thread.
    pub const ONE: Workers = Workers {
        threads: 1,
        pieces: 1,
    };

    /// `threads` threads (the calling one and `threads - 1` more) sharing `pieces` pieces;
    /// both at least 1, and at most [`MOST_PIECES`] pieces. More threads than pieces are never
    /// made.
    pub fn new(threads: usize, pieces: usize) -> Workers {
        Workers {
            threads: threads.max(1),
            pieces: pieces.clamp(1, MOST_PIECES),
        }
    }

    /// What a build of `points` points uses: one thread below [`PARALLEL_POINTS`], else the
    /// cores the process may run on, up to [`MOST_THREADS`].
    pub fn for_points(points: usize) -> Workers {
        if points < PARALLEL_POINTS {
            return Workers::ONE;
        }
        let threads = cores().min(MOST_THREADS);
        Workers::new(threads, threads * PIECES_PER_THREAD)
    }

    /// Threads the work may use, the calling one included.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Pieces the work is cut into.
    pub fn pieces(&self) -> usize {
        self.pieces
    }

    /// Runs `work` on each of `jobs`, spread over the threads, and returns once all are done.
    /// The jobs are taken in order from a queue by whichever thread is free.
    pub(crate) fn run<J: Send>(&self, jobs: Vec<J>, work: impl Fn(J) + Sync) {
        let helpers = self.threads.min(jobs.len()).saturating_sub(1);
        if helpers == 0 {
            jobs.into_iter().for_each(work);
            return;
        }
        let queue = std::sync::Mutex::new(jobs.into_iter());
        // The lock is held only to take the next job, never while one runs, so a panicking job
        // cannot poison it; the other threads go on emptying the queue regardless.
        let next = || queue.lock().unwrap_or_else(PoisonError::into_inner).next();
        let drain = || {
            while let Some(job) = next() {
                work(job);
            }
        };
        std::thread::scope(|scope| {
            // The threads start with every signal blocked (see `signals`).
            let made = signals::blocked_while(|| {
                let mut made = Vec::with_capacity(helpers);
                for _ in 0..helpers {
                    let spawned = std::thread::Builder::new()
                        .name("ketama-build".into())
                        // An explicit size: the default would read RUST_MIN_STACK from the
                        // environment, under std's environment lock.
                        .stack_size(STACK_BYTES)
                        .spawn_scoped(scope, drain);
                    match spawned {
                        Ok(thread) => made.push(thread),
                        Err(_) => break,
                    }
                }
                made
            });
            // Every thread is joined, even when a job panicked (the unwinding build of the
            // Python extension), rather than left to the scope, which waits only for their
            // work: `join` waits for each thread to have exited. The first panic then goes on.
            let mut panic = panic::catch_unwind(AssertUnwindSafe(drain)).err();
            for thread in made {
                if let Err(payload) = thread.join() {
                    panic.get_or_insert(payload);
                }
            }
            if let Some(payload) = panic {
                panic::resume_unwind(payload);
            }
        });
    }
}

/// Cores this process may run on, asked once (0 until then: two threads that race to ask
/// both ask, which is harmless, and no lazily-initialised static is left for a `fork` to catch
/// half done).
fn cores() -> usize {
    static CORES: AtomicUsize = AtomicUsize::new(0);
    match CORES.load(Ordering::Relaxed) {
        0 => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            CORES.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Where to cut `n` items into `pieces` pieces of about the same size.
pub(crate) fn even_cuts(n: usize, pieces: usize) -> Vec<usize> {
    (1..pieces).map(|k| k * n / pieces).collect()
}

/// Cuts `v` at `cuts` (ascending, each at most `v.len()`): the slices `v[0..cuts[0]]`,
/// `v[cuts[0]..cuts[1]]`, ..., `v[cuts[last]..]`, one more than there are cuts.
pub(crate) fn split_at<'a, T>(mut v: &'a mut [T], cuts: &[usize]) -> Vec<&'a mut [T]> {
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut at = 0;
    for &cut in cuts {
        let (head, tail) = v.split_at_mut(cut - at);
        parts.push(head);
        (v, at) = (tail, cut);
    }
    parts.push(v);
    parts
}

/// `split_at` for a shared slice.
pub(crate) fn split_at_ref<'a, T>(v: &'a [T], cuts: &[usize]) -> Vec<&'a [T]> {
    let starts = std::iter::once(0).chain(cuts.iter().copied());
    let ends = cuts.iter().copied().chain([v.len()]);
    starts
        .zip(ends)
        .map(|(start, end)| &v[start..end])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn every_job_runs_once_on_any_number_of_threads() {
        for (threads, jobs) in [(1, 0), (1, 5), (2, 1), (2, 7), (3, 64), (9, 4)] {
            let runs: Vec<AtomicU32> = (0..jobs).map(|_| AtomicU32::new(0)).collect();
            Workers::new(threads, jobs).run((0..jobs).collect(), |j: usize| {
                runs[j].fetch_add(1, Ordering::Relaxed);
            });
            assert!(runs.iter().all(|r| r.load(Ordering::Relaxed) == 1));
        }
    }

    #[test]
    fn jobs_run_on_other_threads_and_none_outlives_the_run() {
        let caller = std::thread::current().id();
        let ids = std::sync::Mutex::new(Vec::new());
        Workers::new(2, 64).run((0..64).collect(), |_: usize| {
            // Long enough that the second thread gets some of the jobs.
            std::thread::sleep(std::time::Duration::from_millis(1));
            ids.lock().unwrap().push(std::thread::current().id());
        });
        let ids = ids.into_inner().unwrap();
        assert_eq!(ids.len(), 64);
        assert!(ids.contains(&caller));
        assert!(ids.iter().any(|&id| id != caller));
    }

    #[test]
    fn every_thread_has_exited_when_a_job_panics() {
        use std::sync::atomic::AtomicBool;
        static EXITED: AtomicBool = AtomicBool::new(false);
        /// Set when its thread exits: thread-local destructors run last.
        struct OnExit;
        impl Drop for OnExit {
            fn drop(&mut self) {
                std::thread::sleep(std::time::Duration::from_millis(200));
                EXITED.store(true, Ordering::SeqCst);
            }
        }
        thread_local!(static ON_EXIT: OnExit = const { OnExit });
        let caller = std::thread::current().id();
        let run = std::panic::catch_unwind(|| {
            Workers::new(2, 2).run(vec![0, 1], |_: usize| {
                if std::thread::current().id() == caller {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    panic!("a job on the calling thread");
                }
                ON_EXIT.with(|_| ());
                std::thread::sleep(std::time::Duration::from_millis(100));
            });
        });
        assert!(run.is_err());
        assert!(EXITED.load(Ordering::SeqCst), "a thread outlived the run");
    }

    #[test]
    fn pieces_are_bounded() {
        assert_eq!(Workers::new(2, usize::MAX).pieces(), MOST_PIECES);
        assert_eq!(Workers::new(0, 0), Workers::ONE);
    }

    #[test]
    fn slices_at_cuts() {
        let mut v: Vec<u32> = (0..10).collect();
        let parts = split_at(&mut v, &[0, 3, 3, 10]);
        let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        assert_eq!(lens, [0, 3, 0, 7, 0]);
        assert_eq!(parts[3][0], 3);
    }

    #[test]
    fn small_builds_use_one_thread() {
        assert_eq!(Workers::for_points(PARALLEL_POINTS - 1), Workers::ONE);
        let large = Workers::for_points(PARALLEL_POINTS);
        assert!((1..=MOST_THREADS).contains(&large.threads()));
        assert_eq!(large.pieces(), large.threads() * PIECES_PER_THREAD);
    }
}

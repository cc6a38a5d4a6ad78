//! Fork safety of the core through its Rust API, as the Python binding uses it (a `Cache` of
//! its own, no C entry point): children forked while threads roll through a `static` cache
//! and a cache of their own, and while another builds continua, must roll, look up and use
//! the continua the parent rolled before the fork, at once. c-tests/test_fork.c does the same
//! through the C ABI.

use ketama::cache::Cache;
use ketama::continuum::{Continuum, Server};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const CHILDREN: usize = 300;
const ALARM_SECONDS: u32 = 5;
const MAX_ALIVE: usize = 32;
const TEXT: &str = "10.0.0.1:11211 100\n10.0.0.2:11211 200\n10.0.0.3:11211 300\n";

/// A process-wide cache as a binding keeps one: a plain `static`.
static SHARED: Cache = Cache::new();

fn servers() -> Vec<Server> {
    TEXT.lines()
        .map(|line| {
            let (addr, weight) = line.split_once(' ').unwrap();
            Server::new(addr.as_bytes().to_vec(), weight.parse().unwrap())
        })
        .collect()
}

/// A fleet large enough for its build to run on several threads (`workers`): 1000 servers,
/// 158,000 points or so.
fn large_fleet() -> Vec<Server> {
    (0..1000)
        .map(|i| {
            Server::new(
                format!("10.1.{}.{}:11211", i / 256, i % 256).into_bytes(),
                100 + i % 7,
            )
        })
        .collect()
}

/// Children that also build the large fleet: one in this many (a build takes a while in a
/// debug build).
const LARGE_EVERY: usize = 25;

fn keys() -> Vec<Vec<u8>> {
    (0..64).map(|k| format!("key-{k}").into_bytes()).collect()
}

/// The server of every key, one at a time and in a batch (which uses the SIMD engine).
fn answers(c: &Continuum) -> Vec<Option<usize>> {
    let keys = keys();
    let one: Vec<_> = keys.iter().map(|k| c.server_for(k)).collect();
    let slices: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
    let mut batch = vec![None; keys.len()];
    c.servers_for(&slices, &mut batch);
    assert_eq!(one, batch);
    one
}

/// What a child does: everything at once, with the parent's continuum too, and now and then a
/// build of the large fleet on several threads (`large` holds its answers). Its exit status.
fn child(
    path: &Path,
    own: &Cache,
    parent: Arc<Continuum>,
    want: &[Option<usize>],
    large: Option<&[Option<usize>]>,
) -> i32 {
    let work = || {
        if let Some(large) = large {
            assert_eq!(answers(&Continuum::build(large_fleet()).unwrap()), large);
        }
        for cache in [&SHARED, own, &Cache::new()] {
            let rolled = cache.roll(path).expect("roll");
            assert_eq!(answers(&rolled.continuum), want);
        }
        assert_eq!(answers(&Continuum::build(servers()).unwrap()), want);
        assert_eq!(answers(&parent), want);
        drop(parent);
    };
    match std::panic::catch_unwind(work) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

fn scenario(path: &Path) {
    let own = Arc::new(Cache::new());
    let parent = SHARED.roll(path).unwrap().continuum;
    let want = answers(&parent);
    let large = answers(&Continuum::build(large_fleet()).unwrap());
    assert_eq!(answers(&own.roll(path).unwrap().continuum), want);

    let stop = Arc::new(AtomicBool::new(false));
    let loops = Arc::new(AtomicU64::new(0));
    // The fourth thread builds the large fleet, so that children are also forked while the
    // build's own threads run.
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (stop, loops, own, path) =
                (stop.clone(), loops.clone(), own.clone(), path.to_owned());
            let want_1 = if t == 3 { large[1] } else { want[1] };
            std::thread::spawn(move || {
                let mut wrong = 0;
                while !stop.load(Ordering::Relaxed) {
                    let c = match t {
                        0 => SHARED.roll(&path).unwrap().continuum,
                        1 => own.roll(&path).unwrap().continuum,
                        2 => Arc::new(Continuum::build(servers()).unwrap()),
                        _ => Arc::new(Continuum::build(large_fleet()).unwrap()),
                    };
                    wrong += usize::from(c.server_for(b"key-1") != want_1);
                    loops.fetch_add(1, Ordering::Relaxed);
                }
                wrong
            })
        })
        .collect();
    while loops.load(Ordering::Relaxed) == 0 {
        std::thread::yield_now();
    }

    let (mut fine, mut hung, mut failed) = (0, 0, 0);
    let mut reap = |block: bool| {
        let mut status = 0;
        // SAFETY: `status` is writable; only this test's children are waited for.
        let pid = unsafe { libc::waitpid(-1, &mut status, if block { 0 } else { libc::WNOHANG }) };
        if pid <= 0 {
            return false;
        }
        if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
            fine += 1;
        } else if libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGALRM {
            hung += 1;
        } else {
            failed += 1;
        }
        true
    };
    // Up to MAX_ALIVE at once, so that a hung child costs its alarm once, not in a row.
    let (mut alive, mut forked) = (0, 0);
    while forked < CHILDREN || alive > 0 {
        if forked < CHILDREN && alive < MAX_ALIVE {
            // SAFETY: the child runs only the library and `_exit`s; the parent reaps it.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0, "fork failed");
            if pid == 0 {
                // SAFETY: plain system calls in the child.
                unsafe {
                    libc::alarm(ALARM_SECONDS);
                    let large = (forked % LARGE_EVERY == 0).then_some(large.as_slice());
                    libc::_exit(child(path, &own, parent.clone(), &want, large));
                }
            }
            forked += 1;
            alive += 1;
            alive -= usize::from(reap(false));
        } else if reap(true) {
            alive -= 1;
        } else {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let wrong: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(
        (fine, hung, failed, wrong),
        (CHILDREN, 0, 0, 0),
        "{}: children fine, hung (killed by the alarm), failed; wrong answers in the parent",
        path.display()
    );
    assert_eq!(
        answers(&parent),
        want,
        "the parent's continuum after the children"
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ketama-fork-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn children_forked_while_threads_roll_can_use_everything() {
    // A fresh file (every roll reads it again) and one aged 60 s (answered by its stamp).
    let fresh = scratch("fresh");
    std::fs::write(&fresh, TEXT).unwrap();
    let aged = scratch("aged");
    std::fs::write(&aged, TEXT).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&aged)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(60))
        .unwrap();
    scenario(&fresh);
    scenario(&aged);
    std::fs::remove_dir_all(fresh.parent().unwrap()).unwrap();
}

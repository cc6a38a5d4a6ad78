//! The text behind `ketama_error()`: one buffer per thread, at a fixed address for the thread's
//! life, as the original's static buffer was for the process.

use std::cell::RefCell;
use std::ffi::c_char;
use std::fmt::Display;

const CAPACITY: usize = 4096;

thread_local! {
    static LAST: RefCell<[u8; CAPACITY]> = const { RefCell::new([0; CAPACITY]) };
}

/// Records `message` as this thread's last error (cut to the buffer, NUL-terminated).
pub fn set(message: &dyn Display) {
    let text = message.to_string();
    LAST.with(|buf| {
        let mut buf = buf.borrow_mut();
        let n = text.len().min(CAPACITY - 1);
        buf[..n].copy_from_slice(&text.as_bytes()[..n]);
        buf[n] = 0;
    });
}

/// Empties this thread's last error, after a success.
pub fn clear() {
    LAST.with(|buf| buf.borrow_mut()[0] = 0);
}

/// This thread's buffer.
pub fn as_ptr() -> *mut c_char {
    LAST.with(|buf| buf.as_ptr().cast())
}

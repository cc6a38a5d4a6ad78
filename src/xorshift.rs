//! The deterministic pseudo-random numbers the unit tests draw their cases from.

/// A xorshift64 stream from `seed` (not 0).
pub fn stream(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

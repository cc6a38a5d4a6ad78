//! Why a server list cannot make a continuum, in words a user can act on.

use crate::continuum::MAX_POINTS;
use std::fmt;

/// Why a server list cannot make a continuum. Two errors are where the original's arithmetic
/// is undefined, which a server file whose total wrapped around past `ULONG_MAX` always
/// reaches: `CountUndefined`, where it converts a server's `floorf(...)` to an `unsigned int`
/// that cannot hold it (2^32 or more, or the infinity of a total of 0), and `PastTheArray`,
/// where the points up to a server pass the `160 * n` its array holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildError {
    NoServers,
    EmptyAddress {
        index: usize,
    },
    NulInAddress {
        index: usize,
    },
    ZeroWeight {
        index: usize,
    },
    TotalOverflow,
    /// The weights add up to more than the flavor's client counts (`most`).
    TotalTooLarge {
        most: u64,
    },
    TooManyPoints,
    /// A ring made by hashing more points than this, of which only a table is kept (pecl
    /// memcache's): refused as too slow to build.
    TooManyToHash {
        most: u64,
    },
    /// Two servers of the same name, which the flavor's client refuses (twemproxy).
    SameName {
        first: usize,
        index: usize,
    },
    /// A server's name is longer than its flavor's client takes (libmemcached's host names,
    /// twemproxy's hashed names).
    NameTooLong {
        index: usize,
        most: usize,
    },
    CountUndefined {
        index: usize,
        addr: Vec<u8>,
        weight: u64,
        total: u64,
        wrapped: bool,
    },
    PastTheArray {
        index: usize,
        addr: Vec<u8>,
        points: u64,
        total: u64,
        wrapped: bool,
    },
}

impl BuildError {
    /// The index of the server the error is about, when it is about one.
    pub fn server(&self) -> Option<usize> {
        match *self {
            BuildError::EmptyAddress { index }
            | BuildError::NulInAddress { index }
            | BuildError::ZeroWeight { index }
            | BuildError::NameTooLong { index, .. }
            | BuildError::SameName { index, .. }
            | BuildError::CountUndefined { index, .. }
            | BuildError::PastTheArray { index, .. } => Some(index),
            BuildError::NoServers
            | BuildError::TotalOverflow
            | BuildError::TotalTooLarge { .. }
            | BuildError::TooManyPoints
            | BuildError::TooManyToHash { .. } => None,
        }
    }
}

/// What the total of the weights is, and how it came to be so small.
fn total_was(total: u64, wrapped: bool) -> String {
    if wrapped {
        format!(
            "the weights add up to only {total}, their sum having wrapped around past ULONG_MAX"
        )
    } else {
        format!("the weights add up to {total}")
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::NoServers => write!(f, "no servers given"),
            BuildError::EmptyAddress { index } => {
                write!(f, "server {index} has no address")
            }
            BuildError::NulInAddress { index } => {
                write!(f, "server {index} has a NUL byte in its address")
            }
            BuildError::ZeroWeight { index } => write!(f, "server {index} has weight 0"),
            BuildError::TotalOverflow => {
                write!(f, "the weights add up to more than an unsigned long holds")
            }
            BuildError::TotalTooLarge { most } => write!(
                f,
                "the weights add up to more than {most}, the most this flavor's client counts"
            ),
            BuildError::SameName { first, index } => write!(
                f,
                "servers {first} and {index} have the same name, which their client refuses"
            ),
            BuildError::NameTooLong { index, most } => write!(
                f,
                "server {index} has a name of more than {most} bytes, more than its client takes"
            ),
            BuildError::TooManyToHash { most } => write!(
                f,
                "the weights ask for more than {most} points to hash (160 a unit of weight), \
                 more than a ring is built from in seconds"
            ),
            BuildError::TooManyPoints => {
                write!(
                    f,
                    "more than {MAX_POINTS} points, or more servers than an int counts"
                )
            }
            BuildError::CountUndefined { addr, total: 0, .. } => write!(
                f,
                "the weights add up to 0, their sum having wrapped around past ULONG_MAX to a \
                 multiple of 2^64, so the share of server \"{}\" is a division by zero; \
                 the original's behaviour is undefined there",
                String::from_utf8_lossy(addr)
            ),
            BuildError::CountUndefined {
                addr,
                weight,
                total,
                wrapped,
                ..
            } => write!(
                f,
                "server \"{}\" of weight {weight} would get 2^32 digests or more, more than \
                 the original counts in an unsigned int: {}",
                String::from_utf8_lossy(addr),
                total_was(*total, *wrapped)
            ),
            BuildError::PastTheArray {
                addr,
                points,
                total,
                wrapped,
                ..
            } => write!(
                f,
                "the servers up to \"{}\" would get {points} points, more than the original's \
                 array holds (160 a server): {}",
                String::from_utf8_lossy(addr),
                total_was(*total, *wrapped)
            ),
        }
    }
}

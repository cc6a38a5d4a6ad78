//! SPEC's algorithm transcribed a second time, from the text of SPEC.md rather than from
//! `src/`, so that the hostile-input tests and the fuzz targets have an oracle that does not
//! share the library's mistakes. It favours plainness over speed: it reads the file the way
//! the C original's loop does, one `fgets` at a time.

use md5::{Digest, Md5};

/// A server: address bytes and weight.
pub type Server = (Vec<u8>, u64);

/// Where the reference rejects a file: at an `fgets` read (counted from 1), or for having no
/// server at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    AtLine(u32),
    NoServers,
}

fn c_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

/// `fgets(buf, 127, f)` on `data` from `*pos`: the C string it leaves in `buf`.
fn fgets<'a>(data: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    if *pos >= data.len() {
        return None;
    }
    let start = *pos;
    while *pos < data.len() && *pos - start < 126 {
        *pos += 1;
        if data[*pos - 1] == b'\n' {
            break;
        }
    }
    let read = &data[start..*pos];
    let end = read.iter().position(|&b| b == 0).unwrap_or(read.len());
    Some(&read[..end])
}

/// `strtok(line, "\t ")`, called until it returns NULL.
fn strtok(line: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
            i += 1;
        }
        let start = i;
        while i < line.len() && line[i] != b' ' && line[i] != b'\t' {
            i += 1;
        }
        if i > start {
            out.push(&line[start..i]);
        }
    }
    out
}

/// `strtol(s, NULL, 10)`: `None` without digits or on `ERANGE`.
fn strtol(s: &[u8]) -> Option<i128> {
    let mut i = s.iter().take_while(|&&b| c_space(b)).count();
    let sign = match s.get(i) {
        Some(b'-') => {
            i += 1;
            -1
        }
        Some(b'+') => {
            i += 1;
            1
        }
        _ => 1,
    };
    let digits: Vec<u8> = s[i..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    if digits.is_empty() {
        return None;
    }
    // Leading zeros count for nothing; past 20 significant digits the value is out of range
    // however it continues.
    let significant = digits.iter().skip_while(|&&d| d == b'0');
    let mut value: i128 = 0;
    for d in significant.take(21) {
        value = value * 10 + i128::from(d - b'0');
    }
    let value = sign * value;
    (i128::from(i64::MIN)..=i128::from(i64::MAX))
        .contains(&value)
        .then_some(value)
}

/// The servers of a server file, or the line that rejects it: what the original's reading
/// loop decides, before any arithmetic on the weights.
pub fn parse(data: &[u8]) -> Result<Vec<Server>, Reject> {
    servers_and_lines(data).map(|(servers, _)| servers)
}

/// `parse`, with the line of each server.
fn servers_and_lines(data: &[u8]) -> Result<(Vec<Server>, Vec<u32>), Reject> {
    let mut pos = 0;
    let mut line = 0u32;
    let (mut servers, mut lines) = (Vec::new(), Vec::new());
    while let Some(buf) = fgets(data, &mut pos) {
        line += 1;
        if buf.len() < 2 || buf[0] == b'#' {
            continue;
        }
        let toks = strtok(buf);
        let reject = Err(Reject::AtLine(line));
        // An address of white space (`\r`, `\v`, `\f`) is still an address to the original.
        let Some(addr) = toks.first() else {
            return reject;
        };
        if addr.len() > 23 || toks.len() < 2 {
            return reject;
        }
        let weight_tok = toks[1];
        // strtol's long, stored in an unsigned long: -1 is 2^64 - 1. Only 0 is refused.
        let weight = match strtol(&weight_tok[..weight_tok.len() - 1]) {
            Some(w) if w != 0 => (w as i64) as u64,
            _ => return reject,
        };
        servers.push((addr.to_vec(), weight));
        lines.push(line);
    }
    if servers.is_empty() {
        return Err(Reject::NoServers);
    }
    Ok((servers, lines))
}

/// What `ketama_roll` makes of a file: its servers when it rolls, else the line that rejects
/// it, which is the server line where the original's behaviour becomes undefined when every
/// line reads. The 2^24-point limit is the caller's to apply, on `point_count`.
pub fn roll(data: &[u8]) -> Result<Vec<Server>, Reject> {
    let (servers, lines) = servers_and_lines(data)?;
    match point_count(&servers, Sum::File) {
        Ok(_) => Ok(servers),
        Err(Refusal::UndefinedAt(server)) => Err(Reject::AtLine(lines[server])),
        Err(Refusal::Invalid) => unreachable!("a parsed file has addresses and weights"),
    }
}

/// How the weights add up: as a server file's do in the original (an `unsigned long`,
/// modulo 2^64), or as `create_ketama`'s (a sum past 2^64 - 1 is refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sum {
    File,
    Array,
}

/// Why servers make no continuum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No server, an empty address or one with a NUL byte, weight 0, or (`Sum::Array`) a sum
    /// past 2^64 - 1.
    Invalid,
    /// The original's behaviour is undefined at this server (its index): its `floorf(...)`
    /// is not in [0, 2^32), or the points up to it pass `160 * n`.
    UndefinedAt(usize),
}

/// The total of the weights, or `None` when `sum` refuses it.
fn total(servers: &[Server], sum: Sum) -> Option<u64> {
    let exact: u128 = servers.iter().map(|(_, w)| u128::from(*w)).sum();
    match sum {
        Sum::File => Some(exact as u64),
        Sum::Array => u64::try_from(exact).ok(),
    }
}

/// `floorf((float)((double)pct * 40.0 * (double)(float)n))`, before the original converts it
/// to an `unsigned int`.
fn digests(weight: u64, total: u64, n: usize) -> f32 {
    let pct: f32 = weight as f32 / total as f32;
    let product: f64 = pct as f64 * 40.0 * (n as f32) as f64;
    (product as f32).floor()
}

/// How many points `servers` make, or why they make none.
pub fn point_count(servers: &[Server], sum: Sum) -> Result<u64, Refusal> {
    let invalid = servers.is_empty()
        || servers
            .iter()
            .any(|(a, w)| a.is_empty() || a.contains(&0) || *w == 0);
    let total = total(servers, sum)
        .filter(|_| !invalid)
        .ok_or(Refusal::Invalid)?;
    let mut points = 0u64;
    for (index, (_, weight)) in servers.iter().enumerate() {
        let ks = digests(*weight, total, servers.len());
        if !(0.0..4_294_967_296.0).contains(&ks) {
            return Err(Refusal::UndefinedAt(index));
        }
        points += 4 * ks as u64;
        if points > 160 * servers.len() as u64 {
            return Err(Refusal::UndefinedAt(index));
        }
    }
    Ok(points)
}

/// The continuum of `servers`: (point, index of its server), sorted stably by point. Call only
/// when `point_count` is `Ok` for the same `sum`.
pub fn continuum(servers: &[Server], sum: Sum) -> Vec<(u32, usize)> {
    let total = total(servers, sum).expect("point_count accepted the servers");
    let mut points = Vec::new();
    for (index, (addr, weight)) in servers.iter().enumerate() {
        for k in 0..digests(*weight, total, servers.len()) as u64 {
            let mut input = addr.clone();
            input.extend_from_slice(format!("-{k}").as_bytes());
            let d = Md5::digest(&input);
            for h in 0..4 {
                let word = u32::from(d[4 * h])
                    | u32::from(d[4 * h + 1]) << 8
                    | u32::from(d[4 * h + 2]) << 16
                    | u32::from(d[4 * h + 3]) << 24;
                points.push((word, index));
            }
        }
    }
    points.sort_by_key(|&(point, _)| point);
    points
}

/// Where a key lands: the index of the first point at or after its hash, else 0, found by a
/// plain scan.
pub fn lookup(points: &[u32], key: &[u8]) -> Option<usize> {
    let d = Md5::digest(key);
    let h = u32::from_le_bytes([d[0], d[1], d[2], d[3]]);
    scan(points, h)
}

/// The first point at or after `h`, else the first point, by a plain scan.
pub fn scan(points: &[u32], h: u32) -> Option<usize> {
    if points.is_empty() {
        return None;
    }
    Some(points.iter().position(|&p| p >= h).unwrap_or(0))
}

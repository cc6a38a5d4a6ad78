//! A server address split as memcached clients split it: `host:port`, `[v6]:port`, or a host
//! alone (port 11211). The flavors build the string they hash for a server from these parts,
//! each as its client does (libmemcached drops `:11211`, dalli always writes the port, ...).

/// memcached's port, which several clients leave out of the names they hash.
pub const DEFAULT_PORT: u32 = 11211;

/// The parts of an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostPort<'a> {
    /// The host, without the brackets of an IPv6 address.
    pub host: &'a [u8],
    /// The port, when the address gives one (decimal digits, at most 65535).
    pub port: Option<u32>,
}

impl HostPort<'_> {
    /// The port, 11211 when none is given.
    pub fn port_or_default(&self) -> u32 {
        self.port.unwrap_or(DEFAULT_PORT)
    }
}

/// `digits` as a port number, if they are one.
fn port(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
    (value <= 65535).then_some(value)
}

/// Splits `addr`. An IPv6 address is bracketed when it has a port (`[::1]:11211`); one
/// without brackets (`::1`) is a host alone. A trailing `:` with anything but a port after it
/// is part of the host.
pub fn split(addr: &[u8]) -> HostPort<'_> {
    if let Some(rest) = addr.strip_prefix(b"[") {
        if let Some(close) = rest.iter().position(|&b| b == b']') {
            let (host, after) = (&rest[..close], &rest[close + 1..]);
            match after {
                [] => return HostPort { host, port: None },
                [b':', digits @ ..] if port(digits).is_some() => {
                    return HostPort {
                        host,
                        port: port(digits),
                    }
                }
                _ => {}
            }
        }
    }
    let colons = addr.iter().filter(|&&b| b == b':').count();
    if colons == 1 {
        let at = addr.iter().position(|&b| b == b':').expect("one colon");
        if let Some(p) = port(&addr[at + 1..]) {
            return HostPort {
                host: &addr[..at],
                port: Some(p),
            };
        }
    }
    HostPort {
        host: addr,
        port: None,
    }
}

/// `host:port`, the port always written (11211 when the address has none).
pub fn host_port(addr: &[u8]) -> Vec<u8> {
    let hp = split(addr);
    let mut out = hp.host.to_vec();
    out.extend_from_slice(format!(":{}", hp.port_or_default()).as_bytes());
    out
}

/// `host` alone for port 11211, `host:port` otherwise: libmemcached's and twemproxy's name.
pub fn host_port_unless_default(addr: &[u8]) -> Vec<u8> {
    let hp = split(addr);
    let mut out = hp.host.to_vec();
    if hp.port_or_default() != DEFAULT_PORT {
        out.extend_from_slice(format!(":{}", hp.port_or_default()).as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(addr: &str) -> (&str, Option<u32>) {
        let hp = split(addr.as_bytes());
        (std::str::from_utf8(hp.host).unwrap(), hp.port)
    }

    #[test]
    fn splits_as_clients_write_addresses() {
        assert_eq!(parts("10.0.0.1:11211"), ("10.0.0.1", Some(11211)));
        assert_eq!(parts("cache-a.example.com"), ("cache-a.example.com", None));
        assert_eq!(parts("[::1]:11311"), ("::1", Some(11311)));
        assert_eq!(parts("[::1]"), ("::1", None));
        assert_eq!(parts("::1"), ("::1", None));
        assert_eq!(parts("fe80::1:22122"), ("fe80::1:22122", None));
        assert_eq!(parts("host:port"), ("host:port", None));
        assert_eq!(parts("host:99999"), ("host:99999", None));
        assert_eq!(parts("host:"), ("host:", None));
        assert_eq!(parts("[::1]x"), ("[::1]x", None));
    }

    #[test]
    fn names_with_and_without_the_default_port() {
        assert_eq!(host_port(b"10.0.0.1"), b"10.0.0.1:11211");
        assert_eq!(host_port(b"[::1]:11311"), b"::1:11311");
        assert_eq!(host_port_unless_default(b"10.0.0.1:11211"), b"10.0.0.1");
        assert_eq!(
            host_port_unless_default(b"10.0.0.1:11311"),
            b"10.0.0.1:11311"
        );
        assert_eq!(host_port_unless_default(b"cache"), b"cache");
    }
}

//! A continuum costs at most 36 bytes per point in all: the 28-byte `mcs` C reads, the search
//! structure (each point's key and owner, and the bucket table), plus the server list.

use ketama::continuum::{Continuum, Server, BYTES_PER_POINT};

#[test]
fn at_most_36_bytes_per_point() {
    assert_eq!(BYTES_PER_POINT, 36);
    for n in [8u64, 100, 1000, 10_000] {
        let servers = (0..n)
            .map(|i| {
                Server::new(
                    format!("10.{}.{}.{}:11211", i / 65536, (i / 256) % 256, i % 256).into_bytes(),
                    1 + (i * 7919) % 100,
                )
            })
            .collect();
        let c = Continuum::build(servers).unwrap();
        let per_point = c.bytes_per_point();
        assert!(
            per_point <= 36.0,
            "{n} servers: {per_point:.2} bytes per point"
        );
        assert!(
            per_point >= 28.0,
            "{n} servers: {per_point:.2} cannot be below the mcs size"
        );
    }
}

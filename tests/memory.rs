//! A continuum costs at most 32 bytes per point in all: the 28-byte `mcs` C reads, the owner
//! of each point and the bucket index, plus the server list.

use ketama::continuum::{Continuum, Server};

#[test]
fn at_most_32_bytes_per_point() {
    for n in [8u64, 100, 1000, 10_000] {
        let servers = (0..n)
            .map(|i| Server {
                addr: format!("10.{}.{}.{}:11211", i / 65536, (i / 256) % 256, i % 256)
                    .into_bytes(),
                weight: 1 + (i * 7919) % 100,
            })
            .collect();
        let c = Continuum::build(servers).unwrap();
        let per_point = c.bytes_per_point();
        assert!(
            per_point <= 32.0,
            "{n} servers: {per_point:.2} bytes per point"
        );
        assert!(
            per_point >= 28.0,
            "{n} servers: {per_point:.2} cannot be below the mcs size"
        );
    }
}

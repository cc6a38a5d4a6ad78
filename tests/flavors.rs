//! The flavors through the shared machinery: every lookup path gives the answer a plain scan of
//! the same ring gives under the flavor's rule, ties go where the flavor's client sends them,
//! each flavor names servers and counts points as its client does, and bad lists are refused
//! with a reason. That each recipe is its client's ring is proven against the real clients
//! (clients/, `make test-clients`); this file proves that whatever a recipe says is done the
//! same way everywhere.

use ketama::continuum::{BuildError, Continuum, Server, Total, MAX_POINTS};
use ketama::flavor::{Flavor, Lookup, Ties, BUCKETS, BUCKET_STEP};
use ketama::points;
use ketama::sort;
use ketama::workers::Workers;

fn servers(list: &[(&str, u64)]) -> Vec<Server> {
    list.iter().map(|&(a, w)| Server::new(a, w)).collect()
}

/// Fleets of every shape the suites use: one server, equal and unequal weights, port 11211
/// and others, IPv6, host names.
fn fleets() -> Vec<Vec<Server>> {
    vec![
        servers(&[("127.0.0.1:11211", 1)]),
        servers(&[
            ("10.0.0.1:11211", 1),
            ("10.0.0.2:11311", 2),
            ("[::1]:11211", 3),
            ("cache-d.example.com", 5),
            ("10.0.0.5:22122", 8),
        ]),
        (0..61)
            .map(|i| Server::new(format!("10.0.1.{i}:11211"), 1))
            .collect(),
        (0..130)
            .map(|i| Server::new(format!("10.0.2.{i}:{}", 11211 + i % 3), 1 + i % 5))
            .collect(),
    ]
}

/// Keys of every length, a few over 250 bytes, some not UTF-8.
fn keys() -> Vec<Vec<u8>> {
    let mut next = 0x2545_f491_4f6c_dd1d_u64;
    (0..3000)
        .map(|i| {
            next ^= next << 13;
            next ^= next >> 7;
            next ^= next << 17;
            let len = if i % 97 == 0 {
                251 + (next % 300) as usize
            } else {
                (next % 40) as usize
            };
            (0..len).map(|j| (next >> (j % 56)) as u8 | 0x20).collect()
        })
        .chain([
            b"".to_vec(),
            "café:東京".as_bytes().to_vec(),
            vec![0xff; 300],
        ])
        .collect()
}

/// The server a key of hash `h` goes to by a plain scan of `c`'s points under its flavor's
/// rule: the first point at or after (or after) the hash, wrapping; the last point at or before
/// it (the ring keeps that one's server on the point after it); a bucket's start.
fn scan(c: &Continuum, h: u32) -> usize {
    let points: Vec<u32> = c.points().iter().map(|p| p.point).collect();
    let n = points.len();
    let first_from = |v: u32| points.iter().position(|&p| p >= v).unwrap_or(0);
    match c.flavor().recipe().lookup {
        Lookup::AtOrAfter => c.owner(first_from(h)),
        Lookup::After => c.owner(points.iter().position(|&p| p > h).unwrap_or(0)),
        Lookup::AtOrBefore => {
            let last = points.iter().rposition(|&p| p <= h).unwrap_or(n - 1);
            c.owner((last + 1) % n)
        }
        Lookup::Buckets => c.owner(first_from((h % BUCKETS) * BUCKET_STEP)),
    }
}

#[test]
fn every_lookup_path_agrees_with_a_scan_of_the_ring() {
    let keys = keys();
    let refs: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
    for flavor in Flavor::all() {
        for fleet in fleets() {
            let c = Continuum::build_flavor(fleet.clone(), flavor).unwrap();
            let mut batch = vec![None; refs.len()];
            c.servers_for(&refs, &mut batch);
            for (key, got) in refs.iter().zip(&batch) {
                let h = c.key_hash(key);
                let want = scan(&c, h);
                assert_eq!(c.server_for(key), Some(want), "{flavor} {key:?}");
                assert_eq!(*got, Some(want), "{flavor} batch {key:?}");
                let p = c.point_for_hash(h).unwrap();
                let at = c.locate_hash(h).unwrap();
                assert_eq!(p, &c.points()[at]);
            }
        }
    }
}

#[test]
fn the_key_hash_is_the_flavors_own() {
    let c = |name| Continuum::build_flavor(servers(&[("a:1", 1)]), Flavor::named(name).unwrap());
    let key = b"user:1234";
    assert_eq!(
        c("libketama").unwrap().key_hash(key),
        ketama::hash::key_hash(key)
    );
    assert_eq!(
        c("dalli").unwrap().key_hash(key),
        ketama::hashkit::crc32(key)
    );
    assert_eq!(
        c("twemproxy").unwrap().key_hash(key),
        ketama::hashkit::fnv1a_64(key)
    );
    assert_eq!(
        c("libmemcached-consistent").unwrap().key_hash(key),
        ketama::hashkit::one_at_a_time(key)
    );
    // dalli hashes its shortened form of a key of over 250 characters.
    let long = vec![b'k'; 300];
    let mut short = vec![b'k'; 212];
    short.extend_from_slice(b":md5:");
    short.extend(
        ketama::hash::md5(&long)
            .iter()
            .flat_map(|b| format!("{b:02x}").into_bytes()),
    );
    assert_eq!(
        c("dalli").unwrap().key_hash(&long),
        ketama::hashkit::crc32(&short)
    );
    // 251 bytes but 250 characters or fewer: not shortened.
    let wide = "é".repeat(126);
    assert_eq!(
        c("dalli").unwrap().key_hash(wide.as_bytes()),
        ketama::hashkit::crc32(wide.as_bytes())
    );
}

#[test]
fn ties_go_where_the_flavors_client_sends_them() {
    // The same address twice: every point is tied.
    let twins = servers(&[("10.0.0.9:11211", 1), ("10.0.0.9:11211", 1)]);
    let keys = keys();
    for flavor in Flavor::all() {
        let built = Continuum::build_flavor(twins.clone(), flavor);
        if flavor.recipe().ties == Ties::NameOrder {
            assert_eq!(
                built.unwrap_err(),
                BuildError::SameName { first: 0, index: 1 }
            );
            continue;
        }
        let c = built.unwrap();
        let want = match flavor.recipe().ties {
            Ties::Earlier => 0,
            Ties::Later => 1,
            // Two servers of one name are refused (below).
            Ties::NameOrder => continue,
            // Where Ruby 3.3's sort leaves them: tests/ruby_sort.rs and the dalli client's
            // suite (clients/lists/ties-dalli.list), each against the real Ruby.
            Ties::RubySortBy => continue,
        };
        for key in &keys {
            assert_eq!(c.server_for(key), Some(want), "{flavor}");
        }
    }
}

#[test]
fn twemproxy_ties_go_to_the_name_that_sorts_first() {
    // md5w("127.0.11.1:2181-30", 2) = md5w("127.0.11.1:10017-14", 3) = 3147966550
    // (clients/lists/ties-twemproxy.list): nutcracker sorts its servers by name, shorter first,
    // so the point is 127.0.11.1:2181's whichever comes first in the list.
    let tie = 3_147_966_550;
    let twemproxy = Flavor::named("twemproxy").unwrap();
    for list in [
        [("127.0.11.1:10017", 1), ("127.0.11.1:2181", 1)],
        [("127.0.11.1:2181", 1), ("127.0.11.1:10017", 1)],
    ] {
        let c = Continuum::build_flavor(servers(&list), twemproxy).unwrap();
        let at = c.locate_hash(tie).unwrap();
        assert_eq!(c.points()[at].point, tie);
        assert_eq!(c.points()[at + 1].point, tie);
        assert_eq!(c.servers()[c.owner(at)].addr, b"127.0.11.1:2181");
    }
    // libmemcached, whose ring is the same but for the order of servers, keeps list order.
    let libmemcached = Flavor::named("libmemcached").unwrap();
    let list = [("127.0.11.1:10017", 1), ("127.0.11.1:2181", 1)];
    let c = Continuum::build_flavor(servers(&list), libmemcached).unwrap();
    assert_eq!(c.owner(c.locate_hash(tie).unwrap()), 0);
}

#[test]
fn buckets_take_the_first_point_at_or_after_their_start() {
    for name in ["pecl-memcache", "pecl-memcache:fnv"] {
        let flavor = Flavor::named(name).unwrap();
        for fleet in fleets() {
            let c = Continuum::build_flavor(fleet.clone(), flavor).unwrap();
            assert_eq!(c.points().len(), BUCKETS as usize);
            // Every point of the ring, sorted: what the extension builds before its table.
            let ids: Vec<_> = fleet.iter().map(|s| flavor.identity(s)).collect();
            let inputs = flavor.inputs(&fleet, Total::Checked).unwrap();
            let all = sort::sort_by_point(
                points::hash_points(flavor, &ids, &inputs, Workers::ONE),
                Workers::ONE,
            );
            assert_eq!(
                all.len() as u64,
                160 * fleet.iter().map(|s| s.weight).sum::<u64>()
            );
            for b in 0..BUCKETS {
                let start = b * BUCKET_STEP;
                let first = all.iter().find(|&&k| (k >> 32) as u32 >= start);
                let owner = (first.unwrap_or(&all[0]) & 0xffff_ffff) as usize;
                assert_eq!(c.points()[b as usize].point, start);
                assert_eq!(c.owner(b as usize), owner, "{name} bucket {b}");
            }
        }
    }
}

#[test]
fn servers_are_named_as_their_clients_name_them() {
    let name = |flavor: &str, addr: &str| {
        let id = Flavor::named(flavor)
            .unwrap()
            .identity(&Server::new(addr, 1))
            .into_owned();
        String::from_utf8(id).unwrap()
    };
    let table = [
        ("libketama", "10.0.0.1:11211", "10.0.0.1:11211"),
        ("libmemcached", "10.0.0.1:11211", "10.0.0.1"),
        ("libmemcached", "10.0.0.1:11311", "10.0.0.1:11311"),
        ("libmemcached", "[::1]:11311", "::1:11311"),
        ("libmemcached", "cache", "cache"),
        ("libmemcached-spy", "10.0.0.1", "/10.0.0.1:11211"),
        ("twemproxy:md5", "10.0.0.1:11211", "10.0.0.1"),
        ("spymemcached", "10.0.0.1:11211", "10.0.0.1:11211"),
        ("dalli", "10.0.0.1", "10.0.0.1:11211"),
        ("dalli", "[::1]:11311", "::1:11311"),
        ("dalli", "/run/mc.sock", "/run/mc.sock"),
        ("node-memcached", "10.0.0.1:11211", "10.0.0.1"),
        ("node-memcached", "[::1]:11211", "[::1]:11211"),
        ("hashring", "10.0.0.1:11211", "10.0.0.1:11211"),
        ("uhashring", "10.0.0.1:11211", "10.0.0.1:11211"),
        ("pecl-memcache", "10.0.0.1", "10.0.0.1:11211"),
        ("nginx", "10.0.0.1:11211", "10.0.0.1:11211"),
    ];
    for (flavor, addr, want) in table {
        assert_eq!(name(flavor, addr), want, "{flavor} {addr}");
    }
    // A server's own name (twemproxy's `- host:port:weight name`) is hashed as it is.
    let named = Server {
        name: Some(b"cache-1".to_vec()),
        ..Server::new("10.0.0.1:11211", 1)
    };
    assert_eq!(
        &*Flavor::named("twemproxy").unwrap().identity(&named),
        b"cache-1"
    );
}

#[test]
fn points_per_server_follow_each_clients_count() {
    let equal = |n: usize| -> Vec<Server> {
        (0..n)
            .map(|i| Server::new(format!("10.0.3.{i}:11211"), 1))
            .collect()
    };
    let points = |flavor: &str, fleet: Vec<Server>| {
        let c = Continuum::build_flavor(fleet, Flavor::named(flavor).unwrap()).unwrap();
        c.server_info(0).unwrap().points
    };
    // Single precision all the way: 39 MD5s each for 50 equal servers, where libketama's
    // double product gives 40.
    assert_eq!(points("libketama", equal(50)), 160);
    assert_eq!(points("libmemcached", equal(50)), 156);
    assert_eq!(points("twemproxy", equal(50)), 156);
    assert_eq!(points("spymemcached-weighted", equal(50)), 156);
    // The node clients' double product: 39 MD5s for 7 equal servers; uhashring's integers 40.
    assert_eq!(points("node-memcached", equal(7)), 156);
    assert_eq!(points("hashring", equal(7)), 156);
    assert_eq!(points("uhashring", equal(7)), 160);
    // Unweighted rings.
    assert_eq!(points("libmemcached-ketama", equal(7)), 100);
    assert_eq!(points("libmemcached-consistent", equal(7)), 100);
    assert_eq!(
        points("spymemcached", servers(&[("a:1", 1), ("b:1", 9)])),
        160
    );
    // W * 160, no normalisation.
    assert_eq!(points("nginx", servers(&[("a:1", 3), ("b:1", 1)])), 480);
    assert_eq!(points("dalli", servers(&[("a:1", 3), ("b:1", 1)])), 240);
}

#[test]
fn libmemcached_weighs_only_once_a_weight_is_above_one() {
    let flavor = Flavor::named("libmemcached-consistent-weighted").unwrap();
    let ones = servers(&[("a:1", 1), ("b:1", 1)]);
    let c = Continuum::build_flavor(ones, flavor).unwrap();
    assert_eq!(c.flavor().name(), "libmemcached-consistent");
    assert_eq!(c.server_info(0).unwrap().points, 100);
    let weighted = servers(&[("a:1", 2), ("b:1", 1)]);
    let c = Continuum::build_flavor(weighted, flavor).unwrap();
    assert_eq!(c.flavor(), flavor);
    assert_eq!(c.server_info(0).unwrap().points, 4 * 53);
}

#[test]
fn bad_lists_are_refused_by_every_flavor() {
    for flavor in Flavor::all() {
        let build = |list: Vec<Server>| Continuum::build_flavor(list, flavor).unwrap_err();
        assert_eq!(build(vec![]), BuildError::NoServers, "{flavor}");
        assert_eq!(
            build(servers(&[("a:1", 1), ("b:1", 0)])),
            BuildError::ZeroWeight { index: 1 }
        );
        assert_eq!(
            build(servers(&[("a:1", 1), ("", 1)])),
            BuildError::EmptyAddress { index: 1 }
        );
        assert_eq!(
            build(servers(&[("a\0b", 1)])),
            BuildError::NulInAddress { index: 0 }
        );
        let huge = build(servers(&[("a:1", u64::MAX), ("b:1", u64::MAX)]));
        assert!(
            matches!(
                huge,
                BuildError::TotalOverflow | BuildError::TotalTooLarge { .. }
            ),
            "{flavor}: {huge:?}"
        );
    }
    // Names past the clients' buffers: libmemcached refuses host names of over 1024 bytes,
    // twemproxy cuts the strings of names of over 261 and hashes them alike.
    let long = |n: usize| servers(&[("a:1", 1), (&format!("{}:11311", "h".repeat(n)), 1)]);
    for (flavor, most) in [("libmemcached", 1024), ("libmemcached-consistent", 1024)] {
        let flavor = Flavor::named(flavor).unwrap();
        assert!(Continuum::build_flavor(long(most), flavor).is_ok());
        assert_eq!(
            Continuum::build_flavor(long(most + 1), flavor).unwrap_err(),
            BuildError::NameTooLong { index: 1, most }
        );
    }
    let twemproxy = Flavor::named("twemproxy").unwrap();
    assert!(Continuum::build_flavor(long(255), twemproxy).is_ok());
    assert_eq!(
        Continuum::build_flavor(long(256), twemproxy)
            .unwrap_err()
            .to_string(),
        "server 1 has a name of more than 261 bytes, more than its client takes"
    );
    // W * 160 points kept: past 2^24 points nginx's ring is refused, with the reason.
    let heavy = servers(&[("a:1", MAX_POINTS / 160 + 1)]);
    let nginx = Continuum::build_flavor(heavy.clone(), Flavor::named("nginx").unwrap());
    assert_eq!(nginx.unwrap_err(), BuildError::TooManyPoints);
    // pecl memcache keeps 1024 buckets whatever the weights, up to what it hashes in seconds.
    let pecl = Continuum::build_flavor(heavy, Flavor::named("pecl-memcache").unwrap()).unwrap();
    assert_eq!(pecl.points().len(), 1024);
    let heavier = servers(&[("a:1", (1 << 28) / 160 + 1)]);
    let pecl = Continuum::build_flavor(heavier, Flavor::named("pecl-memcache").unwrap());
    assert_eq!(
        pecl.unwrap_err(),
        BuildError::TooManyToHash { most: 1 << 28 }
    );
}

#[test]
fn unknown_flavors_are_refused_with_the_names() {
    let err = Flavor::named("memcached").unwrap_err().to_string();
    assert!(err.starts_with("unknown flavor \"memcached\": the flavors are libketama, "));
    for flavor in Flavor::all() {
        assert!(err.contains(flavor.name()));
        assert_eq!(Flavor::named(flavor.name()), Ok(flavor));
        for alias in flavor.aliases() {
            assert_eq!(Flavor::named(alias), Ok(flavor));
        }
    }
    assert_eq!(
        Flavor::named("php-memcached").unwrap().name(),
        "libmemcached"
    );
    assert_eq!(
        Flavor::named("twemproxy:fnv1a_64").unwrap().name(),
        "twemproxy"
    );
}

#[test]
fn libketama_is_the_default_and_unchanged() {
    assert_eq!(Flavor::default(), Flavor::LIBKETAMA);
    let fleet = fleets().swap_remove(3);
    let plain = Continuum::build(fleet.clone()).unwrap();
    let flavored = Continuum::build_flavor(fleet, Flavor::LIBKETAMA).unwrap();
    assert_eq!(plain.points(), flavored.points());
}

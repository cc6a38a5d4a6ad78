//! A twemproxy configuration (`nutcracker.yml`) read as a server list: one pool's servers,
//! with their weights and names, and the flavor of its `hash:`, so that an operator can ask
//! which server holds a key behind the proxy.
//!
//! A server line is read as nutcracker reads it, from the end: `host:port:weight [name]` or
//! `/path/to/socket:weight [name]`. The name twemproxy hashes for a server is its name where
//! the line gives one, else `host` alone on port 11211 and `host:port` otherwise (a socket:
//! its path and a `:`, since nutcracker counts the separator of the absent port).

use crate::continuum::Server;
use crate::flavor::Flavor;
use std::fmt;
use yaml_rust2::{Yaml, YamlLoader};

/// One pool of a configuration.
#[derive(Debug)]
pub struct Pool {
    pub name: String,
    /// Its servers: `host:port` (`[v6]:port`, or a socket's path) as the address, the weight,
    /// and twemproxy's name for each.
    pub servers: Vec<Server>,
    /// `twemproxy:HASH` for the pool's `hash:` (`fnv1a_64` when none is given).
    pub flavor: Flavor,
    /// The two characters of the pool's `hash_tag`, when it has one: a key containing both
    /// is hashed by the part between them.
    pub hash_tag: Option<[u8; 2]>,
}

/// Why a configuration cannot be read as a pool.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfError(pub String);

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn error<T>(message: impl Into<String>) -> Result<T, ConfError> {
    Err(ConfError(message.into()))
}

/// The pool `pool` of the configuration `text` (the only pool when `pool` is `None`).
pub fn read(text: &str, pool: Option<&str>) -> Result<Pool, ConfError> {
    let docs = YamlLoader::load_from_str(text)
        .map_err(|err| ConfError(format!("not a YAML file: {err}")))?;
    let Some(Yaml::Hash(pools)) = docs.first() else {
        return error("not a twemproxy configuration: no pools (a YAML map of pool names)");
    };
    let names: Vec<&str> = pools.keys().filter_map(Yaml::as_str).collect();
    let (name, conf) = match pool {
        Some(wanted) => match pools.get(&Yaml::String(wanted.to_string())) {
            Some(conf) => (wanted, conf),
            None => {
                return error(format!(
                    "no pool \"{wanted}\": the pools are {}",
                    names.join(", ")
                ))
            }
        },
        None if pools.len() == 1 => {
            let (name, conf) = pools.iter().next().expect("one pool");
            (name.as_str().unwrap_or("?"), conf)
        }
        None => {
            return error(format!(
                "{} pools ({}): say which with --pool",
                pools.len(),
                names.join(", ")
            ))
        }
    };
    let field = |key: &str| conf[key].as_str();
    if let Some(distribution) = field("distribution") {
        if distribution != "ketama" {
            return error(format!(
                "pool {name} has distribution: {distribution}; only ketama is a ring"
            ));
        }
    } else if !conf["distribution"].is_badvalue() {
        return error(format!("pool {name}: distribution is not a string"));
    } else {
        return error(format!(
            "pool {name} has no distribution: (twemproxy's default is ketama, but say so)"
        ));
    }
    let hash = field("hash").unwrap_or("fnv1a_64");
    let flavor = Flavor::named(&format!("twemproxy:{hash}")).map_err(|_| {
        ConfError(format!(
            "pool {name} has hash: {hash}, which twemproxy lacks"
        ))
    })?;
    let hash_tag = match &conf["hash_tag"] {
        Yaml::BadValue => None,
        tag => match tag.as_str().map(str::as_bytes) {
            Some(&[open, close]) => Some([open, close]),
            _ => return error(format!("pool {name}: hash_tag is not two characters")),
        },
    };
    let Some(lines) = conf["servers"].as_vec() else {
        return error(format!("pool {name} has no servers: list"));
    };
    let mut servers = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let Some(line) = line.as_str() else {
            return error(format!("pool {name}, server {}: not a string", i + 1));
        };
        servers.push(
            server(line)
                .map_err(|why| ConfError(format!("pool {name}, server \"{line}\": {why}")))?,
        );
    }
    if servers.is_empty() {
        return error(format!("pool {name} has no servers"));
    }
    Ok(Pool {
        name: name.to_string(),
        servers,
        flavor,
        hash_tag,
    })
}

/// A `servers:` line, read from the end as nutcracker reads it.
fn server(line: &str) -> Result<Server, &'static str> {
    let (rest, name) = match line.rsplit_once(' ') {
        Some((rest, name)) => (rest, Some(name)),
        None => (line, None),
    };
    let socket = rest.starts_with('/');
    let (rest, weight) = rest.rsplit_once(':').ok_or("no :weight")?;
    let weight: u64 = digits(weight).ok_or("the weight is not a number")?;
    if weight == 0 {
        return Err("weight 0");
    }
    let (addr, port) = if socket {
        (rest.to_string(), None)
    } else {
        let (host, port) = rest.rsplit_once(':').ok_or("no :port")?;
        let port: u64 = digits(port)
            .filter(|p| (1..=65535).contains(p))
            .ok_or("the port is not a port")?;
        (host.to_string(), Some(port))
    };
    let hashed = match (name, port) {
        (Some(name), _) => name.to_string(),
        (None, Some(11211)) => addr.clone(),
        (None, Some(port)) => format!("{addr}:{port}"),
        (None, None) => format!("{addr}:"),
    };
    let shown = match port {
        Some(port) if addr.contains(':') => format!("[{addr}]:{port}"),
        Some(port) => format!("{addr}:{port}"),
        None => addr,
    };
    Ok(Server {
        addr: shown.into_bytes(),
        weight,
        name: Some(hashed.into_bytes()),
    })
}

/// A number of decimal digits only, as `nc_atoi` takes it.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The part of `key` twemproxy hashes under `hash_tag`: between the first opening character
/// and the first closing one after it, when something is between them; else the whole key.
pub fn tagged(key: &[u8], hash_tag: [u8; 2]) -> &[u8] {
    if let Some(open) = key.iter().position(|&b| b == hash_tag[0]) {
        if let Some(len) = key[open + 1..].iter().position(|&b| b == hash_tag[1]) {
            if len > 0 {
                return &key[open + 1..open + 1 + len];
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONF: &str = "\
alpha:
  listen: 127.0.0.1:22121
  hash: fnv1a_64
  distribution: ketama
  auto_eject_hosts: false
  servers:
   - 127.0.0.1:11211:1
   - 127.0.0.2:11311:2 cache-b
   - ::1:11211:3
   - /var/run/mc.sock:1
beta:
  distribution: ketama
  hash: murmur
  hash_tag: \"{}\"
  servers:
   - 10.0.0.1:11211:1
";

    #[test]
    fn a_pool_is_its_servers_names_weights_and_hash() {
        let pool = read(CONF, Some("alpha")).unwrap();
        assert_eq!(pool.flavor, Flavor::named("twemproxy").unwrap());
        let got: Vec<(String, u64, String)> = pool
            .servers
            .iter()
            .map(|s| {
                (
                    String::from_utf8(s.addr.clone()).unwrap(),
                    s.weight,
                    String::from_utf8(s.name.clone().unwrap()).unwrap(),
                )
            })
            .collect();
        let want = [
            ("127.0.0.1:11211", 1, "127.0.0.1"),
            ("127.0.0.2:11311", 2, "cache-b"),
            ("[::1]:11211", 3, "::1"),
            ("/var/run/mc.sock", 1, "/var/run/mc.sock:"),
        ];
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1, g.2.as_str()), w);
        }
        let beta = read(CONF, Some("beta")).unwrap();
        assert_eq!(beta.flavor.name(), "twemproxy:murmur");
        assert_eq!(beta.hash_tag, Some(*b"{}"));
    }

    #[test]
    fn what_cannot_be_a_ring_is_refused_with_the_reason() {
        assert_eq!(
            read(CONF, None).unwrap_err().0,
            "2 pools (alpha, beta): say which with --pool"
        );
        assert_eq!(
            read(CONF, Some("gamma")).unwrap_err().0,
            "no pool \"gamma\": the pools are alpha, beta"
        );
        let modula = "p:\n  distribution: modula\n  servers:\n   - a:1:1\n";
        assert_eq!(
            read(modula, None).unwrap_err().0,
            "pool p has distribution: modula; only ketama is a ring"
        );
        let zero = "p:\n  distribution: ketama\n  servers:\n   - a:11211:0\n";
        assert_eq!(
            read(zero, None).unwrap_err().0,
            "pool p, server \"a:11211:0\": weight 0"
        );
        let hash = "p:\n  distribution: ketama\n  hash: sha1\n  servers:\n   - a:1:1\n";
        assert_eq!(
            read(hash, None).unwrap_err().0,
            "pool p has hash: sha1, which twemproxy lacks"
        );
    }

    #[test]
    fn hash_tags_cut_keys_as_twemproxy_does() {
        assert_eq!(tagged(b"user:{42}:name", *b"{}"), b"42");
        assert_eq!(tagged(b"user:{}:name", *b"{}"), b"user:{}:name");
        assert_eq!(tagged(b"user:{42", *b"{}"), b"user:{42");
        assert_eq!(tagged(b"a}{b}", *b"{}"), b"b");
    }
}

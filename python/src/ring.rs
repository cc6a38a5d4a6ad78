//! `ketama.Continuum`: a continuum rolled from a server file through the process's cache (the
//! original Python API, `Continuum(filename)`) or built from servers in memory
//! (`Continuum.from_servers`), as libketama's ring or another client's (a flavor), and every
//! lookup of both APIs.

use crate::{keys, KetamaError};
use ketama::cache::Cache;
use ketama::continuum::{Continuum as Core, Server, IP_LEN};
use ketama::flavor::Flavor;
use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};
use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// Every server file this process rolled, shared by all its `Continuum` objects: a repeated
/// roll of an unchanged file is a `stat` and a map lookup, and hands out the same points.
///
/// Files are read and parsed with the GIL released, so other Python threads go on meanwhile.
/// The core's cache is fork-safe (README, "Reliability"): a child forked while another thread
/// is inside it (a multiprocessing or pre-fork worker) never inherits its lock taken. A plain
/// `static` (`Cache::new` is `const`): a lazily built one caught half-initialised by a fork
/// would be such a lock.
static CACHE: Cache = Cache::new();

/// Batches at least this long are hashed with the GIL released; shorter ones cost less than
/// releasing and taking it back.
const DETACH_MIN: usize = 64;

/// What lookups read: the core's continuum, and each server's address (whole, and as
/// `mcs.ip` has it) as a Python `str`, made once so that a lookup hands out a reference
/// instead of building a string.
struct Ring {
    core: Arc<Core>,
    names: Vec<Py<PyString>>,
    ips: Vec<Py<PyString>>,
    /// The file's mtime when it was read (the C continuum's `modtime`); 0 when built.
    modtime: i64,
}

impl Ring {
    fn new(py: Python<'_>, core: Arc<Core>, modtime: i64) -> Arc<Ring> {
        let names = core
            .servers()
            .iter()
            .map(|s| address(py, &s.addr).unbind())
            .collect();
        let ips = core
            .servers()
            .iter()
            // `mcs.ip`: the first 22 bytes (an address holds no NUL to end it sooner).
            .map(|s| address(py, &s.addr[..s.addr.len().min(IP_LEN)]).unbind())
            .collect();
        Arc::new(Ring {
            core,
            names,
            ips,
            modtime,
        })
    }

    /// `(point, ip)` of the point at `index`, as the original API gives it.
    fn point<'py>(&self, py: Python<'py>, index: usize) -> (u32, Bound<'py, PyString>) {
        let point = self.core.points()[index].point;
        (point, self.ips[self.core.owner(index)].bind(py).clone())
    }

    /// The index of the server of `key`.
    fn index(&self, key: &[u8]) -> PyResult<usize> {
        self.core.server_for(key).ok_or_else(no_points)
    }
}

/// An address as Python shows it: decoded as `os.fsdecode` does (UTF-8, any other byte kept
/// by `surrogateescape`), so that encoding it back gives the bytes that were hashed.
fn address<'py>(py: Python<'py>, addr: &[u8]) -> Bound<'py, PyString> {
    match OsStr::from_bytes(addr).into_pyobject(py) {
        Ok(s) => s,
        Err(never) => match never {},
    }
}

/// A continuum always has points (every list the core accepts gives some), but a lookup must
/// not assume it.
fn no_points() -> PyErr {
    KetamaError::new_err("the continuum has no points")
}

/// A consistent-hashing ring of memcached servers: the same server for every key as
/// libketama's C clients, from the same server files, or as another client (its flavor).
#[pyclass(module = "ketama", name = "Continuum", frozen)]
pub struct Continuum {
    /// The server file, as given (after `os.fspath`); `None` when built from servers.
    filename: Option<Py<PyAny>>,
    path: Option<PathBuf>,
    /// The flavor asked for. The core may build a variant of it (libmemcached's ring when no
    /// weight is above 1), but the client a caller names is the one it matches.
    flavor: Flavor,
    /// Replaced whole by `reload`; a lookup clones the `Arc` and works on that.
    ring: Mutex<Arc<Ring>>,
}

impl Continuum {
    fn ring(&self) -> Arc<Ring> {
        self.ring
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A file name as `open()` takes it: `str`, `bytes` or a path-like object.
fn fs_path<'py>(filename: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, PathBuf)> {
    let given = filename
        .py()
        .import("os")?
        .call_method1("fspath", (filename,))?;
    let path = match given.cast::<PyBytes>() {
        Ok(b) => PathBuf::from(std::ffi::OsString::from_vec(b.as_bytes().to_vec())),
        Err(_) => given.extract::<PathBuf>()?,
    };
    if path.as_os_str().as_bytes().contains(&0) {
        return Err(PyValueError::new_err("embedded null byte"));
    }
    Ok((given, path))
}

/// The flavor called `name` (or one of its aliases); `ValueError` naming every flavor.
fn flavor_named(name: &str) -> PyResult<Flavor> {
    Flavor::named(name).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The bytes of an address or a server name: `str` as `os.fsencode` gives them, or `bytes`.
fn fs_bytes(index: usize, what: &str, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        Ok(b.as_bytes().to_vec())
    } else if value.is_instance_of::<PyString>() {
        Ok(value.extract::<std::ffi::OsString>()?.into_vec())
    } else {
        Err(PyTypeError::new_err(format!(
            "server {index}: {what} must be str or bytes, not {}",
            value.get_type().name()?
        )))
    }
}

/// One `(address, weight[, name])` of `from_servers`, numbered as the core numbers servers.
fn server(
    index: usize,
    addr: &Bound<'_, PyAny>,
    weight: &Bound<'_, PyAny>,
    name: Option<&Bound<'_, PyAny>>,
) -> PyResult<Server> {
    let addr = fs_bytes(index, "an address", addr)?;
    // `bool` is an `int` to Python, but `True` as a weight is a mistake, not a 1.
    if !weight.is_instance_of::<PyInt>() || weight.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "server {index}: a weight must be an int, not {}",
            weight.get_type().name()?
        )));
    }
    let weight = weight.extract::<u64>().map_err(|_| {
        PyValueError::new_err(format!(
            "server {index} has weight {weight}: weights are 1 to 2**64-1"
        ))
    })?;
    let mut server = Server::new(addr, weight);
    // `None` as a name is no name: a list can give names to some servers only.
    if let Some(name) = name.filter(|n| !n.is_none()) {
        server.name = Some(fs_bytes(index, "a name", name)?);
    }
    Ok(server)
}

/// One item of a `from_servers` iterable: a tuple or list of `(address, weight)` or
/// `(address, weight, name)`, as a `Server`.
fn item_server(index: usize, item: &Bound<'_, PyAny>) -> PyResult<Server> {
    let fields: Option<Vec<Bound<'_, PyAny>>> = if let Ok(t) = item.cast::<PyTuple>() {
        (t.len() <= 3).then(|| t.iter().collect())
    } else if let Ok(l) = item.cast::<PyList>() {
        (l.len() <= 3).then(|| l.iter().collect())
    } else {
        None
    };
    match fields.as_deref() {
        Some([addr, weight]) => server(index, addr, weight, None),
        Some([addr, weight, name]) => server(index, addr, weight, Some(name)),
        _ => Err(PyTypeError::new_err(format!(
            "server {index}: expected an (address, weight) pair or an (address, weight, name) \
             triple, got {}",
            item.repr()?
        ))),
    }
}

#[pymethods]
impl Continuum {
    /// Rolls the server file `filename` (`str`, `bytes` or path-like), as `ketama_roll` does:
    /// through a per-process cache, so that rolling an unchanged file again reads nothing.
    /// `flavor` builds the ring another client builds from the file's servers and weights
    /// (`ketama_roll_flavor`). Raises `KetamaError` with the C library's message when the file
    /// does not roll, `ValueError` for an unknown flavor.
    #[new]
    #[pyo3(signature = (filename, flavor = "libketama"))]
    fn new(py: Python<'_>, filename: &Bound<'_, PyAny>, flavor: &str) -> PyResult<Self> {
        let flavor = flavor_named(flavor)?;
        let (given, path) = fs_path(filename)?;
        let rolled = py
            .detach(|| CACHE.roll_as(&path, flavor))
            .map_err(|e| KetamaError::new_err(e.to_string()))?;
        Ok(Continuum {
            filename: Some(given.unbind()),
            path: Some(path),
            flavor,
            ring: Mutex::new(Ring::new(py, rolled.continuum, rolled.mtime)),
        })
    }

    /// A continuum of servers held in memory: a dict `{address: weight}` or an iterable of
    /// `(address, weight)` pairs, in the order of a server file's lines (the order decides
    /// only which server wins the rare point two servers share). Addresses are `str` or
    /// `bytes` of any length, written as the application configures its client (`host:port`,
    /// `[v6]:port`, `host` alone for port 11211); weights are ints from 1. An item may be an
    /// `(address, weight, name)` triple: the name is hashed in place of what the flavor makes
    /// of the address (twemproxy's server names; `None` for none).
    ///
    /// `flavor` names the client whose ring this is (`ketama.flavors()`): `"libketama"`, or
    /// `"spymemcached"`, `"dalli"`, `"twemproxy"`, ... Raises `TypeError` or `ValueError` for
    /// a bad list, `ValueError` for an unknown flavor (the message names every flavor).
    #[classmethod]
    #[pyo3(signature = (servers, flavor = "libketama"))]
    fn from_servers(
        _cls: &Bound<'_, pyo3::types::PyType>,
        py: Python<'_>,
        servers: &Bound<'_, PyAny>,
        flavor: &str,
    ) -> PyResult<Self> {
        let flavor = flavor_named(flavor)?;
        let mut list = Vec::new();
        if let Ok(d) = servers.cast::<PyDict>() {
            for (index, (addr, weight)) in d.iter().enumerate() {
                list.push(server(index, &addr, &weight, None)?);
            }
        } else {
            if servers.is_instance_of::<PyString>() || servers.is_instance_of::<PyBytes>() {
                return Err(PyTypeError::new_err(
                    "from_servers takes a dict {address: weight} or (address, weight) pairs, \
                     not a string: to read a server file, use Continuum(filename)",
                ));
            }
            for (index, item) in servers.try_iter()?.enumerate() {
                list.push(item_server(index, &item?)?);
            }
        }
        let core = py
            .detach(|| Core::build_flavor(list, flavor))
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Continuum {
            filename: None,
            path: None,
            flavor,
            ring: Mutex::new(Ring::new(py, Arc::new(core), 0)),
        })
    }

    /// `(point, ip)` for a key, as `ketama_get_server` gives them: the point on the ring that
    /// answered (by the flavor's key hash and lookup rule) and the first 22 bytes of the
    /// server's address (`mcs.ip`). The key is read as the C function reads it: `str` as
    /// UTF-8, `bytes` as they are, and a NUL byte raises `ValueError`.
    fn get_server<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<(u32, Bound<'py, PyString>)> {
        let ring = self.ring();
        let hash = ring.core.key_hash(keys::c_string(key)?);
        let i = ring.core.locate_hash(hash).ok_or_else(no_points)?;
        Ok(ring.point(py, i))
    }

    /// Every point of the ring, ascending: a list of `(point, ip)` as `get_server` gives them.
    fn get_points<'py>(&self, py: Python<'py>) -> Vec<(u32, Bound<'py, PyString>)> {
        let ring = self.ring();
        (0..ring.core.points().len())
            .map(|i| ring.point(py, i))
            .collect()
    }

    /// The address of the server of `key` (`str` hashed as UTF-8, `bytes` as they are; any
    /// byte, NUL included, is hashed), whole, as given or as the file spells it.
    fn server(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyString>> {
        let ring = self.ring();
        let i = ring.index(keys::bytes(key)?)?;
        Ok(ring.names[i].clone_ref(py))
    }

    /// The index of the server of `key` in the order the continuum was built from (for a
    /// file, among its server lines), as the C function `get_server` returns it;
    /// `continuum[i]` is its address.
    fn index(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        self.ring().index(keys::bytes(key)?)
    }

    /// The server of each key of an iterable, in order: what `server` gives for each, looked
    /// up in one batch whose keys are hashed several at a time in SIMD lanes, with the GIL
    /// released while they are.
    fn servers<'py>(
        &self,
        py: Python<'py>,
        keys: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let objects: Vec<Bound<'py, PyAny>> = match keys.cast::<PyList>() {
            Ok(list) => list.iter().collect(),
            Err(_) => keys.try_iter()?.collect::<PyResult<_>>()?,
        };
        let slices: Vec<&[u8]> = objects.iter().map(keys::bytes).collect::<PyResult<_>>()?;
        let ring = self.ring();
        let mut found = vec![None; slices.len()];
        if slices.len() >= DETACH_MIN {
            py.detach(|| ring.core.servers_for(&slices, &mut found));
        } else {
            ring.core.servers_for(&slices, &mut found);
        }
        let names = found
            .iter()
            .map(|i| i.map(|i| ring.names[i].bind(py)).ok_or_else(no_points))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, names)
    }

    /// Reads the server file again, as a C client's next `ketama_roll` does (as the same
    /// flavor), and from then on looks up in what it holds now. Returns whether the servers or weights changed. An
    /// unchanged file is not read again (the process's cache); a file that no longer rolls
    /// raises `KetamaError` and leaves this continuum as it was. A continuum built by
    /// `from_servers` has no file: `TypeError`.
    fn reload(&self, py: Python<'_>) -> PyResult<bool> {
        let path = self.path.as_ref().ok_or_else(|| {
            PyTypeError::new_err(
                "this continuum was built by from_servers: it has no file to reload",
            )
        })?;
        let flavor = self.flavor;
        let rolled = py
            .detach(|| CACHE.roll_as(path, flavor))
            .map_err(|e| KetamaError::new_err(e.to_string()))?;
        let old = self.ring();
        let changed = !Arc::ptr_eq(&old.core, &rolled.continuum);
        if changed || old.modtime != rolled.mtime {
            let ring = Ring::new(py, rolled.continuum, rolled.mtime);
            *self.ring.lock().unwrap_or_else(PoisonError::into_inner) = ring;
        }
        Ok(changed)
    }

    /// `(address, weight, points)` of server `index` (negative counts from the end), as the C
    /// function `ketama_server_at` gives them.
    fn server_info<'py>(
        &self,
        py: Python<'py>,
        index: isize,
    ) -> PyResult<(Bound<'py, PyString>, u64, u32)> {
        let ring = self.ring();
        let i = position(index, ring.names.len())?;
        let info = ring.core.server_info(i).ok_or_else(out_of_range)?;
        Ok((ring.names[i].bind(py).clone(), info.weight, info.points))
    }

    /// The server file as it was given, `None` for a continuum built by `from_servers`.
    #[getter]
    fn filename(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.filename.as_ref().map(|f| f.clone_ref(py))
    }

    /// The name of the flavor the ring was built as (`"libketama"` unless another was asked
    /// for; an alias is given back as the flavor's own name).
    #[getter]
    fn flavor(&self) -> &'static str {
        self.flavor.name()
    }

    /// The file's modification time (seconds) when it was read, as the C continuum's
    /// `modtime`; 0 for a continuum built by `from_servers`.
    #[getter]
    fn modtime(&self) -> i64 {
        self.ring().modtime
    }

    /// The number of servers (those too light to get a point included).
    fn __len__(&self) -> usize {
        self.ring().names.len()
    }

    /// The address of server `index`: `continuum[continuum.index(key)] ==
    /// continuum.server(key)`.
    fn __getitem__(&self, py: Python<'_>, index: isize) -> PyResult<Py<PyString>> {
        let ring = self.ring();
        let i = position(index, ring.names.len())?;
        Ok(ring.names[i].clone_ref(py))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let ring = self.ring();
        let mut counts = format!(
            "{} servers, {} points",
            ring.names.len(),
            ring.core.points().len()
        );
        if self.flavor != Flavor::LIBKETAMA {
            counts += &format!(", flavor {}", self.flavor.name());
        }
        Ok(match &self.filename {
            Some(f) => format!("<ketama.Continuum from {} ({counts})>", f.bind(py).repr()?),
            None => format!("<ketama.Continuum of {counts}>"),
        })
    }
}

/// A Python sequence index (negative from the end) as a position in `len` items.
fn position(index: isize, len: usize) -> PyResult<usize> {
    let i = if index < 0 {
        len.checked_sub(index.unsigned_abs())
    } else {
        Some(index.unsigned_abs())
    };
    i.filter(|&i| i < len).ok_or_else(out_of_range)
}

fn out_of_range() -> PyErr {
    PyIndexError::new_err("server index out of range")
}

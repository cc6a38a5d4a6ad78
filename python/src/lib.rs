//! `ketama._ketama`: the library's core as a CPython extension. The Python package `ketama`
//! (python/ketama/) re-exports it; its stubs are python/ketama/_ketama.pyi.
//!
//! A thin layer: every answer comes from the core crate (`ketama::continuum`, `ketama::cache`,
//! `ketama::flavor`, `ketama::hash`); this crate only converts Python values and raises Python exceptions.
//! Nothing a caller passes can crash the interpreter: bad values raise `TypeError`,
//! `ValueError` or `KetamaError`, and this crate is built with `panic = "unwind"` (its own
//! workspace, its own profile), so even a bug would surface as PyO3's `PanicException`
//! rather than abort the process.

mod keys;
mod ring;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

pyo3::create_exception!(
    ketama,
    KetamaError,
    pyo3::exceptions::PyException,
    "A server file that does not roll, with the message `ketama_error()` gives in C."
);

/// The 32-bit hash of a key (`ketama_hashi`): the first four bytes of its MD5, little endian.
/// `str` is hashed as UTF-8, `bytes` as they are; a NUL byte raises `ValueError`, since the
/// C function reads the key as a C string and would stop there.
#[pyfunction]
fn hashi(s: &Bound<'_, PyAny>) -> PyResult<u32> {
    Ok(ketama::hash::key_hash(keys::c_string(s)?))
}

/// The 16-byte MD5 digest of a key (`ketama_md5_digest`), as `bytes`; same key rules as
/// `hashi`.
#[pyfunction]
fn md5digest<'py>(py: Python<'py>, s: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, &ketama::hash::md5(keys::c_string(s)?)))
}

/// Every flavor `Continuum` takes, libketama first: a dict of each flavor's name and the
/// clients, with their settings, whose ring it builds.
#[pyfunction]
fn flavors(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let all = PyDict::new(py);
    for flavor in ketama::flavor::Flavor::all() {
        all.set_item(flavor.name(), flavor.clients())?;
    }
    Ok(all)
}

#[pymodule]
fn _ketama(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The MD5 engines pick their CPU kernels once, on first use. Done here, at import, with
    // the GIL held, so that no fork can happen while another thread is doing it with the GIL
    // released (a child would inherit the one-time initialisation half done).
    ketama::hash::md5_each(&[b"".as_slice()], &mut [[0; 16]]);
    ketama::hash::md5(b"");
    m.add("KetamaError", m.py().get_type::<KetamaError>())?;
    m.add_class::<ring::Continuum>()?;
    m.add_function(wrap_pyfunction!(flavors, m)?)?;
    m.add_function(wrap_pyfunction!(hashi, m)?)?;
    m.add_function(wrap_pyfunction!(md5digest, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

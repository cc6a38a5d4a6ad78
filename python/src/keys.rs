//! Keys and addresses as Python passes them: `str` (hashed as its UTF-8 bytes) or `bytes`
//! (hashed as they are). Both are immutable, so the slices borrowed here stay valid while the
//! objects are alive, with or without the GIL.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// The bytes of a key: a `str`'s UTF-8 (no copy: CPython caches it in the object) or a
/// `bytes` object's contents. Anything else is a `TypeError`.
pub fn bytes<'a>(key: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    if let Ok(s) = key.cast::<PyString>() {
        Ok(s.to_str()?.as_bytes())
    } else if let Ok(b) = key.cast::<PyBytes>() {
        Ok(b.as_bytes())
    } else {
        Err(PyTypeError::new_err(format!(
            "a key must be str or bytes, not {}",
            key.get_type().name()?
        )))
    }
}

/// A key for the functions of the original API, which read it as a C string: a NUL byte
/// would end the key there in C, so it raises `ValueError` (as Python's own C-string
/// arguments do) instead of hashing something else than what C clients hash.
pub fn c_string<'a>(key: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    let b = bytes(key)?;
    if b.contains(&0) {
        return Err(PyValueError::new_err("embedded null character in key"));
    }
    Ok(b)
}

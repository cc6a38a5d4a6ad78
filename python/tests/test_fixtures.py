"""Every fixture through Python gives what the C library gives, for every key of keys.txt:
both APIs, `str` and `bytes` keys; a fixture that does not roll raises KetamaError with the C
library's message."""

import pathlib
import re

import pytest

import ketama
from conftest import CASES, FIXTURES, KEYS


def expected_points(name):
    """The original's points for a fixture, from its reference file."""
    lines = (FIXTURES / f"{name}.expected").read_text().splitlines()
    return [(int(p), ip) for tag, p, ip in (line.split("\t") for line in lines if line.startswith("point\t"))]


def test_every_fixture_is_tested():
    assert len(CASES) >= 25 and "lastfm8" in CASES and "err_missing_file" in CASES
    assert len(KEYS) > 2000


@pytest.mark.parametrize("name", CASES)
def test_fixture(name, clib):
    path = FIXTURES / f"{name}.servers"
    c = clib.roll(path)
    if isinstance(c, str):
        assert c, "the C library gave no message"
        for given in (str(path), bytes(path), path):
            with pytest.raises(ketama.KetamaError) as raised:
                ketama.Continuum(given)
            assert str(raised.value) == c
        return
    with c:
        py = ketama.Continuum(str(path))
        assert py.get_points() == c.points() == expected_points(name)
        assert len(py) == c.server_count()
        assert [py[i] for i in range(len(py))] == [c.address(i) for i in range(len(py))]
        want_point = [c.get_server(k) for k in KEYS]
        want_index = [c.index(k) for k in KEYS]
        want_server = [c.address(i) for i in want_index]
        strs = [k.decode() for k in KEYS]
        for keys in (KEYS, strs):
            assert [py.get_server(k) for k in keys] == want_point
            assert [py.index(k) for k in keys] == want_index
            assert [py.server(k) for k in keys] == want_server
            assert py.servers(keys) == want_server
        # The python_ketama API's hash agrees with the point found.
        assert all(ketama.hashi(k) == clib.hashi(k) for k in KEYS)


def test_original_module_tests(tmp_path):
    """python_ketama's own tests (tests.py of last.fm's module), in Python 3."""
    valid = tmp_path / "valid"
    valid.write_text("127.0.0.1:11211\t600\n127.0.0.1:11212\t400\n")
    invalid = tmp_path / "invalid"
    invalid.write_text("127.0.0.1:11211 600\n127.0.0.1:11212 two\n")
    cont = ketama.Continuum(str(valid))
    assert type(cont) is ketama.Continuum
    with pytest.raises(ketama.KetamaError):
        ketama.Continuum("/dev/null")
    with pytest.raises(ketama.KetamaError):
        ketama.Continuum(str(invalid))
    assert cont.get_server("test") == (3454255383, "127.0.0.1:11211")
    assert ketama.hashi("test") == 3446378249
    assert len(cont.get_points()) == 160 * 2


def test_repr_and_attributes(clib):
    path = FIXTURES / "lastfm8.servers"
    cont = ketama.Continuum(path)
    assert repr(cont) == f"<ketama.Continuum from {str(path)!r} (8 servers, 1264 points)>"
    assert cont.filename == str(path)
    assert cont.modtime == int(path.stat().st_mtime)
    assert ketama.Continuum(bytes(path)).filename == bytes(path)
    ring = ketama.Continuum.from_servers({"a:1": 1})
    assert repr(ring) == "<ketama.Continuum of 1 servers, 160 points>"
    assert ring.filename is None and ring.modtime == 0


def test_unreadable_paths_raise_the_c_message(clib, tmp_path):
    for path in (tmp_path, pathlib.Path("/dev/null"), tmp_path / "missing", pathlib.Path("/dev/zero")):
        c = clib.roll(path)
        assert isinstance(c, str)
        with pytest.raises(ketama.KetamaError, match="^" + re.escape(c) + "$"):
            ketama.Continuum(path)

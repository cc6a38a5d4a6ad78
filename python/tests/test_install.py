"""The wheel installs with pip into a fresh venv and imports without the C library: its
extension links no libketama, exports only its module's init function, and is abi3."""

import ast
import importlib
import os
import pathlib
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def wheel():
    path = os.environ.get("KETAMA_WHEEL")
    if not path:
        pytest.fail("KETAMA_WHEEL is not set: run the suite through python/test.sh (make python-test)")
    return pathlib.Path(path)


def test_wheel_is_one_abi3_wheel_with_stubs(wheel):
    assert wheel.name.startswith("ketama-") and "-cp310-abi3-" in wheel.name
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("ketama/__init__.py", "ketama/_ketama.abi3.so", "ketama/_ketama.pyi",
                 "ketama/py.typed", "ketama/pymemcache.py"):
        assert name in names


def test_fresh_venv_without_the_c_library(wheel, tmp_path, clib):
    venv = tmp_path / "venv"
    # Nothing of the test run's environment: the wheel under test is on its PYTHONPATH, where
    # pip would find it already installed.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH")}
    # A venv without pip of its own (quicker to make); this pip installs into it.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env=env, check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", venv / "bin/python", "install", "-q",
                    "--no-index", str(wheel)], env=env, check=True)
    script = (
        "import ketama, ketama.pymemcache, os\n"
        "ring = ketama.Continuum.from_servers({'10.0.1.1:11211': 600, '10.0.1.2:11211': 300})\n"
        "print(ketama.__file__)\n"
        "print(ring.server('user:1234'), ring.servers(['a', 'b']), ketama.hashi('test'))\n"
        "maps = open('/proc/self/maps').read()\n"
        "assert 'libketama' not in maps, 'libketama is loaded'\n"
    )
    out = subprocess.run([venv / "bin/python", "-c", script], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert out[0].startswith(str(venv))
    c = clib.create([(b"10.0.1.1:11211", 600), (b"10.0.1.2:11211", 300)])
    with c:
        want = f"{c.server(b'user:1234')} {[c.server(b'a'), c.server(b'b')]} {clib.hashi(b'test')}"
    assert out[1] == want
    so = next(venv.glob("lib/python*/site-packages/ketama/_ketama.abi3.so"))
    needed = subprocess.run(["readelf", "-d", so], check=True, capture_output=True, text=True).stdout
    libs = [line.split("[")[1].rstrip("]") for line in needed.splitlines() if "(NEEDED)" in line]
    assert libs and not [lib for lib in libs if "ketama" in lib or "python" in lib], libs
    ldd = subprocess.run(["ldd", so], env=env, check=True, capture_output=True, text=True).stdout
    assert "not found" not in ldd and "ketama" not in ldd.replace(str(so), ""), ldd
    exported = subprocess.run(["nm", "-D", "--defined-only", so], check=True, capture_output=True,
                              text=True).stdout.split()
    assert exported[2::3] == ["PyInit__ketama"], exported
    # The C library of this tree exists, but nothing points the loader at it.
    assert (ROOT / "target/lib/libketama.so.1").exists()


def test_stubs_name_what_the_module_has():
    """_ketama.pyi (installed beside the extension) declares exactly the module's public names
    and Continuum's methods."""
    module = importlib.import_module("ketama._ketama")
    stubs = ast.parse((pathlib.Path(module.__file__).parent / "_ketama.pyi").read_text())
    declared = {n.name for n in stubs.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    declared |= {n.target.id for n in stubs.body if isinstance(n, ast.AnnAssign)}
    public = {n for n in dir(module) if not n.startswith("_")} | {"__version__"}
    assert declared == public
    (cls,) = [n for n in stubs.body if isinstance(n, ast.ClassDef) and n.name == "Continuum"]
    methods = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    runtime = {n for n in vars(module.Continuum) if not n.startswith("_")}
    assert methods - {"__init__", "__len__", "__getitem__"} == runtime
    assert {"__len__", "__getitem__"} <= set(vars(module.Continuum))

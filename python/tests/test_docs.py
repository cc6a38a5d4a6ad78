"""The documented Python examples: the first of docs/python.md and README.md's run and print
what the C example of the in-memory API prints (c-tests/example_api.expected); the pymemcache
recipe compiles. So do the mixed-fleet section's: its recipes compile (they name servers off
this machine: never run), its API example prints what the C library's flavored continuum
answers."""

import re
import subprocess
import sys

import pytest

from conftest import ROOT


def python_blocks(page):
    return re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), re.S)


@pytest.mark.parametrize("page", ["docs/python.md", "README.md"])
def test_example_prints_what_c_prints(tmp_path, page):
    example = python_blocks(page)[0]
    out = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout
    assert out == (ROOT / "c-tests/example_api.expected").read_text()


def test_pymemcache_recipe_compiles():
    recipe = python_blocks("docs/python.md")[1]
    assert "hasher=KetamaHasher" in recipe
    compile(recipe, "docs/python.md", "exec")


def fleet_blocks():
    page = (ROOT / "docs/python.md").read_text()
    section = page[page.index("\n## Mixed fleets"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_fleet_recipes_compile():
    recipe, names, api = fleet_blocks()
    for flavor in ("spymemcached", "spymemcached-weighted", "dalli", "libmemcached",
                   "node-memcached", "twemproxy"):
        assert f'"{flavor}"' in recipe
    assert "names=" in names
    compile(recipe, "docs/python.md", "exec")
    compile(names, "docs/python.md", "exec")


def test_fleet_api_example_prints_what_c_answers(clib, tmp_path):
    api = fleet_blocks()[2]
    out = subprocess.run([sys.executable, "-c", api], cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    c = clib.create([(b"10.0.1.1:11211", 300), (b"10.0.1.2:11211", 100), (b"10.0.1.3:11212", 200)],
                    "dalli")
    with c:
        assert out[0] == f"dalli {c.server(b'user:1234')} {[c.server(b'a'), c.server(b'b')]}"
    assert out[1] in ("10.0.1.1:11211", "10.0.1.2:11211")

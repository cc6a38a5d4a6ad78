"""The documented Python examples: the first of docs/python.md and README.md's run and print
what the C example of the in-memory API prints (c-tests/example_api.expected); the pymemcache
recipe compiles."""

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

"""The README's Python example runs and prints what the C example of the in-memory API prints
(c-tests/example_api.expected); its pymemcache recipe compiles."""

import re
import subprocess
import sys

from conftest import ROOT


def python_blocks():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("\n## Python\n") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_example_prints_what_c_prints(tmp_path):
    example = python_blocks()[0]
    out = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout
    assert out == (ROOT / "c-tests/example_api.expected").read_text()


def test_pymemcache_recipe_compiles():
    recipe = python_blocks()[1]
    assert "hasher=KetamaHasher" in recipe
    compile(recipe, "README.md", "exec")

"""The domain is pure: importing it loads nothing but the standard library and attrs."""

import subprocess
import sys

PROBE = """
import sys
before = set(sys.modules)
import starshop.domain
loaded = {name.split('.')[0] for name in set(sys.modules) - before}
stdlib = set(sys.stdlib_module_names)
print(sorted(loaded - stdlib - {'starshop', 'attr', 'attrs'}))
"""


def test_importing_the_domain_loads_only_the_standard_library_and_attrs():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_probe_would_notice_a_third_party_import():
    probe = PROBE.replace("import starshop.domain", "import starshop.domain, httpx")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "httpx" in out

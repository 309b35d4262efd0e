"""scanner.resources.names: one name per registered type, and the link step loads no attribute model."""

from __future__ import annotations

import subprocess
import sys

from scanner.resources import REGISTRY, names


def test_names_are_the_registered_types() -> None:
    named = {value for key, value in vars(names).items() if key.isupper()}
    assert named == set(REGISTRY.names())


def test_the_linkers_load_without_the_domain_modules() -> None:
    """A scan's link step (`linkers()`) imports the link modules, not the TypedDicts of the domain modules."""
    code = ("import sys; from scanner.resources import linkers; found = [l.name for l in linkers()]; "
            "print(sorted(found)); print(sorted(m for m in sys.modules if m.startswith('scanner.resources.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == str(sorted(linker.name for linker in REGISTRY.linkers))
    assert out[1] == str(sorted(["scanner.resources.link_airflow", "scanner.resources.link_aws",
                                 "scanner.resources.link_iac", "scanner.resources.names",
                                 "scanner.resources.registry"]))

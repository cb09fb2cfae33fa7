"""What each installed distribution holds, read from its RECORD inside the
image: the top-level names it can be imported by, and its compiled
extension modules. Written next to pip's report as JSON:
{name: {"imports": [...], "compiled": [...]}}.
Standard library only: it runs on every interpreter gilbench builds."""

import json
import sys
from importlib import metadata

SITE, OUT = sys.argv[1], sys.argv[2]
EXTENSIONS = (".so", ".pyd")


def module_name(path):
    """"pkg/_speedups.cpython-313t-x86_64-linux-gnu.so" -> "pkg._speedups"."""
    parts = path.split("/")
    parts[-1] = parts[-1].split(".")[0]
    return ".".join(parts)


def contents(dist):
    imports, compiled = set(), set()
    for file in dist.files or ():
        path = str(file)
        top = path.split("/")[0]
        if path.startswith("..") or top.endswith((".dist-info", ".data")) or top == "__pycache__":
            continue
        if path.endswith(EXTENSIONS):
            compiled.add(module_name(path))
        if path.endswith((".py",) + EXTENSIONS):
            imports.add(module_name(top) if "/" not in path else top)
    return {"imports": sorted(imports), "compiled": sorted(compiled)}


packages = dict((d.metadata["Name"], contents(d)) for d in metadata.distributions(path=[SITE]))
with open(OUT, "w") as f:
    json.dump(packages, f, sort_keys=True)

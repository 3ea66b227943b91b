"""The simulator checks the client independently, so it must never import it."""

import ast
from pathlib import Path

import faraday_admin.simulator

FORBIDDEN = "faraday_admin.faraday_client"
PACKAGE = Path(faraday_admin.simulator.__file__).parent


def _imported_modules(relative_path, source):
    package = ["faraday_admin", "simulator", *relative_path.parent.parts]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value  # importlib.import_module("...") and friends


def _offenders(sources):
    return [
        f"{relative_path}: {module}"
        for relative_path, source in sources.items()
        for module in _imported_modules(relative_path, source)
        if module == FORBIDDEN or module.startswith(FORBIDDEN + ".")
    ]


def _package_sources():
    return {
        path.relative_to(PACKAGE): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_no_simulator_module_imports_the_faraday_client():
    assert _offenders(_package_sources()) == []


def test_the_scan_covers_every_simulator_module():
    scanned = {path.name for path in _package_sources()}

    assert {"engine.py", "transport.py", "wsgi.py", "faraday_simulator.py"} <= scanned


def test_the_scan_catches_absolute_relative_and_dynamic_imports():
    planted = {
        Path("a.py"): "import faraday_admin.faraday_client\n",
        Path("management/commands/b.py"): "from ....faraday_client import errors\n",
        Path("c.py"): "from faraday_admin import faraday_client\n",
        Path("d.py"): "importlib.import_module('faraday_admin.faraday_client.models')\n",
        Path("ok.py"): "from faraday_admin.catalog import loader\n",
    }

    assert {line.split(":")[0] for line in _offenders(planted)} == {
        "a.py",
        "management/commands/b.py",
        "c.py",
        "d.py",
    }

"""The intended import arrows (helpers' LAYERS.md): each package imports only from the layers
below its own, so nothing low ever depends on a page above it.

Beside tests/faraday_client/test_secrets.py (no Django in the client) and
tests/simulator/test_import_rule.py (the simulator never imports the client).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import faraday_admin

ROOT = Path(faraday_admin.__file__).parent

# Bottom to top. A name is a package, or one module of `core`: core's building blocks sit below
# audit (audit's page uses the roles and the query helpers), while core's own pages (the API-key
# settings page, sign-in, start-up checks) write audit rows and so sit above it. `history`
# (issue 15) and `alerts` (issue 16) are named before they exist, so the table holds after merge.
CORE_PIECES = (
    "core.auth",
    "core.context_processors",
    "core.crypto",
    "core.faraday_cache",
    "core.logging",
    "core.middleware",
    "core.models",
    "core.problems",
    "core.query",
    "core.responses",
    "core.roles",
    "core.upstream",
)
CORE_PAGES = "core"  # every other module of core
LAYERS: tuple[tuple[str, ...], ...] = (
    ("faraday_client", "catalog"),
    CORE_PIECES,
    ("audit",),
    (CORE_PAGES,),
    ("history",),
    ("connections",),
    ("alerts",),
)
# Apart from the layers: the simulator imports only catalog pieces, and the app reaches it only
# where core builds the demo transport (and seeds the demo).
SIMULATOR_USERS = ("core.upstream", "core.management")
SIMULATOR_IMPORTS = ("catalog",)
# Project wiring (settings, root URLconf, WSGI) that imports every app by design.
WIRING = frozenset({"settings", "settings_test", "urls", "wsgi", "healthcheck", "__init__"})


def _unit(module: str) -> str:
    """The table's name for a project module: its package, or "core.<module>" inside core."""
    parts = module.split(".")
    return f"core.{parts[1]}" if parts[0] == "core" and len(parts) > 1 else parts[0]


def _layer(unit: str) -> int | None:
    for index, names in enumerate(LAYERS):
        if unit in names:
            return index
    return LAYERS.index((CORE_PAGES,)) if unit.startswith("core.") else None


def _imports(relative: Path, source: str):
    """The project modules a file imports, without the "faraday_admin." prefix."""
    package = ["faraday_admin", *relative.parent.parts]
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from faraday_admin.core import roles` imports core.roles, not the whole of core.
            packages = ("faraday_admin", "faraday_admin.core")
            names = [f"{base}.{a.name}" for a in node.names] if base in packages else [base]
        yield from (
            n.removeprefix("faraday_admin.") for n in names if n.startswith("faraday_admin.")
        )


def _allowed(importer: str, imported: str) -> bool:
    if importer == imported or imported == "__version__":
        return True
    if importer == "simulator":
        return imported in SIMULATOR_IMPORTS
    if imported == "simulator":
        return importer.startswith(SIMULATOR_USERS)
    low, high = _layer(imported), _layer(importer)
    if low is None or high is None:
        return False  # a package the table doesn't know: give it its place in LAYERS first
    if importer.startswith("core.") and imported.startswith("core."):
        return low <= high  # core's pieces build on each other, never on its pages
    return low < high


def wrong_arrows(sources: dict[Path, str]) -> list[str]:
    """Every import that points sideways or up, as "file: imported module"."""
    return [
        f"{relative}: {module}"
        for relative, source in sources.items()
        if (importer := _unit(".".join(relative.with_suffix("").parts))) not in WIRING
        for module in _imports(relative, source)
        if not _allowed(importer, _unit(module))
    ]


def _project_sources() -> dict[Path, str]:
    return {
        path.relative_to(ROOT): path.read_text(encoding="utf-8")
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts
    }


def test_every_import_points_down_the_layers():
    assert wrong_arrows(_project_sources()) == []


def test_every_app_has_a_place_in_the_layers():
    apps = {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}

    assert {app for app in apps if _layer(app) is None and app != "simulator"} == set()


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("core/problems.py", "from faraday_admin.connections import problems\n"),
        ("core/roles.py", "from faraday_admin.audit.models import Action\n"),
        ("audit/views.py", "from faraday_admin.connections.services import x\n"),
        ("audit/selectors.py", "from faraday_admin.core.services import api_key_save\n"),
        ("audit/views.py", "from faraday_admin.core import services\n"),
        ("history/services.py", "from faraday_admin.connections import selectors\n"),
        ("connections/views.py", "from faraday_admin.alerts import services\n"),
        ("catalog/loader.py", "from faraday_admin import faraday_client\n"),
        ("faraday_client/client.py", "from ..catalog import loader\n"),
        ("simulator/engine.py", "import faraday_admin.faraday_client\n"),
        ("connections/views.py", "from faraday_admin.simulator import engine\n"),
        ("newapp/views.py", "from faraday_admin.core import roles\n"),
        ("core/roles.py", "from faraday_admin.core import services\n"),
    ],
)
def test_the_scan_catches_a_wrong_arrow(path, source):
    assert wrong_arrows({Path(path): source}) == [f"{path}: {_first_module(path, source)}"]


def _first_module(path: str, source: str) -> str:
    return next(_imports(Path(path), source))


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("audit/views.py", "from faraday_admin.core import roles\n"),
        ("audit/selectors.py", "from faraday_admin.core.query import text_param\n"),
        ("core/services.py", "from faraday_admin.audit.services import audit_record\n"),
        ("history/services.py", "from faraday_admin.audit import services\n"),
        ("connections/services.py", "from faraday_admin.history.services import snapshot\n"),
        ("alerts/services.py", "from faraday_admin.connections.problems import fix_message\n"),
        ("core/upstream.py", "from faraday_admin.simulator.transport import SimulatorTransport\n"),
        ("simulator/engine.py", "from faraday_admin.catalog import get_catalog\n"),
        ("connections/views.py", "from . import services\n"),
    ],
)
def test_the_scan_lets_a_downward_arrow_through(path, source):
    assert wrong_arrows({Path(path): source}) == []

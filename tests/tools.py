"""Command-line tools the tests run, found where the running Python has them.

Beside the interpreter first (the environment pytest runs in: the checkout's .venv, tox, nox,
uv, an IDE's), then on PATH; never a fixed path into this checkout.
"""

import shutil
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """The tool's path; fails the test, saying how to get it, when there is none."""
    beside = BIN / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is neither beside {sys.executable} nor on PATH: install the dev "
            "dependencies (scripts/setup-venv dev, or pip install -e '.[dev]')",
            pytrace=False,
        )
    return found

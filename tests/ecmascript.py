"""ECMAScript's own verdicts on patterns, from node: what a browser's `<input pattern>` decides.

One node subprocess per call, fed JSON on stdin. Node is required (CI installs it): a missing
node fails the test loudly, never skips, since a skip would hide a regression.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

NODE_FALLBACK = "/usr/bin/node"

# For each pattern {"source", "browser"} (either may be null): whether the source compiles under
# the `u` and the `v` flag and the browser spelling under `v`; for each case [pattern index,
# value]: [source fully matches under `u`, browser spelling fully matches under `v`], null where
# that regex did not compile. `v` on '^(?:' + browser + ')$' is what `<input pattern>` runs.
_SCRIPT = r"""
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
function compile(source, flags) {
  if (source === null) return null;
  try { return new RegExp(source, flags); } catch (e) { return null; }
}
const patterns = input.patterns.map(({source, browser}) => {
  const u = source === null ? null : compile('^(?:' + source + ')$', 'u');
  const v = browser === null ? null : compile('^(?:' + browser + ')$', 'v');
  return {u, v, sourceU: compile(source, 'u') !== null, sourceV: compile(source, 'v') !== null,
          browserV: v !== null};
});
const verdicts = input.cases.map(([i, value]) => {
  const p = patterns[i];
  return [p.u ? p.u.test(value) : null, p.v ? p.v.test(value) : null];
});
process.stdout.write(JSON.stringify({
  patterns: patterns.map(({sourceU, sourceV, browserV}) => ({sourceU, sourceV, browserV})),
  verdicts,
}));
"""


def node_path() -> str:
    """The node binary (on PATH, else /usr/bin/node); fails the test with the fix when absent."""
    node = shutil.which("node") or (NODE_FALLBACK if Path(NODE_FALLBACK).exists() else None)
    if node is None:
        pytest.fail(
            "node is not installed: the ECMAScript cross-check needs Node 20+ on PATH "
            "(CI installs it; locally: apt-get install nodejs)",
            pytrace=False,
        )
    return node


def node_verdicts(
    patterns: Sequence[Mapping[str, str | None]], cases: Sequence[tuple[int, str]]
) -> dict[str, Any]:
    """node's answer for every pattern and case, in one subprocess (see _SCRIPT for the shape).

    `patterns`: {"source": ..., "browser": ...} each; `cases`: (index into patterns, value).
    Returns {"patterns": [{"sourceU", "sourceV", "browserV"}, ...], "verdicts": [[u, v], ...]}.
    """
    proc = subprocess.run(
        [node_path(), "-e", _SCRIPT],
        input=json.dumps({"patterns": list(patterns), "cases": list(cases)}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"node failed: {proc.stderr}"
    return json.loads(proc.stdout)

"""Where in the request a validation error points, whichever way the location is spelled.

Faraday's `validationErrors[].path` is documented only as "the location in the document that
failed". Validators spell it as a JSON Pointer (`/options/host`, RFC 6901, `~1` for `/` and
`~0` for `~`), as a URI fragment of one (`#/options/my%20field`), dotted (`options.host`,
`$.options.host`), bracketed (`options['host']`, `$["options"]["host"]`, `options[host]`), or
slashed without the leading slash (`body/options/host`), often under a root (`$`, `body`,
`request`, `data`, `instance`). `path_segments` turns every spelling into the same segments.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from urllib.parse import unquote

# Names for the whole request document that some validators put before the real location.
ROOTS = frozenset({"$", "#", "body", "request", "requestBody", "data", "instance"})

_BRACKETED = re.compile(
    r"""
      \[\s*'(?P<single>(?:[^'\\]|\\.)*)'\s*\]
    | \[\s*"(?P<double>(?:[^"\\]|\\.)*)"\s*\]
    | \[(?P<bare>[^\]]*)\]
    | (?P<dotted>[^.\[\]]+)
    | (?P<separator>\.)
    | (?P<stray>[\[\]])
    """,
    re.VERBOSE,
)
_ESCAPED = re.compile(r"\\(.)")


def _pointer_segments(pointer: str) -> list[str]:
    # RFC 6901: "~1" before "~0", so that "~01" reads as "~1" and not as "/".
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _expression_segments(text: str) -> list[str]:
    segments = []
    for match in _BRACKETED.finditer(text):
        quoted = match["single"] if match["single"] is not None else match["double"]
        if quoted is not None:
            segments.append(_ESCAPED.sub(r"\1", quoted))
        elif match["bare"] is not None:
            segments.append(match["bare"].strip())
        elif match["dotted"] is not None:
            segments.append(match["dotted"].strip())
    return segments


def path_segments(path: str | None) -> tuple[str, ...]:
    """The location's segments without a leading document root: "$.options.host",
    "/options/host", "#/options/host" and "options['host']" all give ("options", "host")."""
    text = (path or "").strip()
    if text.startswith("#"):
        text = unquote(text[1:])  # a URI fragment is percent-encoded
    if text.startswith("/"):
        segments = _pointer_segments(text)
    elif "/" in text and not re.search(r"[.\[]", text):
        segments = _pointer_segments("/" + text)
    else:
        segments = _expression_segments(text)
    segments = [segment for segment in segments if segment != ""]
    while segments and segments[0] in ROOTS:
        segments = segments[1:]
    return tuple(segments)


def form_field(path: str | None, field_names: Collection[str]) -> str | None:
    """The form field a validation path points at ("name", or one of `field_names` at the top
    or under "options"), or None when it names none of them."""
    parts = list(path_segments(path))
    if parts[:1] == ["options"]:
        parts = parts[1:]
        return parts[0] if len(parts) == 1 and parts[0] in field_names else None
    if len(parts) == 1 and (parts[0] == "name" or parts[0] in field_names):
        return parts[0]
    return None

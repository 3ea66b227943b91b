"""Faraday's connections API, simulated: one `handle()` call per HTTP request.

Framework-free apart from the ORM: all state is in the simulator's tables, so any number of
processes can serve it and it survives restarts. Deliberately never imports
faraday_admin.faraday_client: it is an independent check of that client.

Secrets (the catalog's `secret` options) are stored only as keyed digests and never echoed
back, as Faraday does; a PATCH that leaves one out keeps the stored one. Demo conventions: the
token "expired" and "forbidden" fail auth, any other token is accepted; password
"wrong-password" and hosts ending in ".unreachable.example" end their cycle in `error`, and so
does a key-pair connection (Snowflake, ClickHouse) until `install_public_key` stands in for the
customer installing its key and a new check starts.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.utils import timezone

from faraday_admin.catalog.api_models import get_api_models
from faraday_admin.catalog.loader import KEY_PAIR_TYPES, get_catalog
from faraday_admin.simulator import lifecycle, webhooks
from faraday_admin.simulator.models import (
    SimulatedConnection,
    SimulatedDependent,
    SimulatedWebhookEndpoint,
)
from faraday_admin.simulator.validation import (
    Problem,
    check_connection,
    check_merge_patch,
    normalize_options,
    pointer,
)

logger = logging.getLogger(__name__)

ACCOUNT_ID = "5f6a1c2e-9d1b-4c6e-8a57-3b2f0e7d4c91"
ACCOUNT_CREATED_AT = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
# Where each key-pair type shows the public key Faraday generated for it (read-only).
PUBLIC_KEY_OPTIONS = {"snowflake": "rsa_public_key", "clickhouse": "ssh_public_key"}
# RFC 7396: Faraday's client sends every PATCH as a merge patch.
MERGE_PATCH_MEDIA_TYPE = "application/merge-patch+json"
JSON_HEADERS = {"content-type": "application/json"}
# Demo tokens that exercise Faraday's other auth failures.
_REFUSED_TOKENS = {
    "expired": (401, "EXPIRED_API_KEY", "This API key has expired."),
    "forbidden": (403, "FORBIDDEN", "This API key may not use the connections API."),
}
# Faraday's directionality per catalog category; any other category is bidirectional.
DIRECTIONALITY = {"advertising": "destination_only"}


def now() -> datetime:
    """The engine's clock. Tests replace it (or pass `clock=`) to move time without sleeping."""
    return timezone.now()


@dataclass(frozen=True)
class SimResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class _ApiError(Exception):
    def __init__(self, status: int, code: str, note: str, problems: list[Problem] | None = None):
        super().__init__(note)
        self.status, self.code, self.note, self.problems = status, code, note, problems


def error_response(
    status: int, code: str, note: str, problems: list[Problem] | None = None
) -> SimResponse:
    """Faraday's error body; `id` is what support would ask for."""
    body: dict[str, Any] = {"error": code, "id": str(uuid.uuid4()), "note": note}
    if problems is not None:
        body["validationErrors"] = [problem.as_json() for problem in problems]
    return _json_response(status, body)


def _json_response(status: int, data: Any) -> SimResponse:
    return SimResponse(status, dict(JSON_HEADERS), json.dumps(data).encode())


def _no_content() -> SimResponse:
    return SimResponse(204, {}, b"")


def _timestamp(moment: datetime | None) -> str | None:
    # UTC with "Z" as in Faraday's examples; milliseconds keep short cycles' phase times exact.
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((value for key, value in headers.items() if key.lower() == name), "")


def _authenticate(headers: Mapping[str, str]) -> None:
    authorization = _header(headers, "authorization").strip()
    if not authorization:
        raise _ApiError(401, "MISSING_API_KEY", "No API key was supplied.")
    scheme, _, token = authorization.partition(" ")
    # The scheme is case-insensitive (RFC 9110); the token is one run of non-space characters.
    if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
        raise _ApiError(
            401, "MALFORMED_API_KEY", "The Authorization header must be 'Bearer <API key>'."
        )
    refusal = _REFUSED_TOKENS.get(token)
    if refusal:
        raise _ApiError(*refusal)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_object(body: bytes, *, allow_empty: bool = False) -> dict[str, Any]:
    if allow_empty and not body.strip():
        return {}
    try:
        # NaN/Infinity are Python extensions; JSON.parse rejects them.
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep to parse
        raise _ApiError(400, "BAD_REQUEST", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise _ApiError(400, "BAD_REQUEST", "The request body must be a JSON object.")
    return data


def _validation_failed(problems: list[Problem]) -> _ApiError:
    count = len(problems)
    noun = "problem" if count == 1 else "problems"
    return _ApiError(
        400, "VALIDATION_FAILED", f"The request did not pass validation ({count} {noun}).", problems
    )


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: null removes, objects merge, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge_patch(merged.get(key), value)
    return merged


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _describe_dependents(dependents: list[SimulatedDependent]) -> str:
    datasets = sum(1 for d in dependents if d.kind == SimulatedDependent.Kind.DATASETS)
    targets = len(dependents) - datasets
    parts = [_plural(n, noun) for n, noun in ((datasets, "dataset"), (targets, "target")) if n]
    return " and ".join(parts)


@dataclass
class _Call:
    """One request, with the moment it is handled and the cycle length in force."""

    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    at: datetime
    cycle_seconds: float

    def render(self, connection: SimulatedConnection) -> dict[str, Any]:
        state = lifecycle.snapshot(connection, self.at, self.cycle_seconds)
        ctype = get_catalog().get(connection.options.get("type", ""))
        hidden = ctype.secret_field_names if ctype else frozenset()
        options = {k: v for k, v in connection.options.items() if k not in hidden}
        key_option = PUBLIC_KEY_OPTIONS.get(options.get("type", ""))
        if key_option and connection.public_key:
            options[key_option] = connection.public_key
        return {
            "id": str(connection.id),
            "name": connection.name,
            "options": options,
            "status": state.status,
            "status_changed_at": _timestamp(state.status_changed_at),
            "status_error": state.status_error,
            "directionality": connection.directionality,
            "contents": state.contents,
            "contents_error": state.contents_error,
            "managed": connection.managed,
            "archived_at": _timestamp(connection.archived_at),
            "created_at": _timestamp(connection.created_at),
            "updated_at": _timestamp(connection.updated_at),
            "last_read_input_at": _timestamp(state.last_read_input_at),
            "last_updated_config_at": _timestamp(connection.last_updated_config_at),
            "last_updated_output_at": _timestamp(state.last_updated_output_at),
            "resource_type": "connections",
        }

    def restart_cycle(self, connection: SimulatedConnection) -> None:
        lifecycle.carry_over(connection, self.at, self.cycle_seconds)
        connection.cycle_started_at = self.at


def _find(connection_id: str, *, lock: bool = False) -> SimulatedConnection:
    try:
        key = uuid.UUID(connection_id)
    except ValueError:
        key = None
    queryset = (
        SimulatedConnection.objects.select_for_update() if lock else SimulatedConnection.objects
    )
    connection = queryset.filter(pk=key).first() if key else None
    if connection is None:
        raise _ApiError(404, "NOT_FOUND", f"No connection with id {connection_id} exists.")
    return connection


def _refuse_managed(connection: SimulatedConnection) -> None:
    if connection.managed:
        raise _ApiError(
            403,
            "FORBIDDEN",
            "This connection is managed by Faraday and is read-only.",
        )


# Handlers: (call, **path parameters) -> SimResponse.


def _list_connections(call: _Call) -> SimResponse:
    raw_ids = [part for value in call.query.get("ids", []) for part in value.split(",") if part]
    connections = SimulatedConnection.objects.all()
    if raw_ids:
        try:
            ids = [uuid.UUID(raw) for raw in raw_ids]
        except ValueError:
            raise _ApiError(400, "BAD_REQUEST", "Every `ids` value must be a UUID.") from None
        connections = connections.filter(pk__in=ids)
    return _json_response(200, [call.render(connection) for connection in connections])


def _create_connection(call: _Call) -> SimResponse:
    document = _json_object(call.body)
    problems = check_connection(document)
    if problems:
        raise _validation_failed(problems)
    options = normalize_options(document["options"])
    category = get_catalog().types[options["type"]].category
    at = call.at
    connection = SimulatedConnection.objects.create(
        name=document["name"],
        options=options,
        directionality=DIRECTIONALITY.get(category, "bidirectional"),
        created_at=at,
        updated_at=at,
        cycle_started_at=at,
        last_updated_config_at=at,
        public_key=new_public_key(options["type"]),
    )
    webhooks.cycle_started(connection, call.cycle_seconds)
    return _json_response(201, call.render(connection))


def _get_connection(call: _Call, connection_id: str) -> SimResponse:
    return _json_response(200, call.render(_find(connection_id)))


def _require_merge_patch(call: _Call) -> None:
    media_type = _header(call.headers, "content-type").partition(";")[0].strip().lower()
    if media_type != MERGE_PATCH_MEDIA_TYPE:
        raise _ApiError(
            415,
            "BAD_REQUEST",
            f"Send PATCH bodies as {MERGE_PATCH_MEDIA_TYPE} (RFC 7396), not "
            f"{media_type or 'without a Content-Type'}.",
        )


def _patch_connection(call: _Call, connection_id: str) -> SimResponse:
    _require_merge_patch(call)
    with transaction.atomic():
        connection = _find(connection_id, lock=True)
        _refuse_managed(connection)
        patch = _json_object(call.body)
        stored_type = connection.options.get("type")
        problems = check_merge_patch(patch)
        requested_type = (patch.get("options") or {}).get("type", stored_type)
        if not problems and requested_type != stored_type:
            # Options are a tagged union whose tag is fixed once the connection exists.
            problems.append(
                Problem(
                    "/options/type",
                    "must be equal to one of the allowed values",
                    "enum",
                    f"A connection's type can't change; keep '{stored_type}' or create a new "
                    "connection.",
                )
            )
        if problems:
            raise _validation_failed(problems)
        document = _merge_patch({"name": connection.name, "options": connection.options}, patch)
        problems = check_connection(document)
        if problems:
            raise _validation_failed(problems)
        options = normalize_options(document["options"])
        if document["name"] == connection.name and options == connection.options:
            return _json_response(200, call.render(connection))
        restarted = options != connection.options
        if restarted:
            call.restart_cycle(connection)
            connection.options = options
            connection.last_updated_config_at = call.at
        connection.name = document["name"]
        connection.updated_at = call.at
        connection.save()
        if restarted:
            webhooks.cycle_started(connection, call.cycle_seconds)
    return _json_response(200, call.render(connection))


def _delete_connection(call: _Call, connection_id: str) -> SimResponse:
    with transaction.atomic():
        connection = _find(connection_id, lock=True)
        _refuse_managed(connection)
        # Archived datasets and targets still read from it: they count too.
        dependents = list(connection.dependents.all())
        if dependents:
            raise _ApiError(
                409,
                "CONFLICT",
                f"This connection is still used by {_describe_dependents(dependents)}; "
                "delete them or point them elsewhere first.",
            )
        connection.delete()
    return _no_content()


def _cascade_selection(body: dict[str, Any]) -> tuple[bool, set[str]]:
    """(cascade to all?, ids listed in cascade_to) from an archive/unarchive body."""
    problems = [
        Problem(pointer(key), "must NOT have additional properties", "additionalProperties")
        for key in body
        if key not in ("cascade_to_all", "cascade_to")
    ]
    cascade_all = body.get("cascade_to_all", False)
    if not isinstance(cascade_all, bool):
        problems.append(Problem("/cascade_to_all", "must be boolean", "type"))
    listed = body.get("cascade_to", [])
    if not isinstance(listed, list):
        problems.append(Problem("/cascade_to", "must be array", "type"))
        listed = []
    problems.extend(
        Problem(f"/cascade_to/{index}", "must be string", "type")
        for index, item in enumerate(listed)
        if not isinstance(item, str)
    )
    if problems:
        raise _validation_failed(problems)
    return cascade_all, {_canonical_id(item) for item in listed}


def _canonical_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return raw


def _set_archived(call: _Call, connection_id: str, *, archive: bool) -> SimResponse:
    with transaction.atomic():
        connection = _find(connection_id, lock=True)
        cascade_all, listed = _cascade_selection(_json_object(call.body, allow_empty=True))
        dependents = list(connection.dependents.all())
        unknown = listed - {str(d.id) for d in dependents}
        if unknown:
            raise _ApiError(
                400,
                "BAD_REQUEST",
                "cascade_to lists ids that are not datasets or targets of this connection: "
                + ", ".join(sorted(unknown))
                + ".",
            )
        # The dependents whose state this call would change.
        pending = [d for d in dependents if (d.archived_at is None) == archive]
        covered = [d for d in pending if cascade_all or str(d.id) in listed]
        if archive and len(covered) < len(pending):
            left = [d for d in pending if d not in covered]
            raise _ApiError(
                409,
                "CONFLICT",
                f"This connection is still used by {_describe_dependents(left)}; archive them "
                "too with cascade_to_all or list them in cascade_to.",
            )
        stamp = call.at if archive else None
        for dependent in covered:
            dependent.archived_at = stamp
            dependent.save(update_fields=["archived_at"])
        if (connection.archived_at is None) == archive:
            connection.archived_at = stamp
            connection.updated_at = call.at
            connection.save(update_fields=["archived_at", "updated_at"])
    return _no_content()


def _archive(call: _Call, connection_id: str) -> SimResponse:
    return _set_archived(call, connection_id, archive=True)


def _unarchive(call: _Call, connection_id: str) -> SimResponse:
    return _set_archived(call, connection_id, archive=False)


def _force_update(call: _Call, connection_id: str) -> SimResponse:
    with transaction.atomic():
        connection = _find(connection_id, lock=True)
        call.restart_cycle(connection)
        connection.save()
        webhooks.cycle_started(connection, call.cycle_seconds)
    return _no_content()


def new_public_key(type_key: str) -> str:
    """The public half of the key pair Faraday makes for a key-pair type ("" for other types),
    in the form Faraday answers with: PEM for Snowflake, OpenSSH for ClickHouse."""
    if type_key == "snowflake":
        # Shaped like a real 2048-bit RSA key; no private half exists, so nothing can sign in.
        modulus = secrets.randbits(2048) | (1 << 2047) | 1
        key = rsa.RSAPublicNumbers(65537, modulus).public_key()
        return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    if type_key == "clickhouse":
        key = ed25519.Ed25519PrivateKey.generate().public_key()
        return key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode() + " faraday"
    return ""


def _rotate_credentials(call: _Call, connection_id: str) -> SimResponse:
    with transaction.atomic():
        connection = _find(connection_id, lock=True)
        _refuse_managed(connection)
        requested = _json_object(call.body).get("type")
        if requested not in KEY_PAIR_TYPES:
            raise _ApiError(
                400,
                "BAD_REQUEST",
                "Only snowflake and clickhouse connections have key-pair credentials to rotate.",
            )
        if requested != connection.options.get("type"):
            raise _ApiError(
                400,
                "BAD_REQUEST",
                f"The body's type '{requested}' does not match this connection's type "
                f"'{connection.options.get('type')}'.",
            )
        connection.public_key = new_public_key(requested)
        connection.key_installed_at = None
        call.restart_cycle(connection)
        connection.last_updated_config_at = call.at
        connection.updated_at = call.at
        connection.save()
        webhooks.cycle_started(connection, call.cycle_seconds)
    return _json_response(200, call.render(connection))


def _list_dependents(call: _Call, connection_id: str, kind: str) -> SimResponse:
    connection = _find(connection_id)
    return _json_response(
        200,
        [
            {
                "id": str(dependent.id),
                "name": dependent.name,
                "resource_type": dependent.kind,
                "status": "ready",
                "archived_at": _timestamp(dependent.archived_at),
            }
            for dependent in connection.dependents.filter(kind=kind)
        ],
    )


def _datasets(call: _Call, connection_id: str) -> SimResponse:
    return _list_dependents(call, connection_id, SimulatedDependent.Kind.DATASETS)


def _targets(call: _Call, connection_id: str) -> SimResponse:
    return _list_dependents(call, connection_id, SimulatedDependent.Kind.TARGETS)


def _current_account(call: _Call) -> SimResponse:
    return _json_response(
        200,
        {
            "id": ACCOUNT_ID,
            "name": "Demo account (simulated)",
            "resource_type": "accounts",
            "created_at": _timestamp(ACCOUNT_CREATED_AT),
        },
    )


def _render_endpoint(endpoint: SimulatedWebhookEndpoint, *, with_secret: bool) -> dict[str, Any]:
    data = {
        "id": str(endpoint.id),
        "url": endpoint.url,
        "enabled_events": endpoint.enabled_events,
        "status": endpoint.status,
        "created_at": _timestamp(endpoint.created_at),
        "updated_at": _timestamp(endpoint.updated_at),
    }
    if with_secret:  # Faraday shows the signing secret once, in the answer to the create
        data["secret"] = endpoint.secret
    return data


def _check_endpoint(document: dict[str, Any], model: str) -> None:
    problems = [
        Problem(problem.path, problem.message, problem.keyword)
        for problem in get_api_models().problems(document, model)
    ]
    url = document.get("url")
    if isinstance(url, str):
        parsed = httpx.URL(url) if url.isascii() and " " not in url else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            problems.append(Problem("/url", 'must match format "uri"', "format"))
    if problems:
        raise _validation_failed(problems)


def _find_endpoint(endpoint_id: str) -> SimulatedWebhookEndpoint:
    try:
        key = uuid.UUID(endpoint_id)
    except ValueError:
        key = None
    endpoint = SimulatedWebhookEndpoint.objects.filter(pk=key).first() if key else None
    if endpoint is None:
        raise _ApiError(404, "NOT_FOUND", f"No webhook endpoint with id {endpoint_id} exists.")
    return endpoint


def _list_endpoints(call: _Call) -> SimResponse:
    endpoints = SimulatedWebhookEndpoint.objects.all()
    return _json_response(200, [_render_endpoint(e, with_secret=False) for e in endpoints])


def _create_endpoint(call: _Call) -> SimResponse:
    document = _json_object(call.body)
    _check_endpoint(document, "WebhookEndpointPost")
    endpoint = SimulatedWebhookEndpoint.objects.create(
        url=document["url"],
        enabled_events=document["enabled_events"],
        secret=webhooks.new_secret(),
        created_at=call.at,
        updated_at=call.at,
    )
    return _json_response(201, _render_endpoint(endpoint, with_secret=True))


def _get_endpoint(call: _Call, endpoint_id: str) -> SimResponse:
    return _json_response(200, _render_endpoint(_find_endpoint(endpoint_id), with_secret=False))


def _patch_endpoint(call: _Call, endpoint_id: str) -> SimResponse:
    _require_merge_patch(call)
    endpoint = _find_endpoint(endpoint_id)
    patch = _json_object(call.body)
    _check_endpoint(patch, "WebhookEndpointMergePatch")
    for member in ("url", "enabled_events", "status"):
        if member in patch:
            setattr(endpoint, member, patch[member])
    endpoint.updated_at = call.at
    endpoint.save()
    return _json_response(200, _render_endpoint(endpoint, with_secret=False))


def _delete_endpoint(call: _Call, endpoint_id: str) -> SimResponse:
    _find_endpoint(endpoint_id).delete()
    return _no_content()


_ID = r"(?P<connection_id>[^/]+)"
_ENDPOINT = r"(?P<endpoint_id>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], Callable[..., SimResponse]]] = [
    (method, re.compile(pattern), handler)
    for method, pattern, handler in (
        ("GET", r"/connections", _list_connections),
        ("POST", r"/connections", _create_connection),
        ("GET", rf"/connections/{_ID}", _get_connection),
        ("PATCH", rf"/connections/{_ID}", _patch_connection),
        ("DELETE", rf"/connections/{_ID}", _delete_connection),
        ("POST", rf"/connections/{_ID}/archive", _archive),
        ("POST", rf"/connections/{_ID}/unarchive", _unarchive),
        ("POST", rf"/connections/{_ID}/force_update", _force_update),
        ("POST", rf"/connections/{_ID}/rotate_credentials", _rotate_credentials),
        ("GET", rf"/connections/{_ID}/datasets", _datasets),
        ("GET", rf"/connections/{_ID}/targets", _targets),
        ("GET", r"/accounts/current", _current_account),
        ("GET", r"/webhook_endpoints", _list_endpoints),
        ("POST", r"/webhook_endpoints", _create_endpoint),
        ("GET", rf"/webhook_endpoints/{_ENDPOINT}", _get_endpoint),
        ("PATCH", rf"/webhook_endpoints/{_ENDPOINT}", _patch_endpoint),
        ("DELETE", rf"/webhook_endpoints/{_ENDPOINT}", _delete_endpoint),
    )
]


def _route(method: str, path: str) -> tuple[Callable[..., SimResponse], dict[str, str]]:
    for route_method, pattern, handler in _ROUTES:
        match = pattern.fullmatch(path)
        if match and route_method == method:
            return handler, match.groupdict()
    raise _ApiError(404, "NOT_FOUND", f"There is no {method} {path} endpoint.")


def handle(
    method: str,
    path: str,
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
    *,
    clock: Callable[[], datetime] | None = None,
) -> SimResponse:
    """Answer one request as Faraday would. `path` is relative to the API root (no "/v1")."""
    try:
        _authenticate(headers)
        handler, params = _route(method.upper(), path)
        call = _Call(
            query=dict(query),
            headers=headers,
            body=body,
            at=(clock or now)(),
            cycle_seconds=float(settings.FARADAY_SIMULATOR_CYCLE_SECONDS),
        )
        return handler(call, **params)
    except _ApiError as exc:
        return error_response(exc.status, exc.code, exc.note, exc.problems)
    except Exception:
        # Faraday answers a crash with its error body, and so must the simulator.
        logger.exception("Simulator failed on %s %s", method, path)
        return error_response(
            500, "INTERNAL_SERVER_ERROR", "The simulator hit an unexpected error."
        )


def strip_base_path(path: str, base_path: str) -> str | None:
    """`path` relative to the API root mounted at `base_path`, or None when outside it."""
    base = base_path.rstrip("/")
    if not base:
        return path or "/"
    if path == base or path.startswith(base + "/"):
        return path[len(base) :] or "/"
    return None


def outside_api_root(path: str) -> SimResponse:
    return error_response(404, "NOT_FOUND", f"{path} is outside the API root.")


def install_public_key(connection_id: str, *, clock: Callable[[], datetime] | None = None) -> bool:
    """Demo stand-in for the customer installing the connection's public key on their side
    (Faraday has no such endpoint). The next check, such as a force update, then signs in.
    False when there is no such key-pair connection."""
    try:
        key = uuid.UUID(str(connection_id))
    except ValueError:
        return False
    installed = SimulatedConnection.objects.filter(
        pk=key, options__type__in=list(PUBLIC_KEY_OPTIONS)
    ).update(key_installed_at=(clock or now)())
    return installed == 1


def break_connection(connection_id: str, *, clock: Callable[[], datetime] | None = None) -> bool:
    """Demo stand-in for a connection breaking on the customer's side (a password changed):
    it reads as `error` from now until a new check starts, and an errored event is due at
    once. False when there is no such connection, or Faraday manages it."""
    try:
        key = uuid.UUID(str(connection_id))
    except ValueError:
        return False
    with transaction.atomic():
        connection = (
            SimulatedConnection.objects.select_for_update().filter(pk=key, managed=False).first()
        )
        if connection is None:
            return False
        connection.broken_at = (clock or now)()
        connection.save(update_fields=["broken_at"])
        webhooks.connection_broke(connection)
    return True


def send_due_events(http: httpx.Client, *, clock: Callable[[], datetime] | None = None) -> int:
    """Deliver the webhook events that are due (see webhooks.deliver_due_events)."""
    return webhooks.deliver_due_events(http, account_id=ACCOUNT_ID, clock=clock or now)


def send_events_until(stop: threading.Event, http: httpx.Client, *, every: float = 1.0) -> None:
    """The standalone simulator's sender: due events go out every `every` seconds until
    `stop` is set. A database hiccup is logged and the next round tries again."""
    while not stop.wait(every):
        try:
            send_due_events(http)
        except DatabaseError:
            logger.exception("simulator events not sent this round")
        finally:
            close_old_connections()


def seed_demo_data(*, clock: Callable[[], datetime] | None = None) -> bool:
    """Create the demo account's connections unless any exist; True when it created them.

    Cycles started a day ago, so everything but the scripted failure reads as ready.
    """
    at = (clock or now)()
    started = at - timedelta(days=1)
    with transaction.atomic():
        if SimulatedConnection.objects.exists():
            return False
        for index, spec in enumerate(_DEMO_CONNECTIONS):
            category = get_catalog().types[spec["options"]["type"]].category
            connection = SimulatedConnection.objects.create(
                name=spec["name"],
                options=spec["options"],
                managed=spec.get("managed", False),
                directionality=DIRECTIONALITY.get(category, "bidirectional"),
                # A minute apart, so lists show them in the order written below.
                created_at=started - timedelta(days=30) + timedelta(minutes=index),
                updated_at=started,
                cycle_started_at=started,
                last_updated_config_at=started,
                public_key=new_public_key(spec["options"]["type"]),
                key_installed_at=started - timedelta(days=1),
            )
            for kind, name in spec.get("dependents", ()):
                SimulatedDependent.objects.create(
                    kind=kind, name=name, connection=connection, created_at=started
                )
    return True


_DATASETS = SimulatedDependent.Kind.DATASETS
_TARGETS = SimulatedDependent.Kind.TARGETS
_DEMO_CONNECTIONS: tuple[dict[str, Any], ...] = (
    {
        "name": "Snowflake - Marketing warehouse",
        "options": {
            "type": "snowflake",
            "organization_name": "ACMEDEMO",
            "account_name": "MARKETING",
            "database": "MARKETING",
            "schema": "PUBLIC",
            "warehouse": "COMPUTE_WH",
            "role": "FARADAY_READER",
            "user": "FARADAY",
        },
        "dependents": (
            (_DATASETS, "Customers (Snowflake)"),
            (_DATASETS, "Orders (Snowflake)"),
            (_TARGETS, "Churn scores to Snowflake"),
        ),
    },
    {
        "name": "Postgres - Shop database",
        "options": {
            "type": "postgres",
            "host": "shop-db.acme-demo.example",
            "port": 5432,
            "database": "shop",
            "schema": "public",
            "user": "faraday_reader",
            "password": "demo-password",
        },
    },
    {
        "name": "S3 - Nightly exports",
        "options": {"type": "s3_csv", "aws_region": "us-east-1", "bucket_name": "acme-exports"},
        "dependents": ((_DATASETS, "Nightly orders export"),),
    },
    {
        "name": "MySQL - Legacy storefront",
        "options": {
            "type": "mysql",
            "host": "legacy-db.acme-demo.example",
            "port": 3306,
            "database": "storefront",
            "user": "faraday_reader",
            "password": "wrong-password",
        },
    },
    {"name": "Classic Faraday Sources", "options": {"type": "classic"}, "managed": True},
)


# Options a change "made outside" edits first, when the connection has one (plain text, no
# pattern that a suffix would break).
_OUTSIDE_CHANGE_OPTIONS = ("schema", "warehouse", "role", "bucket_name", "load_balancer")


def change_from_outside(
    connection_id: str,
    *,
    option: str | None = None,
    value: Any = None,
    clock: Callable[[], datetime] | None = None,
) -> str | None:
    """Demo stand-in for someone changing the connection elsewhere (Faraday's dashboard, its
    API, another tool), so the app's "changed outside this app" can be seen. Sets `option` to
    `value` when given; otherwise edits a plain option (or the name) in a visible way. Returns
    what changed ("schema: public → public_outside"), or None when there is no such
    connection, it is managed, or the option is a secret (those are never shown anyway)."""
    try:
        key = uuid.UUID(str(connection_id))
    except ValueError:
        return None
    with transaction.atomic():
        connection = SimulatedConnection.objects.select_for_update().filter(pk=key).first()
        if connection is None or connection.managed:
            return None
        ctype = get_catalog().get(connection.options.get("type", ""))
        secret = ctype.secret_field_names if ctype else frozenset()
        if option is None:
            option = next((o for o in _OUTSIDE_CHANGE_OPTIONS if connection.options.get(o)), None)
            if option is not None:
                value = f"{connection.options[option]}_outside"
        if option in secret or option == "type":
            return None
        at = (clock or now)()
        if option is None:
            before, connection.name = connection.name, f"{connection.name} (renamed outside)"
            said = f"name: {before} → {connection.name}"
        else:
            before = connection.options.get(option)
            connection.options = {**connection.options, option: value}
            cycle_seconds = float(settings.FARADAY_SIMULATOR_CYCLE_SECONDS)
            lifecycle.carry_over(connection, at, cycle_seconds)
            connection.cycle_started_at = at
            connection.last_updated_config_at = at
            said = f"{option}: {before} → {value}"
        connection.updated_at = at
        connection.save()
        if option is not None:
            # A new check starts, as in Faraday: its end is announced like any other check's.
            webhooks.cycle_started(connection, cycle_seconds)
    return said

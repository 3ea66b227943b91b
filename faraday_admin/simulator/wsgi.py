"""The simulator over HTTP: a WSGI app and the threaded server `manage.py faraday_simulator` runs.

Mounted at "/v1" like Faraday's API, so FARADAY_API_URL is "http://host:port/v1". Needs Django set
up first (the engine uses the ORM).
"""

from __future__ import annotations

import logging
import socket
import socketserver
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from django.db import close_old_connections, connections

from faraday_admin.simulator import engine

logger = logging.getLogger(__name__)


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _request_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


class SimulatorApp:
    """WSGI callable: environ → engine.handle → response."""

    def __init__(self, base_path: str = "/v1") -> None:
        self.base_path = base_path

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        # What Django's request_started/finished signals do: drop broken or expired connections.
        close_old_connections()
        try:
            answer = self._answer(environ)
        finally:
            close_old_connections()
        status = HTTPStatus(answer.status)
        headers = [*answer.headers.items(), ("content-length", str(len(answer.body)))]
        start_response(f"{status.value} {status.phrase}", headers)
        return [answer.body]

    def _answer(self, environ: dict[str, Any]) -> engine.SimResponse:
        # PEP 3333: PATH_INFO arrives as latin-1-decoded bytes; recover the UTF-8 text.
        raw_path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        full_path = raw_path.encode("latin-1").decode("utf-8", errors="replace")
        path = engine.strip_base_path(full_path, self.base_path)
        if path is None:
            return engine.outside_api_root(full_path)
        return engine.handle(
            environ["REQUEST_METHOD"],
            path,
            parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            _request_headers(environ),
            _request_body(environ),
        )


class _LoggingHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s " + format, self.address_string(), *args)


class ThreadedSimulatorServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per request, so a slow request never holds up the others."""

    daemon_threads = True

    def close_request(self, request: Any) -> None:
        # Runs on the request's own thread, which is about to end: close the DB connections it
        # opened, or each request would leak one (as Django's own threaded server does).
        connections.close_all()
        super().close_request(request)


class ThreadedSimulatorServer6(ThreadedSimulatorServer):
    address_family = socket.AF_INET6


def make_server(host: str, port: int, base_path: str = "/v1") -> ThreadedSimulatorServer:
    """A bound, not yet serving, threaded HTTP server for the simulator; port 0 picks a free one."""
    server_class = ThreadedSimulatorServer6 if ":" in host else ThreadedSimulatorServer
    server = server_class((host, port), _LoggingHandler)
    server.set_app(SimulatorApp(base_path))
    return server


def server_url(server: ThreadedSimulatorServer, base_path: str = "/v1") -> str:
    """The FARADAY_API_URL that reaches `server`."""
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{base_path}"

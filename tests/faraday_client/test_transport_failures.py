"""No answer becomes NetworkError with its kind; an unreadable answer becomes BadResponse."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

from faraday_admin.faraday_client import (
    BadResponse,
    FaradayClient,
    NetworkError,
    RetryPolicy,
    build_http_client,
)
from tests.payloads import API_KEY, BASE_URL, CONNECTION_ID, connection_json

CONNECTION_PATH = f"/connections/{CONNECTION_ID}"
NO_RETRY = RetryPolicy(max_retries=0)

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def client_over() -> Iterator[Callable[[Handler], FaradayClient]]:
    """Build a client over a bare MockTransport handler.

    respx replaces a raised exception's __cause__ with its own, and decodes bodies before the
    client sees them, so cause-chain and Content-Encoding cases need a plain handler.
    """
    pools: list[httpx.Client] = []

    def build(handler: Handler) -> FaradayClient:
        pools.append(build_http_client(BASE_URL, transport=httpx.MockTransport(handler)))
        return FaradayClient(pools[-1], API_KEY, retry=NO_RETRY)

    yield build
    for pool in pools:
        pool.close()


NETWORK_FAULTS = {
    "connect-timeout": (httpx.ConnectTimeout("timed out"), None, "connect_timeout"),
    "read-timeout": (httpx.ReadTimeout("timed out"), None, "read_timeout"),
    "write-timeout": (httpx.WriteTimeout("timed out"), None, "timeout"),
    "pool-timeout": (httpx.PoolTimeout("timed out"), None, "timeout"),
    "refused": (httpx.ConnectError("[Errno 111] Connection refused"), None, "refused"),
    "refused-by-cause": (
        httpx.ConnectError("connect failed"),
        ConnectionRefusedError(111, "Connection refused"),
        "refused",
    ),
    "dns-linux": (httpx.ConnectError("[Errno -2] Name or service not known"), None, "dns"),
    "dns-macos": (
        httpx.ConnectError("[Errno 8] nodename nor servname provided, or not known"),
        None,
        "dns",
    ),
    "dns-windows": (httpx.ConnectError("[Errno 11001] getaddrinfo failed"), None, "dns"),
    "dns-by-cause": (
        httpx.ConnectError("connect failed"),
        socket.gaierror(-3, "Temporary failure in name resolution"),
        "dns",
    ),
    "tls-message": (
        httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
        None,
        "tls",
    ),
    "tls-by-cause": (
        httpx.ConnectError("connect failed"),
        ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate"),
        "tls",
    ),
    "remote-protocol": (
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        None,
        "protocol",
    ),
    "read-reset": (httpx.ReadError("[Errno 104] Connection reset by peer"), None, "protocol"),
}


@pytest.mark.parametrize(
    ("exc", "cause", "kind"), NETWORK_FAULTS.values(), ids=NETWORK_FAULTS.keys()
)
def test_each_network_fault_raises_network_error_of_its_kind(
    client_over: Callable[[Handler], FaradayClient],
    exc: httpx.HTTPError,
    cause: BaseException | None,
    kind: str,
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        # Chained the way httpx chains the OS error it wraps.
        raise exc from cause

    with pytest.raises(NetworkError) as caught:
        client_over(fail).delete_connection(CONNECTION_ID)

    error = caught.value
    assert error.kind == kind
    assert error.status is None
    assert (error.method, error.path) == ("DELETE", CONNECTION_PATH)
    assert error.__cause__ is exc


def test_body_that_fails_content_decoding_raises_bad_response(
    client_over: Callable[[Handler], FaradayClient],
) -> None:
    def garbled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"not gzip at all", headers={"Content-Encoding": "gzip"})

    with pytest.raises(BadResponse) as caught:
        client_over(garbled).get_connection(CONNECTION_ID)

    assert (caught.value.method, caught.value.path) == ("GET", CONNECTION_PATH)


# Valid JSON that Python's parser can't descend into (RecursionError, not ValueError).
DEEPLY_NESTED = b"[" * 100_000 + b"]" * 100_000
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@pytest.mark.parametrize(
    ("call", "route_method", "path", "status", "content"),
    [
        (lambda c: c.get_connection(CONNECTION_ID), "GET", CONNECTION_PATH, 200, HTML_502),
        (
            lambda c: c.get_connection(CONNECTION_ID),
            "GET",
            CONNECTION_PATH,
            200,
            b'{"id": "x", "na',
        ),
        (lambda c: c.get_connection(CONNECTION_ID), "GET", CONNECTION_PATH, 200, b"[]"),
        (lambda c: c.get_connection(CONNECTION_ID), "GET", CONNECTION_PATH, 200, b""),
        (lambda c: c.list_connections(), "GET", "/connections", 200, b'{"data": []}'),
        (lambda c: c.list_connections(), "GET", "/connections", 200, b"[42]"),
        (
            lambda c: c.create_connection(name="n", options={"type": "postgres"}),
            "POST",
            "/connections",
            201,
            b"",
        ),
        (
            lambda c: c.create_connection(name="n", options={"type": "postgres"}),
            "POST",
            "/connections",
            502,
            HTML_502,
        ),
        (lambda c: c.get_current_account(), "GET", "/accounts/current", 200, b'["acct"]'),
        (lambda c: c.get_current_account(), "GET", "/accounts/current", 200, b"\xff\xfe"),
        (
            lambda c: c.create_connection(name="n", options={"type": "postgres"}),
            "POST",
            "/connections",
            201,
            DEEPLY_NESTED,
        ),
        (
            lambda c: c.create_connection(name="n", options={"type": "postgres"}),
            "POST",
            "/connections",
            400,
            DEEPLY_NESTED,
        ),
    ],
    ids=[
        "html-page-on-200",
        "truncated-json",
        "array-where-object-belongs",
        "empty-body-on-200",
        "object-where-array-belongs",
        "array-of-non-objects",
        "empty-body-on-201",
        "html-502-page",
        "account-array",
        "undecodable-bytes",
        "nested-too-deep-on-201",
        "nested-too-deep-on-400",
    ],
)
def test_unreadable_answer_raises_bad_response_with_status_and_request(
    router: respx.MockRouter,
    client: FaradayClient,
    call: Callable[[FaradayClient], object],
    route_method: str,
    path: str,
    status: int,
    content: bytes,
) -> None:
    router.route(method=route_method, path=path).respond(status, content=content)

    with pytest.raises(BadResponse) as caught:
        call(client)

    error = caught.value
    assert (error.status, error.method, error.path) == (status, route_method, path)


def test_wrong_shape_inside_a_connection_says_which_field_without_echoing_values(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    router.get(CONNECTION_PATH).respond(200, json=connection_json(created_at="s3cret-ish"))

    with pytest.raises(BadResponse) as caught:
        client.get_connection(CONNECTION_ID)

    assert "'created_at'" in str(caught.value)
    assert "s3cret-ish" not in str(caught.value)
    assert isinstance(caught.value.__cause__, BadResponse)


# Real sockets: the httpx errors above are hand-made, so check the kinds against the real thing.


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def tcp_server() -> Iterator[Callable[[bytes], str]]:
    """Start local TCP servers that send `greeting` on accept and then stay silent.

    Returns each server's "host:port".
    """
    servers: list[tuple[socket.socket, threading.Thread]] = []
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def start(greeting: bytes) -> str:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.05)

        def accept() -> None:
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                accepted.append(conn)
                conn.sendall(greeting)

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        servers.append((server, thread))
        host, port = server.getsockname()
        return f"{host}:{port}"

    yield start
    stop.set()
    for server, thread in servers:
        thread.join()
        server.close()
    for conn in accepted:
        conn.close()


def _kind_of_failure(url: str, **options: Any) -> str:
    """The NetworkError kind a real socket fault at `url` raises, with no retries."""
    with build_http_client(url, **options) as http:
        client = FaradayClient(http, API_KEY, retry=NO_RETRY)
        with pytest.raises(NetworkError) as caught:
            client.get_current_account()
    return caught.value.kind


def test_real_refused_connection_is_kind_refused(closed_port: int) -> None:
    assert _kind_of_failure(f"http://127.0.0.1:{closed_port}/v1") == "refused"


def test_real_server_that_never_answers_is_kind_read_timeout(
    tcp_server: Callable[[bytes], str],
) -> None:
    address = tcp_server(b"")

    assert _kind_of_failure(f"http://{address}/v1", timeout=0.2) == "read_timeout"


def test_real_tls_handshake_answered_in_plain_http_is_kind_tls(
    tcp_server: Callable[[bytes], str],
) -> None:
    address = tcp_server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    assert _kind_of_failure(f"https://{address}/v1", timeout=2.0) == "tls"

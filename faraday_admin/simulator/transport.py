"""An httpx transport that answers from the simulator engine in-process (demo mode)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs

import httpx

from faraday_admin.simulator import engine


class SimulatorTransport(httpx.BaseTransport):
    """Swap this in for the network transport: same client, Faraday answered by the simulator.

    `base_path` is the API root's path in the client's base URL ("/v1" for ".../v1").
    """

    def __init__(
        self, base_path: str = "/v1", *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.base_path = base_path
        self.clock = clock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        path = engine.strip_base_path(request.url.path, self.base_path)
        if path is None:
            answer = engine.outside_api_root(request.url.path)
        else:
            answer = engine.handle(
                request.method,
                path,
                parse_qs(request.url.query.decode("ascii"), keep_blank_values=True),
                request.headers,
                body,
                clock=self.clock,
            )
        return httpx.Response(
            answer.status, headers=answer.headers, content=answer.body, request=request
        )

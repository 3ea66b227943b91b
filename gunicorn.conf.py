"""gunicorn reads this file from the working directory; the Dockerfile's CMD relies on it."""

import os

_loopback_http = os.environ.get("LOOPBACK_HTTP", "").lower() in ("1", "true", "yes", "on")
_host = os.environ.get("HOST", "127.0.0.1" if _loopback_http else "0.0.0.0")  # noqa: S104 - a container listens on all interfaces
if _loopback_http and _host not in ("127.0.0.1", "::1", "localhost"):
    # Plain http (LOOPBACK_HTTP) must never be reachable from another machine.
    raise SystemExit(f"LOOPBACK_HTTP serves plain http: listen on 127.0.0.1, not {_host}")
bind = [f"{_host}:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Worst case for one page: 4 GET attempts at FARADAY_TIMEOUT (10 s) plus 10 s of retry waits.
timeout = 60
graceful_timeout = 20
# Faraday calls are the slow part; keep-alive helps the load balancer reuse connections.
keepalive = 5
accesslog = "-"
errorlog = "-"
# The default access log has no query string secrets to worry about: secrets only travel in
# POST bodies.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

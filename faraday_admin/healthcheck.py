"""The container HEALTHCHECK: GET /healthz on this machine, as one of the allowed host names."""

import http.client
import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faraday_admin.settings")
    from django.conf import settings

    allowed = [h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
    host = allowed[0] if allowed else "localhost"
    connection = http.client.HTTPConnection("127.0.0.1", settings.PORT, timeout=4)
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        return 0 if connection.getresponse().status == 200 else 1
    except OSError:
        return 1
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())

"""Log filters: a refused request is one line, not a traceback."""

import logging


class OneLineRefusals(logging.Filter):
    """Drop the traceback from Django's records of refused requests (4xx: permission denied,
    CSRF, bad request; and every django.security record, e.g. a bad Host header). They are
    expected, and a traceback per refusal buries real errors. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        refused = record.name.startswith("django.security") or (
            status is not None and 400 <= status < 500
        )
        if refused and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True

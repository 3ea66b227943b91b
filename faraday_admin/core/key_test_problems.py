"""Words for the Settings page's key test, said on that page about the key just tested."""

from __future__ import annotations

from dataclasses import replace

from faraday_admin.core.problems import ErrorKind, Problem, describe_error
from faraday_admin.core.upstream import KeySource
from faraday_admin.faraday_client import AuthFailed, BadResponse, FaradayError, NotFound

ENVIRONMENT_KEY_STEP = (
    "Ask whoever runs the app to put a working key in its environment (FARADAY_API_KEY), "
    "copied again from Faraday's dashboard."
)
ASK_TO_CHECK_ADDRESS = (
    "ask whoever runs the app to check FARADAY_API_URL: it is normally https://api.faraday.ai/v1."
)
NOT_THE_API_STEP = (
    "This is usually a brief outage: try again in a few minutes. If it keeps happening, "
    + ASK_TO_CHECK_ADDRESS
)
WRONG_ADDRESS = Problem(
    title="Faraday didn't answer at the address this app uses.",
    next_step="A" + ASK_TO_CHECK_ADDRESS[1:],  # the same words, starting a sentence
    kind=ErrorKind.WRONG_ADDRESS,
)


def describe_key_test_error(error: FaradayError, *, source: KeySource) -> Problem:
    """Like describe_error, whose advice ("ask an admin to check the key on Settings") would
    send the person back to where they already are, or to a form that is turned off."""
    problem = describe_error(error, has_fields=False)
    if isinstance(error, AuthFailed):
        if source is KeySource.ENVIRONMENT:
            step = ENVIRONMENT_KEY_STEP
        elif problem.code == "EXPIRED_API_KEY":
            step = "Create a new key in Faraday's dashboard and save it below."
        else:
            step = "Copy the key again from Faraday's dashboard and save it below."
        return replace(problem, next_step=step)
    if isinstance(error, NotFound):  # the account itself can't be missing: the address is wrong
        return replace(WRONG_ADDRESS, error_id=problem.error_id, code=problem.code, at=problem.at)
    if isinstance(error, BadResponse) and error.status != 429:
        return replace(problem, next_step=NOT_THE_API_STEP)
    return problem

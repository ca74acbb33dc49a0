"""When to try again after a 503 (SEFAZ or the store out of reach): the API's answers and the pages' say the same
in Retry-After."""

from __future__ import annotations

from lojasync.shared.errors import LojasyncError

RETRY_AFTER_SECONDS = 60


def retry_after(error: LojasyncError) -> int:
    """Seconds before trying again, for HTTP clients that retry by themselves: the error's own when it has one
    (an NF-e sent without an answer is neither sent nor asked again for the sending window: asking sooner only
    gets this 503 again), else a minute (the worker asks SEFAZ and the store again every minute)."""
    if "retry_after" in error.params:
        return max(1, int(error.params["retry_after"]))
    if "minutes" in error.params and error.code == "fiscal.invoice_being_sent":
        return max(1, int(error.params["minutes"])) * 60
    return RETRY_AFTER_SECONDS


def retry_headers(status_code: int, error: LojasyncError | None) -> dict[str, str]:
    """Retry-After for a 503 (the error's own wait, a minute without one); nothing for any other status."""
    if status_code != 503:
        return {}
    return {"Retry-After": str(retry_after(error) if error is not None else RETRY_AFTER_SECONDS)}

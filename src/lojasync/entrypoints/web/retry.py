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

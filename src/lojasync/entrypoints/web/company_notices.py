"""What every page of the back office says about the company's ability to issue: the A1 certificate expiring (or
expired); and a company in a UF whose clock is not the one the pages show (LOJASYNC_TIME_ZONE). Said on
Configurações only, it reached nobody: the operator works in the order and NF-e lists, and the first sign was
generation refused on the expiry day.

Read at most once a minute per application (one query, not one per page), kept on the application's state."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from starlette.requests import Request

from lojasync.fiscal.services.company import certificate_expiry, time_zone_notice

REREAD_AFTER = 60.0   # seconds


def company_notices(request: Request) -> list[str]:
    """The certificate's warnings and problems about its validity, as Configurações words them; [] when none (or no
    company yet). Never raises: a page must not fail for its banner."""
    state = request.app.state
    container = getattr(state, "container", None)
    if container is None:
        return []
    now = time.monotonic()
    found = getattr(state, "company_notices", None)
    if found is not None and now - found[0] < REREAD_AFTER:
        return found[1]
    generation = getattr(state, "company_notices_generation", 0)
    try:
        # Read without a lock (show_company locks the row, as its callers change it): a page never waits for an
        # NF-e taking its number.
        with container.read_uow() as uow:
            company = uow.company.get()
            moment = datetime.now(timezone.utc)
            said = [certificate_expiry(company, moment), time_zone_notice(company, moment)] if company else []
        notices = [notice for notice in said if notice]
    except Exception:   # noqa: BLE001 - the banner is a courtesy: the page itself goes on
        return []
    if getattr(state, "company_notices_generation", 0) == generation:   # no certificate installed meanwhile
        state.company_notices = (now, notices)
    return notices


def forget(request: Request) -> None:
    """Read again on the next page (a certificate just installed); a read begun before is not kept."""
    state = request.app.state
    state.company_notices_generation = getattr(state, "company_notices_generation", 0) + 1
    state.company_notices = None

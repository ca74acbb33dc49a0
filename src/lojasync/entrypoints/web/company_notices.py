"""What every page of the back office says about the company's ability to issue: the A1 certificate expiring (or
expired); a company in a UF whose clock is not the one the pages show (LOJASYNC_TIME_ZONE); and IBS/CBS rates of an
earlier year than the NF-e now issued carry (at the turn of the year, until they are changed or confirmed). Said on
Configurações only, it reached nobody: the operator works in the order and NF-e lists, and the first sign was
generation refused on the expiry day.

Read at most once a minute per application (one query, not one per page), kept on the application's state."""

from __future__ import annotations

import time

from starlette.requests import Request

from lojasync.entrypoints.web.auth import now as page_now
from lojasync.entrypoints.web.templating import flash
from lojasync.fiscal.company import ibs_cbs_year_notice
from lojasync.fiscal.services.company import certificate_expiry, ibs_cbs_notice, time_zone_notice
from lojasync.fiscal.services.views import InvoiceView

REREAD_AFTER = 60.0   # seconds


# What the banner adds after a notice: the certificate's is renewed with the certificadora first. Only after it (review:
# the time zone's notice was followed by "instale o certificado novo" too).
CERTIFICATE = "certificado"


def company_notices(request: Request) -> list[tuple[str, str | None]]:
    """The notices as Configurações words them, each with what the banner adds after it (`CERTIFICATE`, or None);
    [] when none (or no company yet). Never raises: a page must not fail for its banner."""
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
            moment = page_now(request)
            said = [(certificate_expiry(company, moment), CERTIFICATE), (time_zone_notice(company, moment), None),
                    (ibs_cbs_year_notice(company, moment), None)] if company else []
        notices = [(notice, then) for notice, then in said if notice]
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


def say_ibs_cbs_year(request: Request, invoice: InvoiceView) -> None:
    """The flash of an NF-e just generated or transmitted whose IBS/CBS rates are of an earlier year than its dhEmi:
    issued all the same (invoicing does not stop on 1 January), said where the operator looks right then. Never
    raises: the NF-e is done, the warning is a courtesy."""
    try:
        notice = ibs_cbs_notice(request.app.state.container.read_uow(), [invoice.issued_at])
    except Exception:   # noqa: BLE001 - as the banner: the page goes on
        return
    if notice:
        flash(request, f"Atenção: {notice}.", "warning")

"""The company read for a page (Configurações, the stock page's default NCM, `company show`) while an NF-e takes its
number (review of the readers' one snapshot, REPEATABLE READ on PostgreSQL): show_company locked the company row, so
on PostgreSQL a reader meeting the numbering's lock waited for it and then was refused ("could not serialize access
due to concurrent update"), the page failing for every NF-e numbered while it opened. A reader locks nothing."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from sqlalchemy import update

from lojasync.db.fiscal_tables import company
from lojasync.fiscal.services.company import CompanyData, set_company, show_company

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
COMPANY = CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11.222.333/0001-81", ie="110042490114", street="Rua A",
                      number="10", district="Centro", city="sao paulo", uf="São Paulo", zipcode="01001-000")


def test_the_company_is_shown_while_an_nfe_takes_its_number(app):
    set_company(app.uow(), COMPANY, NOW)
    before = show_company(app.read_uow(), NOW).next_number
    shown: list = []
    with app.engine.connect() as numbering:
        # An NF-e taking its number: the company row locked and changed, not committed yet.
        numbering.begin()
        numbering.execute(update(company).values(next_number=company.c.next_number + 1))

        def page() -> None:
            try:
                shown.append(show_company(app.read_uow(), NOW))
            except Exception as exc:   # noqa: BLE001 - what the page would have shown
                shown.append(exc)

        reader = threading.Thread(target=page)
        reader.start()
        reader.join(1.0)   # a reader that waits for the lock is still waiting here
        numbering.commit()
    reader.join(10)
    assert len(shown) == 1 and not isinstance(shown[0], Exception), shown
    assert shown[0].next_number in (before, before + 1)

"""The DANFE of an NF-e of many lines: drawn page by page (each page lays out about a page of lines, not all those
left), and the same pages as brazilfiscalreport's own `Danfe` draws."""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from datetime import datetime

import pytest
from brazilfiscalreport.danfe import Danfe

from lojasync.fiscal.access_key import build_access_key
from lojasync.fiscal.danfe import danfe_source, layout_of
from lojasync.fiscal.nfe_proc import built_nfe_proc
from lojasync.fiscal.nfe_xml import build_nfe_xml
from tests.unit.nfe_drafts import BRASILIA, RANDOM_CODE, draft, shirts

NS = "http://www.portalfiscal.inf.br/nfe"
MOC_7_0_ISSUE, NT_2026_010_ISSUE = datetime(2026, 10, 5, 14, 30, tzinfo=BRASILIA), datetime(2026, 12, 2, 9, 0,
                                                                                            tzinfo=BRASILIA)
# The page count written at the end (FOLHA 1/n) is a placeholder with a random id in each page's drawing.
_PAGE_COUNT = re.compile(rb"::placeholder:[^:]+::")


def proc_xml(lines: int, issued_at: datetime = MOC_7_0_ISSUE) -> str:
    """An nfeProc of `lines` products, some of them with a description that takes several lines of the table."""
    items = tuple(replace(item, description=item.description + " com estampa, gola careca e manga longa" * 6)
                  if n % 3 == 0 else item for n, item in enumerate(shirts(lines)))
    nfe = draft(items=items)
    key = build_access_key("35", issued_at, nfe.issuer.cnpj, nfe.series, nfe.number, random_code=RANDOM_CODE)
    nfe = replace(nfe, issued_at=issued_at, access_key=key)
    protocol = (f'<protNFe xmlns="{NS}" versao="4.00"><infProt><tpAmb>2</tpAmb><verAplic>SIMULADOR</verAplic>'
                f"<chNFe>{nfe.access_key}</chNFe><dhRecbto>2026-10-05T14:31:00-03:00</dhRecbto>"
                "<nProt>135260000000001</nProt><digVal>k4TMabc=</digVal><cStat>100</cStat>"
                "<xMotivo>Autorizado o uso da NF-e</xMotivo></infProt></protNFe>").encode()
    return built_nfe_proc(build_nfe_xml(nfe), protocol).decode("utf-8")


def pages(document) -> list[bytes]:
    return [_PAGE_COUNT.sub(b"", page.contents) for page in document.pages.values()]


@pytest.mark.parametrize("issued_at", [MOC_7_0_ISSUE, NT_2026_010_ISSUE], ids=["moc-7.0", "nt-2026.010"])
def test_the_pages_are_the_libraries_own(issued_at):
    source = danfe_source(proc_xml(100, issued_at), simulated=True, cancelled=True)
    ours = layout_of(source)(xml=source.printed, config=source.config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        theirs = Danfe(xml=source.printed, config=source.config)
    assert type(theirs) in type(ours).__mro__
    assert len(pages(ours)) >= 3 and pages(ours) == pages(theirs)


def test_each_page_lays_out_about_a_page_of_lines_not_all_those_left():
    """review: 990 lines took ~57 s, 300 lines 2.3 s: the library laid out every line still to print to find those
    that fit on each page, so the work grew with the square of the lines. It now grows with the lines: each line
    is laid out once to be drawn and about once more to split the pages (the library's way: about 4 times for
    300 lines, more the more pages)."""
    source = danfe_source(proc_xml(300))

    class Counted(layout_of(source)):
        laid_out = 0

        def _draw_products(self, height_product_table, products, additional_data=""):
            Counted.laid_out += len(products)
            return super()._draw_products(height_product_table, products, additional_data)

    assert len(pages(Counted(xml=source.printed, config=source.config))) >= 5
    assert Counted.laid_out < 3 * 300

"""The DANFE (the NF-e's printed form) from the nfeProc, with brazilfiscalreport. From dhEmi 2026-12-01 it
picks the NT 2026.010 layout (IBS/CBS totals, QR code) by itself."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from importlib.metadata import version

from brazilfiscalreport.danfe import DanfeConfig
from brazilfiscalreport.danfe.config import DanfeLayout, FooterStamp
from brazilfiscalreport.danfe.danfe import resolve_layout
from brazilfiscalreport.danfe.danfe_moc_7_0 import DanfeMoc70
from brazilfiscalreport.danfe.danfe_nt_2026_010 import DanfeNt2026010
from lxml import etree

from lojasync.shared.state_registration import format_ie

SIMULATED = "AUTORIZADA PELO SIMULADOR DA SEFAZ (lojasync) - SEM VALOR FISCAL"
_NS = {"n": "http://www.portalfiscal.inf.br/nfe"}
# Whose IE the DANFE prints, with the tag that says its UF (the carrier's has its UF beside the IE).
_PARTIES = (("n:emit", "n:enderEmit/n:UF"), ("n:dest", "n:enderDest/n:UF"), ("n:transp/n:transporta", "n:UF"))


@dataclass(frozen=True)
class DanfeSource:
    """Everything a DANFE is drawn from: the nfeProc as printed (`_for_print`) and the library's settings."""

    printed: str
    config: DanfeConfig
    lines: int

    @property
    def key(self) -> str:
        """A digest of all of it and of the versions of the code that draws it: two sources with the same key give
        the same PDF, so a PDF kept under it is never stale (an NF-e cancelled since, the simulator's words
        changed, the library upgraded: another key). The settings' repr holds every field of DanfeConfig."""
        digest = hashlib.sha256(f"{_DRAWN_BY}\n{self.config!r}\n".encode())
        digest.update(self.printed.encode("utf-8"))
        return digest.hexdigest()


_DRAWN_BY = f"brazilfiscalreport {version('brazilfiscalreport')}, fpdf2 {version('fpdf2')}"


def danfe_source(proc_xml: str, *, simulated: bool = False, cancelled: bool = False) -> DanfeSource:
    """What the DANFE of this nfeProc is drawn from; a note authorised by the simulator says so at its foot."""
    config = DanfeConfig(watermark_cancelled=cancelled,
                         footer_stamp=FooterStamp(text=SIMULATED if simulated else ""))
    printed, lines = _for_print(proc_xml)
    return DanfeSource(printed, config, lines)


def drawn(source: DanfeSource) -> bytes:
    """The DANFE as PDF bytes."""
    with warnings.catch_warnings():  # the library warns about its own deprecated layouts
        warnings.simplefilter("ignore", DeprecationWarning)
        document = layout_of(source)(xml=source.printed, config=source.config)
    return bytes(document.output())


def layout_of(source: DanfeSource) -> type:
    """The class that draws it: the layout in force on its dhEmi, as the library's `Danfe` picks it."""
    return _MOC_7_0 if resolve_layout(source.printed, source.config.layout) is DanfeLayout.MOC_7_0 else _NT_2026_010


def danfe_pdf(proc_xml: str, *, simulated: bool = False, cancelled: bool = False) -> bytes:
    """The DANFE as PDF bytes; a note authorised by the simulator says so at its foot."""
    return drawn(danfe_source(proc_xml, simulated=simulated, cancelled=cancelled))


class _PageByPage:
    """review: a DANFE of many lines took time growing with the square of its lines (990 lines: ~57 s), because
    brazilfiscalreport 1.3.1 finds the lines that fit on each page by laying out ALL the lines still to print
    (`_calculate_product_splits`), page after page. The split it returns only depends on the lines up to the
    first that does not fit (a line's height is its own text's; the product table spans no rows), so the same
    method given the first `window` lines answers the same whenever some of them are left over; when all fit,
    the window doubles. It starts one past what fitted on the page before (the next pages have the same room),
    so each page lays out about a page of lines, and the PDF is the library's own, page for page
    (tests/unit/test_danfe_layout.py compares them). The layout classes are taken as they are, by subclass:
    nothing of the library is changed, and its version is pinned (pyproject.toml)."""

    _window = 64   # the first page: an A4 page holds some 40 to 80 one-line product rows

    def _calculate_product_splits(self, products, height_product_table):
        window = self._window
        while True:
            fits, _ = super()._calculate_product_splits(products[:window], height_product_table)
            if len(fits) < window or window >= len(products):
                self._window = len(fits) + 1
                return fits, products[len(fits):]
            window *= 2


class _MOC_7_0(_PageByPage, DanfeMoc70):
    pass


class _NT_2026_010(_PageByPage, DanfeNt2026010):
    pass


def _for_print(proc_xml: str) -> tuple[str, int]:
    """The nfeProc with the emitter's, the recipient's and the carrier's IE punctuated as their UF writes it, as the
    order page shows them. The schema wants digits in the XML, and brazilfiscalreport prints the tag as it is (it
    formats CNPJ, CEP and phone, not the IE, and has no setting for it); the MOC's DANFE fixes the fields, not
    their mask. Only this copy, read by nothing but the PDF, changes: the stored and downloaded XML keep the digits.
    With it, how many product lines (det) it has."""
    root = etree.fromstring(proc_xml.encode("utf-8"))
    for party, uf_tag in _PARTIES:
        for ie in root.xpath(f"//{party}/n:IE", namespaces=_NS):
            uf = ie.getparent().findtext(uf_tag, namespaces=_NS)
            ie.text = format_ie(ie.text or "", uf)
    return etree.tostring(root, encoding="unicode"), len(root.xpath("//n:det", namespaces=_NS))

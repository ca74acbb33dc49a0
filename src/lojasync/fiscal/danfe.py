"""The DANFE (the NF-e's printed form) from the nfeProc, with brazilfiscalreport. From dhEmi 2026-12-01 it
picks the NT 2026.010 layout (IBS/CBS totals, QR code) by itself."""

from __future__ import annotations

import warnings

from brazilfiscalreport.danfe import Danfe, DanfeConfig
from brazilfiscalreport.danfe.config import FooterStamp
from lxml import etree

from lojasync.shared.state_registration import format_ie

SIMULATED = "AUTORIZADA PELO SIMULADOR DA SEFAZ (lojasync) - SEM VALOR FISCAL"
_NS = {"n": "http://www.portalfiscal.inf.br/nfe"}
# Whose IE the DANFE prints, with the tag that says its UF (the carrier's has its UF beside the IE).
_PARTIES = (("n:emit", "n:enderEmit/n:UF"), ("n:dest", "n:enderDest/n:UF"), ("n:transp/n:transporta", "n:UF"))


def danfe_pdf(proc_xml: str, *, simulated: bool = False, cancelled: bool = False) -> bytes:
    """The DANFE as PDF bytes; a note authorised by the simulator says so at its foot."""
    config = DanfeConfig(watermark_cancelled=cancelled,
                         footer_stamp=FooterStamp(text=SIMULATED if simulated else ""))
    with warnings.catch_warnings():  # the library warns about its own deprecated layouts
        warnings.simplefilter("ignore", DeprecationWarning)
        document = Danfe(xml=_for_print(proc_xml), config=config)
    return bytes(document.output())


def _for_print(proc_xml: str) -> str:
    """The nfeProc with the emitter's, the recipient's and the carrier's IE punctuated as their UF writes it, as the
    order page shows them. The schema wants digits in the XML, and brazilfiscalreport prints the tag as it is (it
    formats CNPJ, CEP and phone, not the IE, and has no setting for it); the MOC's DANFE fixes the fields, not
    their mask. Only this copy, read by nothing but the PDF, changes: the stored and downloaded XML keep the digits."""
    root = etree.fromstring(proc_xml.encode("utf-8"))
    for party, uf_tag in _PARTIES:
        for ie in root.xpath(f"//{party}/n:IE", namespaces=_NS):
            uf = ie.getparent().findtext(uf_tag, namespaces=_NS)
            ie.text = format_ie(ie.text or "", uf)
    return etree.tostring(root, encoding="unicode")

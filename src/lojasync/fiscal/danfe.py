"""The DANFE (the NF-e's printed form) from the nfeProc, with brazilfiscalreport. From dhEmi 2026-12-01 it
picks the NT 2026.010 layout (IBS/CBS totals, QR code) by itself."""

from __future__ import annotations

import warnings

from brazilfiscalreport.danfe import Danfe, DanfeConfig
from brazilfiscalreport.danfe.config import FooterStamp

SIMULATED = "AUTORIZADA PELO SIMULADOR DA SEFAZ (lojasync) - SEM VALOR FISCAL"


def danfe_pdf(proc_xml: str, *, simulated: bool = False, cancelled: bool = False) -> bytes:
    """The DANFE as PDF bytes; a note authorised by the simulator says so at its foot."""
    config = DanfeConfig(watermark_cancelled=cancelled,
                         footer_stamp=FooterStamp(text=SIMULATED if simulated else ""))
    with warnings.catch_warnings():  # the library warns about its own deprecated layouts
        warnings.simplefilter("ignore", DeprecationWarning)
        document = Danfe(xml=proc_xml, config=config)
    return bytes(document.output())

"""A batch's refusals are kept with the batch (its page and GET /invoices/batches/N read them back), also those kept
by earlier versions, which had no list of problems or no document."""

from __future__ import annotations

from lojasync.fiscal.services.batch import Refusal
from lojasync.fiscal.services.batch_reports import _refusal


def test_refusals_kept_before_the_problems_and_the_document_were_kept_still_read():
    assert _refusal({"refusal": ["fiscal.document_not_possible", "Não dá.", "Corrija."]}) == Refusal(
        "fiscal.document_not_possible", "Não dá.", "Corrija.")
    assert _refusal({"refusal": ["c", "m", "r"], "document": ["nfe", "7"]}).document == ("nfe", 7)
    assert _refusal({"refusal": None}) is None


def test_the_problems_are_read_back_as_kept():
    kept = {"refusal": ["fiscal.document_not_possible", "m", "r"], "problems": ["sem cliente", "sem NCM"]}
    assert _refusal(kept).problems == ("sem cliente", "sem NCM")

"""What an answer of SEFAZ means for the NF-e, as a table of cStat, not scattered ifs.

Only a code that SEFAZ documents as a rejection of *this* document makes it "rejected" (to be corrected
and sent again with a new key). Anything else that is not a decision — out of service, in processing,
"consumo indevido" (656: asked too often), an unknown code — leaves the NF-e awaiting SEFAZ, to be asked
again by key: rebuilding after such an answer could orphan an authorisation SEFAZ did give.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from lojasync.fiscal.gateway import ALREADY_CANCELLED, CANCELLED_AT_SEFAZ, DUPLICATE_WITH_DIFFERENT_KEY, SefazAnswer
from lojasync.shared.numbers import ascii_digits


class Outcome(Enum):
    AUTHORISED = "authorised"
    DENIED = "denied"                  # uso denegado: registered, use refused; final
    CANCELLED_THERE = "cancelled"      # a query says SEFAZ holds it cancelled (authorised, then cancelled)
    UNKNOWN = "unknown"                # 217: SEFAZ never got it; sending is safe
    # 204: this very key is there; ask for its protocol. 218 to an authorisation: it is there, cancelled (by another
    # program, or a cancellation whose answer was lost); asked by key, SEFAZ gives both records (CANCELLED_THERE).
    DUPLICATE_KEY = "duplicate"
    OTHER_KEY = "other_key"            # 539: this number with another key is there; a person must look
    REJECTED = "rejected"
    UNDECIDED = "undecided"


# "Consumo indevido": the same request asked too often; SEFAZ blocks it for a while, and asking again within the
# hour only keeps the block. The worker leaves such a request out of its rounds that long.
OVERUSE = "656"
OVERUSE_PAUSE = timedelta(hours=1)

AUTHORISED = frozenset({"100", "150"})
DENIED = frozenset({"110", "301", "302", "303"})
# 205 "NF-e está denegada na base de dados da SEFAZ": this sending refused, pointing at an earlier denial (as 204
# points at an earlier authorisation). Its protNFe has no nProt: the denial is recorded from the query by key, with
# SEFAZ's own protocol (review: it was recorded as the denial, its protocol missing).
DENIED_BEFORE = "205"
CANCELLED_THERE = CANCELLED_AT_SEFAZ
UNDECIDED = frozenset({"103", "104", "105", "106", "108", "109", "656", "678", "999"})


def outcome_of(answer: SefazAnswer) -> Outcome:
    status = answer.status
    if status in AUTHORISED:
        return Outcome.AUTHORISED
    if status in DENIED:
        return Outcome.DENIED
    if status in CANCELLED_THERE:
        return Outcome.CANCELLED_THERE
    if status == "217":
        return Outcome.UNKNOWN
    if status in ("204", DENIED_BEFORE, ALREADY_CANCELLED):
        return Outcome.DUPLICATE_KEY
    if status == DUPLICATE_WITH_DIFFERENT_KEY:
        return Outcome.OTHER_KEY
    # SEFAZ's rejections of a document are 2xx-8xx (with the exceptions above); 999 is "erro não
    # catalogado", which says nothing about the document.
    if ascii_digits(status, 3) and 200 <= int(status) < 900 and status not in UNDECIDED:
        return Outcome.REJECTED
    # Four digits: the rules the Reforma added (TStat [0-9]{3,4}; 1115 "IBS/CBS não informado", NFE.md), all of them
    # rejections of the document (review: only 1115 was, the others taken for undecided: the NF-e stayed awaiting
    # SEFAZ, left to the query by key, SEFAZ's reason never shown as a rejection to correct).
    if len(status) == 4 and ascii_digits(status, 4) and int(status) >= 1000:
        return Outcome.REJECTED
    return Outcome.UNDECIDED

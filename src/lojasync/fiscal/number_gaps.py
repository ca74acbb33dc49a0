"""Numbers a series skipped, which the issuer must void ("inutilizar") at SEFAZ.

An NF-e discarded before SEFAZ authorised it leaves its number unused, and so does a series whose next number
was raised by hand. A break in the sequence must be closed by a request to void the numbers (NFeInutilizacao4)
by the 10th day of the month after it happened (Ajuste SINIEF 07/05): the sequence breaks when an NF-e is
numbered after the skipped numbers, the first of them to be numbered (not the next number, which may have
been numbered later: an NF-e rejected and sent again weeks after the ones after it).

Only numbers between the lowest one lojasync numbered in the series and the last one it could have used are
gaps: the numbers before belong to the merchant's earlier system, which lojasync knows nothing of.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from lojasync.fiscal.number_voids import numbers_text, of_numbers

# The day of the next month by which a break in the sequence must be voided.
DEADLINE_DAY = 10


@dataclass(frozen=True)
class NumberGap:
    series: int
    first: int
    last: int
    # The day the sequence broke: the first day an NF-e numbered after the gap was numbered (local date). None
    # while no NF-e follows the gap (the series' next number was raised and nothing was numbered since).
    broken_on: date | None

    @property
    def numbers(self) -> str:
        return numbers_text(self.first, self.last)

    @property
    def of_numbers(self) -> str:
        return of_numbers(self.first, self.last)

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @property
    def deadline(self) -> date | None:
        """The last day to void the numbers: the 10th of the month after the break (None: not broken yet)."""
        if self.broken_on is None:
            return None
        year, month = (self.broken_on.year + 1, 1) if self.broken_on.month == 12 else \
            (self.broken_on.year, self.broken_on.month + 1)
        return date(year, month, DEADLINE_DAY)


def number_gaps(series: int, lowest: int, highest: int, held: Iterable[tuple[int, int, date]],
                covered: Iterable[tuple[int, int]]) -> list[NumberGap]:
    """The ranges of `lowest`..`highest` that no NF-e holds and no request to void covers, in order.

    `held`: the runs of consecutive numbers of the NF-e that were not discarded, each as (first, last, the first
    local day one of them was numbered), which the database gives without listing every NF-e;
    `covered`: first and last of the requests voided or awaiting SEFAZ."""
    runs = sorted(held)
    taken = sorted([(first, last) for first, last, _ in runs] + [(first, last) for first, last in covered])
    starts = [first for first, _, _ in runs]
    # earliest[i]: the first day any NF-e from the i-th run on was numbered.
    earliest: list[date] = [day for _, _, day in runs]
    for index in range(len(earliest) - 2, -1, -1):
        earliest[index] = min(earliest[index], earliest[index + 1])
    gaps: list[NumberGap] = []
    cursor = lowest
    for first, last in taken:
        if cursor > highest:
            break
        if first > cursor:
            gaps.append(_gap(series, cursor, min(first - 1, highest), starts, earliest))
        cursor = max(cursor, last + 1)
    if cursor <= highest:
        gaps.append(_gap(series, cursor, highest, starts, earliest))
    return gaps


def _gap(series: int, first: int, last: int, starts: list[int], earliest: list[date]) -> NumberGap:
    after = bisect.bisect_right(starts, last)  # the runs of NF-e numbered after the gap start here
    return NumberGap(series, first, last, earliest[after] if after < len(starts) else None)

"""The numbers a series skipped (fiscal.number_gaps): every number of the range is exactly one of held, covered by
a request to void, or in a gap; and the deadline is the 10th of the month after the sequence broke."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from lojasync.fiscal.number_gaps import NumberGap, number_gaps

DAY = date(2026, 11, 20)


def held_runs(held: Iterable[tuple[int, date]]) -> list[tuple[int, int, date]]:
    """(number, day numbered) of single NF-e as the runs `number_gaps` takes (the repository's held_runs)."""
    runs: list[tuple[int, int, date]] = []
    for number, day in sorted(held):
        if runs and runs[-1][1] + 1 == number:
            first, _, earliest = runs[-1]
            runs[-1] = (first, number, min(earliest, day))
        else:
            runs.append((number, number, day))
    return runs


def test_gaps_between_held_and_voided_numbers_with_the_day_the_sequence_broke() -> None:
    held = [(3, date(2026, 11, 2)), (7, date(2026, 11, 5)), (8, date(2026, 11, 6)), (12, date(2026, 12, 31)),
            (13, date(2026, 12, 20))]
    gaps = number_gaps(1, 3, 17, held_runs(held), covered=[(9, 10)])
    assert [(g.first, g.last, g.broken_on) for g in gaps] == [
        (4, 6, date(2026, 11, 5)),      # broken when 7 was numbered
        (11, 11, date(2026, 12, 20)),   # 9-10 are voided already; dated by the earliest NF-e after it
        (14, 17, None)]                 # the next number raised past 13: nothing numbered after them yet
    assert [g.deadline for g in gaps] == [date(2026, 12, 10), date(2027, 1, 10), None]
    assert [g.numbers for g in gaps] == ["4 a 6", "11", "14 a 17"]
    assert gaps[1].of_numbers == "do número 11" and gaps[0].count == 3


def test_no_gap_before_the_lowest_number_or_when_all_are_held() -> None:
    assert number_gaps(1, 5, 7, held_runs([(5, DAY), (6, DAY), (7, DAY)]), []) == []
    # A request to void reaching past both ends still covers only what it covers.
    assert number_gaps(1, 5, 9, held_runs([(5, DAY)]), [(1, 6), (8, 20)]) == [NumberGap(1, 7, 7, None)]


@given(st.integers(1, 60), st.integers(0, 60),
       st.dictionaries(st.integers(1, 130), st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=40),
       st.lists(st.tuples(st.integers(1, 130), st.integers(0, 10)), max_size=6))
def test_each_number_is_held_covered_or_in_exactly_one_gap(lowest, span, held, requests) -> None:
    highest = lowest + span
    covered = [(first, first + length) for first, length in requests]
    gaps = number_gaps(2, lowest, highest, held_runs(held.items()), covered)
    in_gaps = [n for g in gaps for n in range(g.first, g.last + 1)]
    assert len(in_gaps) == len(set(in_gaps))
    expected = {n for n in range(lowest, highest + 1)
                if n not in held and not any(a <= n <= b for a, b in covered)}
    assert set(in_gaps) == expected
    assert all(g.first <= g.last and g.series == 2 for g in gaps)
    assert all(a.last + 1 < b.first for a, b in pairwise(gaps))   # maximal ranges, in order
    for gap in gaps:   # broken on the first day an NF-e after it was numbered; not while none is
        assert gap.broken_on == min((day for n, day in held.items() if n > gap.last), default=None)

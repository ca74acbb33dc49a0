"""Loaded rows whose columns changed are written with plain Core UPDATEs at the start of each flush.

The ORM's unit of work costs about 0.2 ms per changed object on top of its UPDATE (sorting the objects by
their dependencies, building and caching the statement, reading defaults back), whatever the change: an
NF-e's approval changes four rows (the company's next number, the NF-e twice, the order) and paid that in
its two flushes, about a twentieth of its time (benchmarks/invoice_throughput.py). An object that only
changed columns needs none of that: its UPDATE is known. Here such objects are written as the ORM would
write them (same rows, same columns, `onupdate` defaults, the mapper's before/after update listeners, a row
found missing is StaleDataError), grouped by table and columns into one executemany, and then marked as
saved, so the ORM's own flush finds only the rest: new and deleted objects, and any change to a relationship
(a line added to an order, a customer linked), which keep needing its dependency order.

Three private names of SQLAlchemy's session are used (`_dirty_states`, `_deleted`, `InstanceState._commit_all`,
which its own flush and bulk operations call): the version is pinned, and tests/integration/
test_direct_updates.py holds the behaviour (rows written, ORM left with nothing, listeners, stale rows).
"""

from __future__ import annotations

import functools
from collections import defaultdict

from sqlalchemy import Table, bindparam, event
from sqlalchemy.orm import Mapper, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.state import InstanceState
from sqlalchemy.sql import ClauseElement

_PK = "direct_pk"
_VALUE = "direct_{}".format   # bind names may not be the columns' own in an UPDATE's SET


def write_changed_columns(session: Session, flush_context, objects) -> None:
    """The `before_flush` listener: write the eligible changed objects, leave the rest to the ORM."""
    if objects:   # a flush of chosen objects: left to the ORM as asked
        return
    by_mapper: dict[Mapper, list[InstanceState]] = defaultdict(list)
    for state in list(session._dirty_states):   # the ORM's own list of modified rows
        if _column_change(session, state):
            by_mapper[state.mapper].append(state)
    if not by_mapper:
        return
    connection = session.connection()
    for mapper, states in by_mapper.items():
        for state in states:
            mapper.dispatch.before_update(mapper, connection, state)
        # Read the changes after the listeners, which may change more columns (the order's search columns).
        groups: dict[tuple, list[tuple[InstanceState, dict]]] = defaultdict(list)
        for state in sorted(states, key=lambda s: s.identity):   # the ORM's order: by primary key
            change = _column_change(session, state)
            if change:   # else a listener touched a relationship: the ORM writes it after all
                groups[tuple(sorted(change))].append((state, change))
        for names, rows in groups.items():
            _update(connection, mapper, names, rows)
            for state, _ in rows:   # as in the ORM: with the changes still readable
                mapper.dispatch.after_update(mapper, connection, state)
            for state, _ in rows:
                # Saved: no longer modified, so the ORM's flush passes it over (as its own flush does after
                # writing).
                state._commit_all(state.dict, session.identity_map)


def _update(connection, mapper: Mapper, names: tuple, rows: list[tuple[InstanceState, dict]]) -> None:
    table: Table = mapper.local_table
    statement, onupdate = _statement(mapper, names)
    params = []
    for state, change in rows:
        values = dict(change)
        for column in onupdate:   # as the ORM does: one value per row, also kept on the object
            values[column.key] = column.onupdate.arg(None) if column.onupdate.is_callable else column.onupdate.arg
        params.append({**{_VALUE(k): v for k, v in values.items()}, _PK: state.identity[0]})
    result = connection.execute(statement, params)
    if (len(params) == 1 or connection.dialect.supports_sane_multi_rowcount) and result.rowcount != len(params):
        raise StaleDataError(f"UPDATE statement on table '{table.name}' expected to update {len(params)} row(s); "
                             f"{result.rowcount} were matched.")
    for (state, _), values in zip(rows, params, strict=True):
        for column in onupdate:
            state.dict[mapper.get_property_by_column(column).key] = values[_VALUE(column.key)]


@functools.lru_cache(maxsize=256)
def _statement(mapper: Mapper, names: tuple):
    """The UPDATE of these columns (and the `onupdate` ones) by primary key, built once: building it and
    computing its cache key cost as much as running it."""
    table: Table = mapper.local_table
    onupdate = tuple(c for c in table.columns if c.onupdate is not None and c.key not in names)
    statement = (table.update().where(mapper.primary_key[0] == bindparam(_PK))
                 .values({name: bindparam(_VALUE(name)) for name in names + tuple(c.key for c in onupdate)}))
    return statement, onupdate


def _column_change(session: Session, state: InstanceState) -> dict | None:
    """{column key: new value} when only plain columns of a loaded, single-table row changed; None or {} when
    the ORM must write it (new, deleted, a relationship or the primary key changed, a server-side onupdate)
    or has nothing to write (values set to what they were: the ORM then runs no UPDATE, nor any onupdate)."""
    if state.key is None or state.deleted or state in session._deleted or not state.modified:
        return None
    mapper: Mapper = state.mapper
    if not _simple(mapper):
        return None
    change: dict = {}
    for key in state.committed_state:
        prop = mapper.column_attrs.get(key)
        if prop is None:   # a relationship
            return None
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        column = prop.columns[0]
        if column.primary_key:
            return None
        value = history.added[0] if history.added else None
        if isinstance(value, ClauseElement):   # an SQL expression to evaluate: the ORM's job
            return None
        change[column.key] = value
    return change


def _simple(mapper: Mapper) -> bool:
    found = _SIMPLE.get(mapper)
    if found is None:
        table = mapper.local_table
        found = (isinstance(table, Table) and mapper.persist_selectable is table and not mapper.inherits
                 and len(mapper.primary_key) == 1 and mapper.version_id_col is None
                 and all(len(p.columns) == 1 and p.columns[0].table is table for p in mapper.column_attrs)
                 and not any(c.server_onupdate is not None for c in table.columns)
                 and all(c.onupdate is None or c.onupdate.is_callable or c.onupdate.is_scalar
                         for c in table.columns))
        _SIMPLE[mapper] = found
    return found


_SIMPLE: dict[Mapper, bool] = {}


def install(factory: sessionmaker) -> None:
    event.listen(factory, "before_flush", write_changed_columns)


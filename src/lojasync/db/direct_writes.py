"""Rows written with plain Core statements at the start of each flush, where the ORM's unit of work adds
nothing but its own cost.

The unit of work costs about 0.2 ms per object on top of its statement (sorting the objects by their
dependencies, building and caching the statement, reading defaults back), whatever the change: an NF-e's
approval inserts one row and changes four (the company's next number, the NF-e twice, the order): its two
flushes were about a tenth of its time (benchmarks/invoice_throughput.py). Two kinds need none of that:

- a loaded object that only changed columns: its UPDATE is known. Written as the ORM would write it (same
  columns, `onupdate` defaults kept on the object, the mapper's before/after update listeners, a row found
  missing is StaleDataError), grouped by table and columns into one executemany;
- a new object alone of its kind in the flush, of a class with no relationships and no database-side
  defaults: one INSERT of every column (Python defaults applied), then attached as loaded.

Both are then registered as the ORM's flush registers what it wrote, so its own flush finds only the rest:
several new objects of a kind (an import's products, which it inserts in one statement), deleted objects, and
any change to a relationship (a line added to an order, a customer linked), which keep needing its dependency
order.

Private names of SQLAlchemy's session are used, those its own flush uses (`_dirty_states`, `_new`, `_deleted`,
`_autobegin_t`, `_register_persistent`): the version is pinned, and tests/integration/test_direct_writes.py
holds the behaviour (rows written, ORM left with nothing, listeners, stale rows, rollbacks, failures).
"""

from __future__ import annotations

import functools
from collections import defaultdict

from sqlalchemy import Table, bindparam, event, util
from sqlalchemy.orm import Mapper, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.state import InstanceState
from sqlalchemy.sql import ClauseElement

_PK = "direct_pk"
_VALUE = "direct_{}".format   # bind names may not be the columns' own in an UPDATE's SET


def write_directly(session: Session, flush_context, objects) -> None:
    """The `before_flush` listener: write the eligible new and changed objects, leave the rest to the ORM.

    Updates before inserts, as the ORM orders a table's statements: a unique value an UPDATE frees (a customer's
    CPF moved to another record) can be taken by a new row of the same flush. And in a subtransaction, as the
    ORM's flush runs: a statement that fails here leaves the session needing a rollback, as a failed flush
    does, rather than active for a commit of the rest."""
    if objects:   # a flush of chosen objects: left to the ORM as asked
        return
    transaction = session._autobegin_t()._begin()
    try:
        write_changed_columns(session)
        insert_lone_new_rows(session)
        transaction.commit()
    except BaseException:  # noqa: BLE001 - re-raised once the subtransaction is rolled back
        with util.safe_reraise():
            transaction.rollback(_capture_exception=True)


def insert_lone_new_rows(session: Session) -> None:
    """A new object alone of its kind in the flush, of a class without relationships (an NF-e, a sale): one
    INSERT, then the object attached as loaded. Several of a kind (an import's products) stay the ORM's, which
    inserts them in one statement."""
    by_mapper: dict[Mapper, list[InstanceState]] = defaultdict(list)
    for state in list(session._new):   # the ORM's own pending objects (their states)
        by_mapper[state.mapper].append(state)
    for mapper, states in by_mapper.items():
        if len(states) != 1 or not _insertable(mapper):
            continue
        state = states[0]
        values = _insert_values(mapper, state)
        if values is None:
            continue
        connection = session.connection()
        if mapper.dispatch.before_insert:
            mapper.dispatch.before_insert(mapper, connection, state)
            values = _insert_values(mapper, state)   # as the listener left it
            if values is None:
                continue
        table: Table = mapper.local_table
        result = connection.execute(_insert_statement(table), values)
        pk = mapper.primary_key[0]
        if values.get(pk.key) is None:
            values[pk.key] = result.inserted_primary_key[0]
        for column in table.columns:
            if column.key in values:
                state.dict[mapper.get_property_by_column(column).key] = values[column.key]
        mapper.dispatch.after_insert(mapper, connection, state)
        _saved(session, [state])


def _table_rank(table: Table) -> int:
    ranks = _RANKS.get(table.metadata)
    if ranks is None:
        ranks = _RANKS[table.metadata] = {t: n for n, t in enumerate(table.metadata.sorted_tables)}
    return ranks.get(table, len(ranks))


_RANKS: dict = {}


def _saved(session: Session, states: list[InstanceState]) -> None:
    """What the ORM's flush does with the objects it wrote: identity key and identity map for a new one, all
    attributes marked saved (so its own flush passes them over), and each recorded in the transaction, so that
    a rollback treats them as the ORM's own (a new one back to transient, a changed one expired, savepoints
    included)."""
    session._register_persistent(set(states))


def _insertable(mapper: Mapper) -> bool:
    found = _INSERTABLE.get(mapper)
    if found is None:
        found = _INSERTABLE[mapper] = _simple(mapper) and not mapper.relationships \
            and all(c.server_default is None for c in mapper.local_table.columns)
    return found


_INSERTABLE: dict[Mapper, bool] = {}


def _insert_values(mapper: Mapper, state: InstanceState) -> dict | None:
    """Every column's value for the INSERT, as the ORM would send it (the object's unless None, else the column's
    Python default, else NULL); None when one is an SQL expression or a default the database computes."""
    values: dict = {}
    for column in mapper.local_table.columns:
        if getattr(column, "_insert_sentinel", False):
            continue
        key = mapper.get_property_by_column(column).key
        value = state.dict.get(key)
        if value is not None or (key in state.dict and column.type.should_evaluate_none):
            pass   # the object's (None too where the type stores None as a value, JSON's null)
        elif column.primary_key:
            continue   # the database numbers it
        elif column.default is None:
            value = None
        elif column.default.is_callable:
            value = column.default.arg(None)
        elif column.default.is_scalar:
            value = column.default.arg
        else:
            return None
        if isinstance(value, ClauseElement):
            return None
        values[column.key] = value
    return values


@functools.lru_cache(maxsize=64)
def _insert_statement(table: Table):
    return table.insert()


def write_changed_columns(session: Session) -> None:
    """Write the loaded objects whose plain columns changed; the ORM keeps every other change."""
    by_mapper: dict[Mapper, list[InstanceState]] = defaultdict(list)
    found: dict[InstanceState, dict] = {}
    for state in list(session._dirty_states):   # the ORM's own list of modified rows
        change = _column_change(session, state)
        if change:
            by_mapper[state.mapper].append(state)
            found[state] = change
    if not by_mapper:
        return
    connection = session.connection()
    # Tables in the order the ORM writes them (parents before children), so rows are locked in the same order.
    for mapper, states in sorted(by_mapper.items(), key=lambda item: _table_rank(item[0].local_table)):
        listened = bool(mapper.dispatch.before_update)
        for state in states:
            mapper.dispatch.before_update(mapper, connection, state)
        # Read the changes after the listeners, which may change more columns (the order's search columns).
        groups: dict[tuple, list[tuple[InstanceState, dict]]] = defaultdict(list)
        for state in sorted(states, key=lambda s: s.identity):   # the ORM's order: by primary key
            change = _column_change(session, state) if listened else found[state]
            if change:   # else a listener touched a relationship: the ORM writes it after all
                groups[tuple(sorted(change))].append((state, change))
        for names, rows in groups.items():
            _update(connection, mapper, names, rows)
            for state, _ in rows:   # as in the ORM: with the changes still readable
                mapper.dispatch.after_update(mapper, connection, state)
            _saved(session, [state for state, _ in rows])


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
    event.listen(factory, "before_flush", write_directly)

